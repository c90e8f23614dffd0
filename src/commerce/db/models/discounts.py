"""Discount codes and their use by orders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from commerce.db.base import Base, UTCDateTime
from commerce.shared.clock import utcnow


class DiscountCode(Base):
    __tablename__ = "discount_codes"
    __table_args__ = (
        CheckConstraint("kind IN ('PERCENTAGE', 'FIXED_AMOUNT', 'FREE_SHIPPING')", name="kind"),
        CheckConstraint("value >= 0", name="value_nonnegative"),
        # The database itself refuses a use beyond the limit.
        CheckConstraint("usage_limit IS NULL OR times_used <= usage_limit", name="within_limit"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # stored upper-cased
    kind: Mapped[str] = mapped_column(String(16))
    # PERCENTAGE: basis points (1500 = 15 %); FIXED_AMOUNT: minor units; FREE_SHIPPING: 0.
    value: Mapped[int] = mapped_column(BigInteger, default=0)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    min_subtotal: Mapped[int | None] = mapped_column(BigInteger)
    usage_limit: Mapped[int | None] = mapped_column(Integer)
    usage_limit_per_customer: Mapped[int | None] = mapped_column(Integer)
    times_used: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DiscountUsage(Base):
    """One order's use of a code; counted per customer (by e-mail, lower-cased)."""

    __tablename__ = "discount_usages"
    __table_args__ = (UniqueConstraint("discount_id", "order_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    discount_id: Mapped[int] = mapped_column(
        ForeignKey("discount_codes.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
