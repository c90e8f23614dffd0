"""Stock held for a cart while its card payment is in progress.

A reservation is a row with ``expires_at``; it never touches ``stocks.allocated``. Every
availability read and guard subtracts only live ones (``inventory.availability``), so a
lapsed reservation frees its units by itself and nothing must sweep for correctness.

Concurrency: on PostgreSQL ``reserve`` (like ``allocation.allocate``) first locks the stock
rows ``FOR UPDATE`` in stock id order, and only then, in a *later* statement, reads the live
reservations: under READ COMMITTED a statement sees what was committed when it began, so a
read made in the locking statement itself would miss reservations committed by the holder
it waited for. Reservers and allocators take the same rows in the same order, so they queue
instead of deadlocking. On SQLite the write transaction (``BEGIN IMMEDIATE``) serialises.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, insert, or_
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.models import StockReservation
from commerce.inventory.allocation import Demand, plan_takes
from commerce.inventory.allocation_plan import Take
from commerce.inventory.availability import lock_stock_options, reserved_units

__all__ = ["release", "reserve", "reserved_units"]


async def reserve(session: AsyncSession, cart_id: int, demands: Sequence[Demand], *,
                  now: datetime, expires_at: datetime, actor_id: int | None = None
                  ) -> list[Take]:
    """Replace the cart's reservations with ones covering ``demands`` until ``expires_at``.

    Backordered demands reserve what is free and never fail. Free means on hand - allocated -
    live reservations of other carts. Raises ``allocation.InsufficientStock`` before writing
    anything (the caller's transaction rolls back). At most four statements on PostgreSQL,
    three on SQLite, whatever the number of lines. ``actor_id`` is accepted for symmetry
    with ``allocate``; reservations move no stock, so nothing is journaled.
    """
    del actor_id
    if expires_at <= now:
        raise ValueError("a reservation must expire after now")
    takes: list[Take] = []
    locked: list[int] = []
    if demands:
        stock = await lock_stock_options(session, sorted({d.variant_id for d in demands}),
                                         now=now, cart_id=cart_id)
        locked = sorted(o.stock_id for found in stock.options.values() for o in found)
        takes = plan_takes(demands, stock.options)
    # Replace the cart's rows; lapsed rows of other carts on the rows we hold locked go too
    # (housekeeping only: they already count for nothing).
    await session.execute(delete(StockReservation).where(or_(
        StockReservation.cart_id == cart_id,
        StockReservation.stock_id.in_(locked) & (StockReservation.expires_at <= now))))
    wanted: dict[tuple[int, int], int] = {}
    for take in takes:
        key = (take.stock_id, take.variant_id)
        wanted[key] = wanted.get(key, 0) + take.quantity
    if wanted:
        await session.execute(insert(StockReservation), [
            {"cart_id": cart_id, "stock_id": stock_id, "variant_id": variant_id,
             "quantity": quantity, "expires_at": expires_at, "created_at": now}
            for (stock_id, variant_id), quantity in sorted(wanted.items())])
    return takes


async def release(session: AsyncSession, cart_id: int) -> None:
    """Drop the cart's reservations (payment abandoned or failed). One statement; freeing
    units needs no lock."""
    await session.execute(delete(StockReservation).where(StockReservation.cart_id == cart_id))
