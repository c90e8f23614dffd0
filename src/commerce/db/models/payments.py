"""Payments on orders: what was agreed to be paid how (``Payment``), and the immutable
money movements on it (``PaymentTransaction``). An order's paid/refunded amounts and its
payment status are derived from the transactions (``payments.rules``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from commerce.db.base import Base, UTCDateTime
from commerce.shared.clock import utcnow


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("gateway IN ('manual')", name="gateway"),
        CheckConstraint(
            "method IN ('BANK_TRANSFER', 'CASH_ON_DELIVERY', 'CHEQUE', 'OTHER')", name="method"),
        CheckConstraint(
            "status IN ('CAPTURED', 'PARTIALLY_REFUNDED', 'REFUNDED')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # RESTRICT: money facts outlive nothing silently; an order with payments is never deleted.
    order_id: Mapped[int] = mapped_column(
        ForeignKey("orders.id", ondelete="RESTRICT"), index=True)
    gateway: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(32))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(24))
    psp_reference: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PaymentTransaction(Base):
    """One money movement; rows are only ever inserted, never updated."""

    __tablename__ = "payment_transactions"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("kind IN ('CAPTURE', 'REFUND')", name="kind"),
        CheckConstraint("status IN ('SUCCESS')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_id: Mapped[int] = mapped_column(
        ForeignKey("payments.id", ondelete="RESTRICT"), index=True)
    # Denormalised so an order's transactions load in one indexed query.
    order_id: Mapped[int] = mapped_column(
        ForeignKey("orders.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))
    psp_reference: Mapped[str] = mapped_column(String(255), default="")
    reason: Mapped[str] = mapped_column(String(500), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The client's key: the same request retried finds this row instead of adding another.
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
