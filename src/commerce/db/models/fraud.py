"""Fraud screening: each order's risk assessment and staff decision, and the blocklist."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
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


class OrderRisk(Base):
    __tablename__ = "order_risks"
    __table_args__ = (
        CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
        CheckConstraint("level IN ('LOW', 'MEDIUM', 'HIGH')", name="level"),
        # ACCEPTED: low risk, went through; IN_REVIEW: held for a person; APPROVED/REJECTED:
        # a person decided; CANCELED: high risk, canceled automatically.
        CheckConstraint(
            "status IN ('ACCEPTED', 'IN_REVIEW', 'APPROVED', 'REJECTED', 'CANCELED')",
            name="status"),
        # The review queue: oldest first among those in review.
        Index("ix_order_risks_status_created_at", "status", "created_at", "order_id"),
    )

    order_id: Mapped[int] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(8))
    # [{"description": ..., "sentiment": "POSITIVE" | "NEUTRAL" | "NEGATIVE"}]
    facts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16))
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BlocklistEntry(Base):
    __tablename__ = "blocklist_entries"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('EMAIL', 'DOMAIN', 'CLIENT_ADDRESS', 'CARD_FINGERPRINT')", name="kind"),
        UniqueConstraint("kind", "value"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    # Normalised: e-mails and domains lower-cased, addresses as ipaddress prints them.
    value: Mapped[str] = mapped_column(String(255))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
