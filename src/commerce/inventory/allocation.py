"""Allocating and releasing stock for orders, inside the caller's write transaction.

Correctness does not rest on the plan: the takes are applied by one conditional statement
``UPDATE stocks SET allocated = allocated + <units per id> WHERE id IN (...) AND
quantity - allocated >= <units per id>`` whose returned rows are counted, and the CHECK
constraint ``0 <= allocated <= quantity`` backs it. On PostgreSQL the rows are first read
``FOR UPDATE`` in stock id order, so two orders wanting the same rows lock them in the same
order (no deadlock) and the plan is made from numbers nobody else can change; on SQLite the
write transaction holds the database write lock (``BEGIN IMMEDIATE``) from its start.
One statement for any number of lines keeps checkout's cost flat in the cart's size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.models import ProductVariant, Stock, Warehouse
from commerce.events.outbox import emit_many
from commerce.inventory.allocation_plan import Shortage, StockOption, Take, plan_allocation
from commerce.inventory.journal import MovementReason, record_many


class InsufficientStock(Exception):
    def __init__(self, shortages: Sequence[Shortage]) -> None:
        super().__init__(", ".join(f"variant {s.variant_id}: {s.available} of {s.requested}"
                                   for s in shortages))
        self.shortages = list(shortages)


# The journal keeps each movement's SKU (it outlives a deleted variant); read in the same
# statement that changes the stock rows, so journaling costs no extra round trip.
_SKU = (select(ProductVariant.sku).where(ProductVariant.id == Stock.variant_id)
        .scalar_subquery().label("sku"))


@dataclass(frozen=True, slots=True)
class Demand:
    variant_id: int
    quantity: int
    # Backordered variants take what stock there is and never fail for lack of it.
    backorder: bool = False


async def _options(session: AsyncSession, variant_ids: Sequence[int]
                   ) -> dict[int, list[StockOption]]:
    statement = (
        select(Stock.id, Stock.variant_id, Stock.warehouse_id, Stock.quantity, Stock.allocated,
               Warehouse.priority)
        .join(Warehouse, Warehouse.id == Stock.warehouse_id)
        .where(Stock.variant_id.in_(variant_ids), Warehouse.is_active.is_(True))
        .order_by(Stock.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(of=Stock)
    options: dict[int, list[StockOption]] = {}
    for row in (await session.execute(statement)).all():
        options.setdefault(row.variant_id, []).append(
            StockOption(row.id, row.warehouse_id, row.quantity - row.allocated, row.priority))
    return options


async def allocate(session: AsyncSession, demands: Sequence[Demand], *, order_id: int | None,
                   actor_id: int | None) -> list[Take]:
    """Allocate every demand in full (backorders: what exists) or raise InsufficientStock."""
    if not demands:
        return []
    options = await _options(session, sorted({d.variant_id for d in demands}))
    strict: dict[int, int] = {}
    best_effort: dict[int, int] = {}
    for demand in demands:
        target = best_effort if demand.backorder else strict
        target[demand.variant_id] = target.get(demand.variant_id, 0) + demand.quantity
    plan = plan_allocation(strict, options)
    if not plan.ok:
        raise InsufficientStock(plan.shortages)
    takes = list(plan.takes)
    for variant_id, quantity in best_effort.items():
        available = {o.stock_id: o for o in options.get(variant_id, ())}
        capped = min(quantity, sum(max(o.available, 0) for o in available.values()))
        if capped:
            partial = plan_allocation({variant_id: capped}, {variant_id: list(available.values())})
            takes.extend(partial.takes)
    await apply_takes(session, takes, order_id=order_id, actor_id=actor_id)
    return takes


async def apply_takes(session: AsyncSession, takes: Sequence[Take], *, order_id: int | None,
                      actor_id: int | None) -> None:
    """All takes in ONE conditional update (and one journal insert), whatever the line count.

    Each row is updated only if it still has the units; fewer rows back than takes means
    someone took stock between plan and update, and the caller's transaction rolls back.
    """
    if not takes:
        return
    wanted: dict[int, int] = {}
    for take in takes:
        wanted[take.stock_id] = wanted.get(take.stock_id, 0) + take.quantity
    amount = case(wanted, value=Stock.id)
    rows = (await session.execute(
        update(Stock)
        .where(Stock.id.in_(sorted(wanted)), Stock.quantity - Stock.allocated >= amount)
        .values(allocated=Stock.allocated + amount)
        .returning(Stock.id, Stock.variant_id, Stock.warehouse_id, Stock.quantity,
                   Stock.allocated, _SKU))).all()
    if len(rows) != len(wanted):
        done = {row.id for row in rows}
        missing = next(t for t in takes if t.stock_id not in done)
        raise InsufficientStock([Shortage(missing.variant_id, missing.quantity, 0)])
    movements: list[dict[str, Any]] = [
        {"stock_id": row.id, "variant_id": row.variant_id, "sku": row.sku,
         "warehouse_id": row.warehouse_id, "reason": MovementReason.ALLOCATION,
         "allocated_delta": wanted[row.id],
         "quantity_after": row.quantity, "allocated_after": row.allocated,
         "actor_id": actor_id, "order_id": order_id}
        for row in sorted(rows, key=lambda r: r.id)]
    await record_many(session, movements)
    await _stock_events(session, "stock.allocated", movements)


async def release(session: AsyncSession, held: Mapping[int, int], *, order_id: int | None,
                  actor_id: int | None, reason: MovementReason = MovementReason.RELEASE) -> None:
    """Give back allocated units: ``held`` maps stock id -> units. One update, one insert."""
    giving = {stock_id: q for stock_id, q in held.items() if q > 0}
    if not giving:
        return
    amount = case(giving, value=Stock.id)
    rows = (await session.execute(
        update(Stock)
        .where(Stock.id.in_(sorted(giving)), Stock.allocated >= amount)
        .values(allocated=Stock.allocated - amount)
        .returning(Stock.id, Stock.variant_id, Stock.warehouse_id, Stock.quantity,
                   Stock.allocated, _SKU))).all()
    if len(rows) != len(giving):
        raise RuntimeError(f"stocks {sorted(set(giving) - {r.id for r in rows})} hold fewer "
                           "allocated units than the order says")
    movements: list[dict[str, Any]] = [
        {"stock_id": row.id, "variant_id": row.variant_id, "sku": row.sku,
         "warehouse_id": row.warehouse_id, "reason": reason, "allocated_delta": -giving[row.id],
         "quantity_after": row.quantity, "allocated_after": row.allocated,
         "actor_id": actor_id, "order_id": order_id}
        for row in sorted(rows, key=lambda r: r.id)]
    await record_many(session, movements)
    await _stock_events(session, "stock.released", movements)


async def _stock_events(session: AsyncSession, type: str,
                        movements: Sequence[Mapping[str, Any]]) -> None:
    """One outbox event per stock row changed (live availability, low-stock alerts), all in
    one statement; the payload is the journal row, with the reason as text."""
    await emit_many(session, [
        (type, "Stock", int(m["stock_id"]),
         {**m, "reason": str(m["reason"]), "quantity_delta": 0})
        for m in movements])
