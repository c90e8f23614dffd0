"""Allocating and releasing stock for orders, inside the caller's write transaction.

Correctness does not rest on the plan: every take is one conditional statement
``UPDATE stocks SET allocated = allocated + :q WHERE id = :id AND quantity - allocated >= :q``
whose row count is checked, applied in ascending stock id so two orders wanting the same
rows lock them in the same order and cannot deadlock; the CHECK constraint
``0 <= allocated <= quantity`` backs it. On PostgreSQL the rows are also read ``FOR UPDATE``
(in stock id order) so the plan is made from numbers nobody else can change; on SQLite the
write transaction holds the database write lock (``BEGIN IMMEDIATE``) from its start.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.models import Stock, Warehouse
from commerce.inventory.allocation_plan import Shortage, StockOption, Take, plan_allocation
from commerce.inventory.journal import MovementReason, record


class InsufficientStock(Exception):
    def __init__(self, shortages: Sequence[Shortage]) -> None:
        super().__init__(", ".join(f"variant {s.variant_id}: {s.available} of {s.requested}"
                                   for s in shortages))
        self.shortages = list(shortages)


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
    for take in sorted(takes, key=lambda t: t.stock_id):
        result = await session.execute(
            update(Stock)
            .where(Stock.id == take.stock_id, Stock.quantity - Stock.allocated >= take.quantity)
            .values(allocated=Stock.allocated + take.quantity)
            .returning(Stock.quantity, Stock.allocated))
        row = result.first()
        if row is None:  # someone took it between plan and update: refuse, never oversell
            raise InsufficientStock([Shortage(take.variant_id, take.quantity, 0)])
        await record(session, stock_id=take.stock_id, variant_id=take.variant_id,
                     warehouse_id=take.warehouse_id, reason=MovementReason.ALLOCATION,
                     allocated_delta=take.quantity, quantity_after=row.quantity,
                     allocated_after=row.allocated, actor_id=actor_id, order_id=order_id)


async def release(session: AsyncSession, held: Mapping[int, int], *, order_id: int | None,
                  actor_id: int | None, reason: MovementReason = MovementReason.RELEASE) -> None:
    """Give back allocated units: ``held`` maps stock id -> units (in stock id order)."""
    for stock_id in sorted(held):
        quantity = held[stock_id]
        if quantity <= 0:
            continue
        result = await session.execute(
            update(Stock)
            .where(Stock.id == stock_id, Stock.allocated >= quantity)
            .values(allocated=Stock.allocated - quantity)
            .returning(Stock.variant_id, Stock.warehouse_id, Stock.quantity, Stock.allocated))
        row = result.first()
        if row is None:
            raise RuntimeError(f"stock {stock_id} holds fewer than {quantity} allocated units")
        await record(session, stock_id=stock_id, variant_id=row.variant_id,
                     warehouse_id=row.warehouse_id, reason=reason, allocated_delta=-quantity,
                     quantity_after=row.quantity, allocated_after=row.allocated,
                     actor_id=actor_id, order_id=order_id)
