"""Carts (also the working copy of a staff draft order) and their lines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from commerce.db.base import Base, UTCDateTime
from commerce.shared.clock import utcnow


class Cart(Base):
    __tablename__ = "carts"
    __table_args__ = (
        CheckConstraint("kind IN ('CART', 'DRAFT')", name="kind"),
        CheckConstraint("payment_method IS NULL OR payment_method IN "
                        "('BANK_TRANSFER', 'CASH_ON_DELIVERY', 'CARD')", name="payment_method"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # >= 128 random bits; the API's cart ID is derived from it, so knowing it is the
    # guest's only key to the cart.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(8), default="CART")
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    channel: Mapped[str] = mapped_column(String(32), default="WEB")
    shipping_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    billing_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    shipping_method_id: Mapped[int | None] = mapped_column(
        ForeignKey("shipping_methods.id", ondelete="SET NULL"))
    discount_code: Mapped[str | None] = mapped_column(String(64))
    payment_method: Mapped[str | None] = mapped_column(String(32))
    customer_note: Mapped[str] = mapped_column(Text, default="")
    # Marketing attribution, copied to the order for revenue-by-source reports.
    attribution: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Set once, by the checkout that created the order (orders.cart_id points back).
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CartLine(Base):
    __tablename__ = "cart_lines"
    __table_args__ = (
        UniqueConstraint("cart_id", "variant_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("price_override IS NULL OR price_override >= 0",
                        name="override_nonnegative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[int] = mapped_column(
        ForeignKey("product_variants.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    # Staff-set unit price on draft orders (minor units) and why.
    price_override: Mapped[int | None] = mapped_column(BigInteger)
    override_reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
