"""The transactional outbox: domain events written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
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
