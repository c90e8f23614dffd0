"""The stock movements journal: one row per change to a stock row, written with the change."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.models import StockMovement


class MovementReason(StrEnum):
    ALLOCATION = "ALLOCATION"
    RELEASE = "RELEASE"
    ADJUSTMENT = "ADJUSTMENT"
    SET = "SET"
    RECEIPT = "RECEIPT"
    SHIPMENT = "SHIPMENT"
    RETURN = "RETURN"


async def record(session: AsyncSession, *, stock_id: int, variant_id: int, sku: str,
                 warehouse_id: int, reason: MovementReason, quantity_delta: int = 0,
                 allocated_delta: int = 0, quantity_after: int, allocated_after: int,
                 actor_id: int | None = None, order_id: int | None = None,
                 note: str = "") -> None:
    await session.execute(insert(StockMovement).values(
        stock_id=stock_id, variant_id=variant_id, sku=sku, warehouse_id=warehouse_id,
        reason=reason.value, quantity_delta=quantity_delta, allocated_delta=allocated_delta,
        quantity_after=quantity_after, allocated_after=allocated_after, actor_id=actor_id,
        order_id=order_id, note=note))


async def record_many(session: AsyncSession, rows: list[dict[str, object]]) -> None:
    """Several movements in one statement; each dict has ``record``'s keyword names."""
    if rows:
        await session.execute(insert(StockMovement), [
            {"note": "", "actor_id": None, "order_id": None, "quantity_delta": 0,
             "allocated_delta": 0, **row, "reason": MovementReason(str(row["reason"])).value}
            for row in rows])
