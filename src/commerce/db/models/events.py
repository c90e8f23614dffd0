"""The transactional outbox: domain events written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from commerce.db.base import Base, UTCDateTime
from commerce.shared.clock import utcnow


class OutboxEvent(Base):
    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_unpublished", "published_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    aggregate_type: Mapped[str] = mapped_column(String(32))
    aggregate_id: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxDelivery(Base):
    """One consumer's progress with one outbox event (the relay's bookkeeping).

    The unique (consumer, event) pair is what makes a consumer see an event once: a relay
    creates the row before delivering, another relay creating it at the same moment finds
    it there, and the row (locked while its handler runs) records ``delivered_at`` in the
    same transaction as the handler's own database effects. A leased consumer's row (mail)
    is instead held by pushing ``next_attempt_at`` past the time its handler may take, and
    records ``delivered_at`` once the handler is done (``events.relay``).
    """

    __tablename__ = "outbox_deliveries"
    __table_args__ = (
        UniqueConstraint("consumer", "event_id"),
        # The relay's claim: a consumer's undelivered rows that are due, oldest event first.
        Index("ix_outbox_deliveries_consumer_delivered_at_next_attempt_at",
              "consumer", "delivered_at", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consumer: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_events.id", ondelete="CASCADE"), index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StockMovement(Base):
    """Every change to a stock row, with why and who: the journal balances with stock.

    The journal outlives what it describes: deleting a variant (and with it its stock rows)
    keeps its movements, with ``stock_id`` set to null and the variant's SKU kept on the row.
    """

    __tablename__ = "stock_movements"
    __table_args__ = (Index("ix_stock_movements_stock_id_id", "stock_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stock_id: Mapped[int | None] = mapped_column(ForeignKey("stocks.id", ondelete="SET NULL"))
    # No foreign key: the variant may be deleted, its journal stays (with its SKU).
    variant_id: Mapped[int] = mapped_column(Integer, index=True)
    sku: Mapped[str] = mapped_column(String(255), default="")
    warehouse_id: Mapped[int] = mapped_column(Integer)
    # ALLOCATION, RELEASE, ADJUSTMENT, SET, and later RECEIPT, SHIPMENT, RETURN.
    reason: Mapped[str] = mapped_column(String(24))
    quantity_delta: Mapped[int] = mapped_column(Integer, default=0)  # on hand
    allocated_delta: Mapped[int] = mapped_column(Integer, default=0)
    quantity_after: Mapped[int] = mapped_column(Integer)
    allocated_after: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
