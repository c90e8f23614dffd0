"""``allocate`` and its guards under real concurrency, and the CHECK constraint behind them.

These tests open their own transactions on the write engine, beside ``Database.transaction``
and its per-process SQLite lock, so on PostgreSQL the transactions really run at once. On
SQLite every write transaction holds the database write lock from ``BEGIN IMMEDIATE`` on, so
writers are serialized by design there: the same tests then prove that a *sequential*
over-allocation is refused by the guard (the conditional ``WHERE``), which is what that guard
does on SQLite.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.checkout.service import PlacedOrder, complete_checkout
from commerce.db.database import Database
from commerce.db.models import Stock
from commerce.inventory.allocation import Demand, InsufficientStock, allocate, apply_takes
from commerce.inventory.allocation_plan import Take
from commerce.settings import Settings
from tests.order_factories import make_cart, make_shop, make_variant, stock_of

T = TypeVar("T")
TRANSACTIONS = 12


async def _together(db: Database, count: int, work: Callable[[AsyncSession], Awaitable[T]],
                    before: Callable[[AsyncSession], Awaitable[object]] | None = None
                    ) -> list[T | Exception]:
    """Run ``before`` then ``work`` in ``count`` transactions on separate connections. On
    PostgreSQL every transaction has run ``before`` before any of them works, so they overlap.
    """
    barrier = asyncio.Barrier(count) if db.dialect == "postgresql" else None

    async def one() -> T | Exception:
        async with AsyncSession(db.write_engine, expire_on_commit=False) as session:
            try:
                async with session.begin():
                    await session.execute(text("SELECT 1"))
                    if before is not None:
                        await before(session)
                    if barrier is not None:
                        await barrier.wait()
                    return await work(session)
            except (InsufficientStock, IntegrityError) as exc:
                return exc

    return await asyncio.wait_for(asyncio.gather(*(one() for _ in range(count))), timeout=60)


async def _stock_row(db: Database, variant_id: int) -> Stock:
    async with db.transaction() as s:
        return (await s.execute(select(Stock).where(Stock.variant_id == variant_id))).scalar_one()


async def test_concurrent_transactions_allocating_one_unit_each_take_exactly_the_stock(
        db: Database) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=5)

    async def take_one(session: AsyncSession) -> list[Take]:
        return await allocate(session, [Demand(variant, 1)], order_id=None, actor_id=None)

    results = await _together(db, TRANSACTIONS, take_one)

    assert [type(r).__name__ for r in results].count("list") == 5
    assert all(isinstance(r, list | InsufficientStock) for r in results), results
    assert await stock_of(db, variant) == (5, 5)


async def test_takes_planned_from_a_stale_read_are_refused_by_the_conditional_update(
        db: Database) -> None:
    """Every transaction plans from the same unlocked read (5 available) and wants 3: the
    guard ``WHERE quantity - allocated >= 3`` lets one through and refuses the rest as
    InsufficientStock. Without the guard the CHECK constraint would have to stop them
    (an IntegrityError, not a clean refusal) — and without both, stock would be oversold."""
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=5)
    row = await _stock_row(db, variant)

    async def plan(session: AsyncSession) -> None:
        available = (await session.execute(select(Stock.quantity - Stock.allocated).where(
            Stock.id == row.id))).scalar_one()
        assert available == 5 or db.dialect == "sqlite"

    async def take_three(session: AsyncSession) -> str:
        await apply_takes(session, [Take(row.id, variant, row.warehouse_id, 3)],
                          order_id=None, actor_id=None)
        return "taken"

    results = await _together(db, TRANSACTIONS, take_three, before=plan)

    assert results.count("taken") == 1
    refused = [r for r in results if r != "taken"]
    assert all(isinstance(r, InsufficientStock) for r in refused), refused
    assert await stock_of(db, variant) == (5, 3)


@pytest.mark.parametrize("values", [
    {"allocated": 6},  # more than on hand
    {"allocated": -1},
    {"quantity": -1},
    {"quantity": 1},  # on hand below what is allocated
], ids=["allocated-above-on-hand", "allocated-negative", "on-hand-negative",
        "on-hand-below-allocated"])
async def test_the_check_constraint_refuses_a_raw_update_that_bypasses_the_service(
        db: Database, values: dict[str, int]) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=5)
    async with db.transaction() as s:
        await s.execute(update(Stock).where(Stock.variant_id == variant).values(allocated=2))

    with pytest.raises(IntegrityError) as refused:
        async with db.transaction() as s:
            await s.execute(update(Stock).where(Stock.variant_id == variant).values(**values))

    assert "check" in str(refused.value.orig).lower()
    assert await stock_of(db, variant) == (5, 2)


async def _lock_waiters(db: Database) -> int:
    async with db.read_engine.connect() as conn:
        return int((await conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"))).scalar_one())


async def test_checkouts_of_different_variants_do_not_wait_for_each_other(
        db: Database, settings: Settings) -> None:
    """A checkout stuck on one variant's stock row (here: locked by another transaction)
    must not hold up a checkout of another variant — no lock they share is taken first."""
    if db.dialect != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time by design")
    shop = await make_shop(db)
    busy, free = (await make_variant(db, shop, stock=5), await make_variant(db, shop, stock=5))
    busy_cart = await make_cart(db, shop, {busy: 1}, email="a@example.com")
    free_cart = await make_cart(db, shop, {free: 1}, email="b@example.com")
    await complete_checkout(db, await make_cart(db, shop, {free: 1}), settings=settings)

    async with db.write_engine.connect() as holder:
        await holder.execute(select(Stock.id).where(Stock.variant_id == busy).with_for_update())
        stuck = asyncio.create_task(complete_checkout(db, busy_cart, settings=settings))
        deadline = time.monotonic() + 10
        while await _lock_waiters(db) == 0:
            assert time.monotonic() < deadline and not stuck.done()
            await asyncio.sleep(0.01)

        other = await asyncio.wait_for(
            complete_checkout(db, free_cart, settings=settings), timeout=10)

        assert other.created and not stuck.done()
        await holder.rollback()
    placed: PlacedOrder = await asyncio.wait_for(stuck, timeout=10)
    assert placed.created
    assert await stock_of(db, busy) == (5, 1)
