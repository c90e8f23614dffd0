"""Warehouses and per-variant stock levels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from commerce.db.base import Base, UTCDateTime
from commerce.shared.clock import utcnow


class Warehouse(Base):
    __tablename__ = "warehouses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(250))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    street_address_1: Mapped[str] = mapped_column(String(256), default="")
    city: Mapped[str] = mapped_column(String(256), default="")
    postal_code: Mapped[str] = mapped_column(String(32), default="")
    country_code: Mapped[str] = mapped_column(String(2), default="US")
    # Lower number = preferred when stock could come from several warehouses.
    priority: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Stock(Base):
    __tablename__ = "stocks"
    __table_args__ = (
        UniqueConstraint("variant_id", "warehouse_id"),
        CheckConstraint("quantity >= 0", name="quantity_nonnegative"),
        CheckConstraint("allocated >= 0 AND allocated <= quantity", name="allocated_within"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    variant_id: Mapped[int] = mapped_column(
        ForeignKey("product_variants.id", ondelete="CASCADE"), index=True
    )
    warehouse_id: Mapped[int] = mapped_column(
        ForeignKey("warehouses.id", ondelete="RESTRICT"), index=True
    )
    quantity: Mapped[int] = mapped_column(Integer, default=0)  # on hand
    allocated: Mapped[int] = mapped_column(Integer, default=0)


class StockReservation(Base):
    """Units held for a cart while its card payment is in progress.

    Taken under the stock row's lock like an allocation, but never written to
    ``stocks.allocated``: availability subtracts only reservations whose ``expires_at`` is
    still ahead, so a lapsed one frees its units by itself and nothing must sweep them.
    """

    __tablename__ = "stock_reservations"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        UniqueConstraint("cart_id", "stock_id"),
        Index("ix_stock_reservations_stock_id_expires_at", "stock_id", "expires_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    stock_id: Mapped[int] = mapped_column(ForeignKey("stocks.id", ondelete="CASCADE"))
    variant_id: Mapped[int] = mapped_column(
        ForeignKey("product_variants.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
