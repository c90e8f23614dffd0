"""Order history entries (who, what, when, with amounts)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.models import OrderEvent


class OrderEventType(StrEnum):
    PLACED = "PLACED"
    NOTE_ADDED = "NOTE_ADDED"
    MARKED_AS_PAID = "MARKED_AS_PAID"
    PAYMENT_RECORDED = "PAYMENT_RECORDED"
    PAYMENT_REFUNDED = "PAYMENT_REFUNDED"
    PAYMENT_CAPTURED = "PAYMENT_CAPTURED"
    PAYMENT_VOIDED = "PAYMENT_VOIDED"
    CANCELED = "CANCELED"
    STATUS_CHANGED = "STATUS_CHANGED"
    ADDRESS_UPDATED = "ADDRESS_UPDATED"
    STOCK_RELEASED = "STOCK_RELEASED"
    DISPUTE_OPENED = "DISPUTE_OPENED"
    DISPUTE_CLOSED = "DISPUTE_CLOSED"
    RISK_HELD = "RISK_HELD"
    RISK_APPROVED = "RISK_APPROVED"
    RISK_REJECTED = "RISK_REJECTED"
    FULFILLMENT_CREATED = "FULFILLMENT_CREATED"
    FULFILLMENT_CANCELED = "FULFILLMENT_CANCELED"
    FULFILLMENT_SHIPPED = "FULFILLMENT_SHIPPED"


async def add_event(session: AsyncSession, order_id: int, type: OrderEventType, *,
                    actor_id: int | None, message: str = "",
                    data: dict[str, Any] | None = None) -> None:
    await session.execute(insert(OrderEvent).values(
        order_id=order_id, type=type.value, actor_id=actor_id, message=message,
        data=data or {}))
