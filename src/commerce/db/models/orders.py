"""Orders: header with price snapshot, lines, stock allocations and history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from commerce.db.base import Base, UTCDateTime
from commerce.shared.clock import utcnow


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("status IN ('OPEN', 'ON_HOLD', 'CANCELED', 'COMPLETED')",
                        name="status"),
        CheckConstraint(
            "payment_status IN ('NOT_PAID', 'PENDING', 'AUTHORIZED', 'PARTIALLY_PAID', 'PAID', "
            "'PARTIALLY_REFUNDED', 'REFUNDED', 'VOIDED', 'FAILED')", name="payment_status"),
        CheckConstraint(
            "fulfillment_status IN ('UNFULFILLED', 'PARTIALLY_FULFILLED', 'FULFILLED', "
            "'DELIVERED')", name="fulfillment_status"),
        CheckConstraint("total = subtotal - discount + shipping + tax - included_tax",
                        name="total_adds_up"),
        Index("ix_orders_created_at_id", "created_at", "id"),
        # Fraud velocity: recent orders per e-mail, client address and shipping address.
        Index("ix_orders_email_created_at", "email", "created_at"),
        Index("ix_orders_client_address_created_at", "client_address", "created_at"),
        Index("ix_orders_shipping_key_created_at", "shipping_key", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    # >= 128 random bits: the guest's key to the order (confirmation link).
    token: Mapped[str] = mapped_column(String(64), unique=True)
    # Unique: one order per cart, guaranteed by the database even if two checkouts race.
    cart_id: Mapped[int | None] = mapped_column(
        ForeignKey("carts.id", ondelete="SET NULL"), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    channel: Mapped[str] = mapped_column(String(32), default="WEB")
    status: Mapped[str] = mapped_column(String(16), default="OPEN", index=True)
    payment_status: Mapped[str] = mapped_column(String(24), default="NOT_PAID")
    fulfillment_status: Mapped[str] = mapped_column(String(24), default="UNFULFILLED")
    payment_method: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[int] = mapped_column(BigInteger)
    discount: Mapped[int] = mapped_column(BigInteger, default=0)
    shipping: Mapped[int] = mapped_column(BigInteger, default=0)
    shipping_tax: Mapped[int] = mapped_column(BigInteger, default=0)
    tax: Mapped[int] = mapped_column(BigInteger, default=0)
    # Equals ``tax`` when prices include tax (it is already inside the amounts), else 0.
    included_tax: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int] = mapped_column(BigInteger)
    amount_paid: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_rate_bp: Mapped[int] = mapped_column(Integer, default=0)
    shipping_method_id: Mapped[int | None] = mapped_column(
        ForeignKey("shipping_methods.id", ondelete="SET NULL"))
    shipping_method_name: Mapped[str] = mapped_column(String(250), default="")
    shipping_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    billing_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    discount_code: Mapped[str | None] = mapped_column(String(64))
    customer_note: Mapped[str] = mapped_column(Text, default="")
    attribution: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The address the order was placed from (fraud velocity), "" when unknown.
    client_address: Mapped[str] = mapped_column(String(64), default="")
    # The shipping address reduced to what identifies the place (``orders.places``), so
    # fraud velocity per address reads an index instead of the day's orders.
    shipping_key: Mapped[str] = mapped_column(String(320), default="")
    # Lower-cased number, e-mail and names, for staff search on both databases.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # The last version given to the order's tracking log (``order_tracking_events``).
    tracking_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("quantity_fulfilled >= 0 AND quantity_fulfilled <= quantity",
                        name="fulfilled_within"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[int | None] = mapped_column(
        ForeignKey("product_variants.id", ondelete="SET NULL"), index=True)
    # Snapshot at purchase: later catalog edits do not change what was bought.
    product_name: Mapped[str] = mapped_column(String(250))
    variant_name: Mapped[str] = mapped_column(String(255), default="")
    sku: Mapped[str] = mapped_column(String(255))
    quantity: Mapped[int] = mapped_column(Integer)
    quantity_fulfilled: Mapped[int] = mapped_column(Integer, default=0)
    unit_price: Mapped[int] = mapped_column(BigInteger)
    subtotal: Mapped[int] = mapped_column(BigInteger)
    discount: Mapped[int] = mapped_column(BigInteger, default=0)
    tax: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int] = mapped_column(BigInteger)
    price_override_reason: Mapped[str] = mapped_column(String(500), default="")
    track_inventory: Mapped[bool] = mapped_column(default=True)


class OrderAllocation(Base):
    """Units of a line held in one warehouse's stock; released exactly on cancel."""

    __tablename__ = "order_allocations"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_line_id: Mapped[int] = mapped_column(
        ForeignKey("order_lines.id", ondelete="CASCADE"), index=True)
    stock_id: Mapped[int] = mapped_column(ForeignKey("stocks.id", ondelete="RESTRICT"),
                                          index=True)
    quantity: Mapped[int] = mapped_column(Integer)


class OrderEvent(Base):
    """The order's history: who did what, when, with the amounts involved."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(48))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Counter(Base):
    """Named gap-free counters (order numbers), bumped with a conditional UPDATE."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class CustomerNote(Base):
    __tablename__ = "customer_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
