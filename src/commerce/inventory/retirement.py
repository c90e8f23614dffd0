"""Closing the stock of variants that are being deleted.

Their stock rows go with them, but the journal stays (``stock_movements.stock_id`` is set to
null, the SKU is on the row). Each row's journal is closed with a last SET movement to zero,
so it still sums to what the row held, and units still on hand leave as a ``stock.removed``
event valued at cost, for the ledger to write off.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.models import ProductVariant, Stock
from commerce.events.outbox import emit
from commerce.inventory.journal import MovementReason, record_many

NOTE = "Variant deleted"


async def retire_stock(session: AsyncSession, variant_ids: Sequence[int], *,
                       actor_id: int | None = None) -> None:
    """Call in the deleting transaction, before the variants are deleted."""
    if not variant_ids:
        return
    rows = (await session.execute(
        select(Stock.id, Stock.variant_id, Stock.warehouse_id, Stock.quantity, Stock.allocated,
               ProductVariant.sku, ProductVariant.cost_amount, ProductVariant.currency)
        .join(ProductVariant, ProductVariant.id == Stock.variant_id)
        .where(Stock.variant_id.in_(variant_ids)).order_by(Stock.id))).all()
    await record_many(session, [
        {"stock_id": row.id, "variant_id": row.variant_id, "sku": row.sku,
         "warehouse_id": row.warehouse_id, "reason": MovementReason.SET,
         "quantity_delta": -row.quantity, "allocated_delta": -row.allocated,
         "quantity_after": 0, "allocated_after": 0, "actor_id": actor_id, "note": NOTE}
        for row in rows])
    for row in rows:
        if row.quantity or row.allocated:
            await emit(session, "stock.removed", "Stock", row.id, {
                "stock_id": row.id, "variant_id": row.variant_id, "sku": row.sku,
                "warehouse_id": row.warehouse_id, "reason": MovementReason.SET.value,
                "quantity_delta": -row.quantity, "allocated_delta": -row.allocated,
                "quantity_after": 0, "allocated_after": 0,
                "unit_cost": row.cost_amount, "currency": row.currency,
                "actor_id": actor_id, "note": NOTE})
