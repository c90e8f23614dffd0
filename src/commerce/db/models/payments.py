"""Payments on orders: what was agreed to be paid how (``Payment``), and the immutable
money movements on it (``PaymentTransaction``). An order's paid/refunded amounts and its
payment status are derived from the transactions (``payments.rules``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from commerce.db.base import Base, UTCDateTime
from commerce.shared.clock import utcnow


class Payment(Base):
    """A manual payment (money received outside the shop), or one card payment intent.

    A card payment starts on a cart (``cart_id``; no order yet) and gets its ``order_id``
    when the order is placed; a card payment whose order could not be placed (paid but out of
    stock) keeps ``order_id`` NULL and carries its refund.
    """

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("gateway IN ('manual', 'stripe')", name="gateway"),
        CheckConstraint(
            "method IN ('BANK_TRANSFER', 'CASH_ON_DELIVERY', 'CHEQUE', 'OTHER', 'CARD')",
            name="method"),
        CheckConstraint(
            "status IN ('PENDING', 'AUTHORIZED', 'CAPTURED', 'PARTIALLY_REFUNDED', "
            "'REFUNDED', 'VOIDED', 'FAILED')", name="status"),
        # One row per processor intent, so a webhook and a checkout find the same payment
        # (a manual payment's reference is a bank reference, which may repeat; a card payment
        # has none until its intent exists, and several may be waiting for one at once).
        Index("uq_payments_gateway_psp_reference", "gateway", "psp_reference", unique=True,
              sqlite_where=text("gateway != 'manual' AND psp_reference != ''"),
              postgresql_where=text("gateway != 'manual' AND psp_reference != ''")),
        Index("ix_payments_status_updated_at", "status", "updated_at"),
        # Fraud velocity: recent payment attempts per e-mail, client address and card.
        Index("ix_payments_email_created_at", "email", "created_at"),
        Index("ix_payments_client_address_created_at", "client_address", "created_at"),
        Index("ix_payments_card_fingerprint_created_at", "card_fingerprint", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # RESTRICT: money facts outlive nothing silently; an order with payments is never deleted.
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="RESTRICT"), index=True)
    # The cart a card payment was started for (SET NULL: the payment outlives the cart).
    cart_id: Mapped[int | None] = mapped_column(
        ForeignKey("carts.id", ondelete="SET NULL"), index=True)
    gateway: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(32))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(24))
    # The processor's id for it (Stripe: the PaymentIntent id); a manual payment's reference.
    psp_reference: Mapped[str] = mapped_column(String(255), default="")
    # The idempotency key of the call that created the intent, stored before the call.
    intent_key: Mapped[str] = mapped_column(String(128), default="")
    card_brand: Mapped[str] = mapped_column(String(32), default="")
    card_last4: Mapped[str] = mapped_column(String(4), default="")
    card_exp_month: Mapped[int | None] = mapped_column(Integer)
    card_exp_year: Mapped[int | None] = mapped_column(Integer)
    card_fingerprint: Mapped[str] = mapped_column(String(64), default="")
    card_country: Mapped[str] = mapped_column(String(2), default="")
    cvc_check: Mapped[str] = mapped_column(String(16), default="")
    postal_check: Mapped[str] = mapped_column(String(16), default="")
    # The processor's own fraud verdict (Stripe Radar), when it gave one.
    processor_risk_level: Mapped[str] = mapped_column(String(16), default="")
    processor_risk_score: Mapped[int | None] = mapped_column(Integer)
    # The last failed attempt (decline code and message), for staff and fraud screening.
    failure_code: Mapped[str] = mapped_column(String(64), default="")
    failure_message: Mapped[str] = mapped_column(String(500), default="")
    # Who paid from where (fraud velocity: payment attempts per e-mail / client address).
    email: Mapped[str] = mapped_column(String(254), default="")
    client_address: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PaymentTransaction(Base):
    """One money movement. A settled row (SUCCESS, FAILED) is never changed; a PENDING row
    (asked of the processor, answer not yet known) is settled exactly once, by a conditional
    update on its status."""

    __tablename__ = "payment_transactions"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "kind IN ('AUTHORIZE', 'CAPTURE', 'VOID', 'REFUND', 'CHARGEBACK', "
            "'CHARGEBACK_REVERSAL')", name="kind"),
        CheckConstraint("status IN ('SUCCESS', 'FAILED', 'PENDING')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_id: Mapped[int] = mapped_column(
        ForeignKey("payments.id", ondelete="RESTRICT"), index=True)
    # Denormalised so an order's transactions load in one indexed query; NULL while a card
    # payment has no order (set when the order is placed).
    order_id: Mapped[int | None] = mapped_column(
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
