"""Allocating and releasing stock for orders, inside the caller's write transaction.

Correctness does not rest on the plan: the takes are applied by one conditional statement
``UPDATE stocks SET allocated = allocated + <units per id> WHERE id IN (...) AND
quantity - allocated - <live reservations of other carts> >= <units per id>`` whose returned
rows are counted, and the CHECK constraint ``0 <= allocated <= quantity`` backs it. On
PostgreSQL the rows are first locked ``FOR UPDATE`` in stock id order, so two orders (or an
order and a cart reserving, see ``inventory.reservations``) wanting the same rows lock them
in the same order (no deadlock) and the plan and the guard are made from numbers nobody else
can change; on SQLite the write transaction holds the database write lock
(``BEGIN IMMEDIATE``) from its start. One statement for any number of lines keeps
checkout's cost flat in the cart's size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.models import ProductVariant, Stock, StockReservation
from commerce.events.outbox import emit_many
from commerce.inventory.allocation_plan import Shortage, StockOption, Take, plan_allocation
from commerce.inventory.availability import free_units, lock_stock_options
from commerce.inventory.journal import MovementReason, record_many
from commerce.shared.clock import utcnow


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


def plan_takes(demands: Sequence[Demand], options: Mapping[int, Sequence[StockOption]]
               ) -> list[Take]:
    """Takes covering every demand in full (backorders: what is free), or InsufficientStock."""
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
        available = list(options.get(variant_id, ()))
        capped = min(quantity, sum(max(o.available, 0) for o in available))
        if capped:
            partial = plan_allocation({variant_id: capped}, {variant_id: available})
            takes.extend(partial.takes)
    return takes


async def allocate(session: AsyncSession, demands: Sequence[Demand], *, order_id: int | None,
                   actor_id: int | None, cart_id: int | None = None,
                   now: datetime | None = None) -> list[Take]:
    """Allocate every demand in full (backorders: what exists) or raise InsufficientStock.

    Units reserved by carts other than ``cart_id`` (live at ``now``, default: the clock) are
    not available; the cart's own reservations are consumed (deleted) here, in the same
    transaction. Without ``cart_id`` every live reservation is respected.
    """
    now = now or utcnow()
    if not demands:
        if cart_id is not None:
            await _consume(session, cart_id)
        return []
    stock = await lock_stock_options(session, sorted({d.variant_id for d in demands}),
                                     now=now, cart_id=cart_id)
    takes = plan_takes(demands, stock.options)
    await apply_takes(session, takes, order_id=order_id, actor_id=actor_id, cart_id=cart_id,
                      now=now)
    if cart_id is not None and stock.cart_holds:
        await _consume(session, cart_id)
    return takes


async def _consume(session: AsyncSession, cart_id: int) -> None:
    await session.execute(delete(StockReservation).where(StockReservation.cart_id == cart_id))


async def apply_takes(session: AsyncSession, takes: Sequence[Take], *, order_id: int | None,
                      actor_id: int | None, cart_id: int | None = None,
                      now: datetime | None = None) -> None:
    """All takes in ONE conditional update (and one journal insert), whatever the line count.

    Each row is updated only if it still has the units free — on hand minus allocated minus
    live reservations of carts other than ``cart_id``; fewer rows back than takes means
    someone took or reserved stock between plan and update, and the caller's transaction
    rolls back.
    """
    if not takes:
        return
    wanted: dict[int, int] = {}
    for take in takes:
        wanted[take.stock_id] = wanted.get(take.stock_id, 0) + take.quantity
    amount = case(wanted, value=Stock.id)
    rows = (await session.execute(
        update(Stock)
        .where(Stock.id.in_(sorted(wanted)),
               free_units(now=now or utcnow(), excluding_cart=cart_id) >= amount)
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
