"""Returns (RMAs): a customer's or staff's request to send back shipped units of an order,
its lines (how many, why, how many arrived and what became of them) and the refund it gave."""

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
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from commerce.db.base import Base, UTCDateTime
from commerce.shared.clock import utcnow


class Return(Base):
    """One return of an order: REQUESTED -> OPEN -> CLOSED, or DECLINED / CANCELED."""

    __tablename__ = "returns"
    __table_args__ = (
        CheckConstraint("status IN ('REQUESTED', 'OPEN', 'CLOSED', 'DECLINED', 'CANCELED')",
                        name="status"),
        CheckConstraint("decline_reason IS NULL OR decline_reason IN ('FINAL_SALE', "
                        "'RETURN_PERIOD_ENDED', 'OTHER')", name="decline_reason"),
        CheckConstraint("refund_status IN ('NONE', 'PENDING', 'DONE')", name="refund_status"),
        CheckConstraint("return_shipping_fee >= 0 AND restocking_fee_bp >= 0 AND "
                        "restocking_fee_bp <= 10000", name="fees_within"),
        CheckConstraint("refund_amount >= 0", name="refund_nonnegative"),
        UniqueConstraint("order_id", "sequence"),
        # The staff queue pages by status, oldest (lowest id) first.
        Index("ix_returns_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    # 1, 2, ... per order: the return's number is "<order number>-R<sequence>".
    sequence: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="REQUESTED")
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                ondelete="SET NULL"))
    photo_urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    instructions: Mapped[str] = mapped_column(Text, default="")
    decline_reason: Mapped[str | None] = mapped_column(String(24))
    decline_note: Mapped[str] = mapped_column(Text, default="")
    return_shipping_fee: Mapped[int] = mapped_column(BigInteger, default=0)
    restocking_fee_bp: Mapped[int] = mapped_column(Integer, default=0)
    # NONE until returnRefund claims it (PENDING, with ``refund_plan``: which payments give
    # how much), DONE once every payment refunded its part. One refund per return.
    refund_status: Mapped[str] = mapped_column(String(8), default="NONE")
    refund_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    refund_shipping: Mapped[int] = mapped_column(BigInteger, default=0)
    refund_plan: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Bumped when the processor refused every step of a claimed refund and the claim was
    # released: the next claim's idempotency keys differ, so it is a new request.
    refund_attempt: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReturnLine(Base):
    """Units of one order line in a return, what arrived, and what became of them."""

    __tablename__ = "return_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "reason IN ('DAMAGED', 'DEFECTIVE', 'WRONG_ITEM', 'NOT_AS_DESCRIBED', "
            "'SIZE_TOO_SMALL', 'SIZE_TOO_LARGE', 'UNWANTED', 'OTHER')", name="reason"),
        # Units are received at most once each; MISSING units are those that never came.
        CheckConstraint("quantity_received >= 0 AND quantity_missing >= 0 AND "
                        "quantity_received + quantity_missing <= quantity",
                        name="received_within"),
        # Only received units can be restocked, kept unsold or written off as damaged.
        CheckConstraint("quantity_restocked >= 0 AND quantity_not_restocked >= 0 AND "
                        "quantity_damaged >= 0 AND quantity_restocked + "
                        "quantity_not_restocked + quantity_damaged <= quantity_received",
                        name="disposed_within"),
        CheckConstraint("refund_quantity >= 0 AND refund_quantity <= quantity",
                        name="refund_quantity_within"),
        UniqueConstraint("return_id", "order_line_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id", ondelete="CASCADE"),
                                           index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id",
                                                          ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="")
    quantity_received: Mapped[int] = mapped_column(Integer, default=0)
    quantity_restocked: Mapped[int] = mapped_column(Integer, default=0)
    quantity_not_restocked: Mapped[int] = mapped_column(Integer, default=0)
    quantity_damaged: Mapped[int] = mapped_column(Integer, default=0)
    quantity_missing: Mapped[int] = mapped_column(Integer, default=0)
    # Set when the return is refunded: the units paid back and their share of the line.
    refund_quantity: Mapped[int] = mapped_column(Integer, default=0)
    refund_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    refund_tax: Mapped[int] = mapped_column(BigInteger, default=0)
    refund_discount: Mapped[int] = mapped_column(BigInteger, default=0)
