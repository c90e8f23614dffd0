"""Shipping zones (by country), their methods and price bands; tax rates."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from commerce.db.base import Base


class ShippingZone(Base):
    __tablename__ = "shipping_zones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(250))
    # ISO 3166-1 alpha-2 codes served by this zone.
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)


class ShippingMethod(Base):
    __tablename__ = "shipping_methods"
    __table_args__ = (
        CheckConstraint("min_delivery_days >= 0 AND max_delivery_days >= min_delivery_days",
                        name="delivery_days"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    zone_id: Mapped[int] = mapped_column(
        ForeignKey("shipping_zones.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(250))
    description: Mapped[str] = mapped_column(String(1000), default="")
    min_delivery_days: Mapped[int] = mapped_column(Integer, default=1)
    max_delivery_days: Mapped[int] = mapped_column(Integer, default=5)
    free_over: Mapped[int | None] = mapped_column(BigInteger)  # order value, minor units
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class ShippingRate(Base):
    """One price band of a method: weight [min, max) and/or order value [min, max)."""

    __tablename__ = "shipping_rates"
    __table_args__ = (CheckConstraint("price >= 0", name="price_nonnegative"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    method_id: Mapped[int] = mapped_column(
        ForeignKey("shipping_methods.id", ondelete="CASCADE"), index=True)
    price: Mapped[int] = mapped_column(BigInteger)
    min_weight_grams: Mapped[int | None] = mapped_column(Integer)
    max_weight_grams: Mapped[int | None] = mapped_column(Integer)
    min_order_value: Mapped[int | None] = mapped_column(BigInteger)
    max_order_value: Mapped[int | None] = mapped_column(BigInteger)


class TaxRate(Base):
    __tablename__ = "tax_rates"
    __table_args__ = (
        UniqueConstraint("country_code", "country_area"),
        CheckConstraint("rate_bp >= 0 AND rate_bp <= 10000", name="rate_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(250), default="")
    country_code: Mapped[str] = mapped_column(String(2))
    # "" = the whole country; a region code (e.g. "CA" in US) overrides it.
    country_area: Mapped[str] = mapped_column(String(128), default="")
    rate_bp: Mapped[int] = mapped_column(Integer)  # basis points: 2000 = 20 %
    applies_to_shipping: Mapped[bool] = mapped_column(Boolean, default=True)
