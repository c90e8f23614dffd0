"""Stock reservations: held while a card payment is in progress, respected by allocation,
lapsing by themselves, and never overselling under real concurrency.

The concurrency tests open their own transactions on the write engine on separate
connections (beside ``Database.transaction`` and its per-process SQLite lock), so on
PostgreSQL they really overlap; nothing they do before the code under test takes a lock, so
only the code's own ``FOR UPDATE`` can serialise them. Each winner holds its transaction
open a little after reserving, so without that lock the others would read before it commits
and oversell. On SQLite writers are serialised by ``BEGIN IMMEDIATE`` by design; the same
tests then check the sequential outcome.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TypeVar

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.checkout.service import complete_checkout
from commerce.db.database import Database
from commerce.db.models import Cart, Stock, StockReservation
from commerce.inventory.allocation import Demand, InsufficientStock, allocate, apply_takes
from commerce.inventory.allocation_plan import Shortage, Take
from commerce.inventory.reservations import release, reserve
from commerce.settings import Settings
from commerce.shared.clock import utcnow
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError
from tests.order_factories import journal_balances, make_cart, make_shop, make_variant, stock_of

pytestmark = pytest.mark.timeout(120)
T = TypeVar("T")
HOLD = timedelta(minutes=15)


async def _cart_id(db: Database, token: str) -> int:
    async with db.transaction() as s:
        return int((await s.execute(select(Cart.id).where(Cart.token == token))).scalar_one())


async def _reserve(db: Database, cart_id: int, demands: list[Demand], *,
                   now: datetime | None = None) -> list[Take]:
    now = now or utcnow()
    async with db.transaction() as s:
        return await reserve(s, cart_id, demands, now=now, expires_at=now + HOLD)


async def _held(db: Database, cart_id: int | None = None) -> dict[tuple[int, int], int]:
    """(cart id, variant id) -> units, over every reservation row (live or not)."""
    async with db.transaction() as s:
        statement = select(StockReservation.cart_id, StockReservation.variant_id,
                           func.sum(StockReservation.quantity)).group_by(
            StockReservation.cart_id, StockReservation.variant_id)
        if cart_id is not None:
            statement = statement.where(StockReservation.cart_id == cart_id)
        return {(c, v): int(q) for c, v, q in (await s.execute(statement)).all()}


async def _checkout(db: Database, token: str, settings: Settings) -> DomainError | int:
    try:
        return (await complete_checkout(db, token, settings=settings)).order_id
    except DomainError as exc:
        return exc


async def test_reserved_units_go_to_the_reserving_cart_only_and_are_consumed_by_its_order(
        db: Database, settings: Settings) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=5)
    mine = await make_cart(db, shop, {variant: 4}, email="mine@example.com")
    theirs = await make_cart(db, shop, {variant: 2}, email="theirs@example.com")
    mine_id = await _cart_id(db, mine)

    takes = await _reserve(db, mine_id, [Demand(variant, 4)])

    assert [t.quantity for t in takes] == [4]
    refused = await _checkout(db, theirs, settings)
    assert isinstance(refused, DomainError)
    assert refused.problems[0].code is ErrorCode.INSUFFICIENT_STOCK
    assert "only 1 of" in refused.problems[0].message
    assert await stock_of(db, variant) == (5, 0)

    placed = await _checkout(db, mine, settings)
    assert isinstance(placed, int)
    assert await stock_of(db, variant) == (5, 4)
    assert await _held(db) == {}  # consumed in the order's transaction
    assert await journal_balances(db)
    # One unit is left for the other cart once it asks for one.
    assert isinstance(await _checkout(db, await make_cart(db, shop, {variant: 1}), settings),
                      int)


async def test_checkout_of_a_cart_without_reservations_keeps_others_reservations(
        db: Database, settings: Settings) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=5)
    holder = await _cart_id(db, await make_cart(db, shop, {variant: 2}))
    await _reserve(db, holder, [Demand(variant, 2)])

    placed = await _checkout(db, await make_cart(db, shop, {variant: 3}), settings)

    assert isinstance(placed, int)
    assert await _held(db) == {(holder, variant): 2}
    assert await stock_of(db, variant) == (5, 3)


async def test_a_lapsed_reservation_frees_its_units_by_itself(
        db: Database, settings: Settings) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=3)
    holder = await _cart_id(db, await make_cart(db, shop, {variant: 3}))
    # Reserved an hour ago for 15 minutes: lapsed now, and nothing swept it.
    await _reserve(db, holder, [Demand(variant, 3)], now=utcnow() - timedelta(hours=1))
    assert await _held(db) == {(holder, variant): 3}

    placed = await _checkout(db, await make_cart(db, shop, {variant: 3}), settings)

    assert isinstance(placed, int)
    assert await stock_of(db, variant) == (3, 3)


async def test_availability_at_a_given_now_counts_only_live_reservations(db: Database) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=3)
    holder = await _cart_id(db, await make_cart(db, shop, {variant: 2}))
    now = utcnow()
    await _reserve(db, holder, [Demand(variant, 2)], now=now)

    async def allocate_at(moment: datetime) -> list[Take] | InsufficientStock:
        try:
            async with db.transaction() as s:
                return await allocate(s, [Demand(variant, 3)], order_id=None, actor_id=None,
                                      now=moment)
        except InsufficientStock as exc:
            return exc

    early = await allocate_at(now + HOLD - timedelta(seconds=1))
    assert isinstance(early, InsufficientStock)
    assert early.shortages == [Shortage(variant, 3, 1)]
    late = await allocate_at(now + HOLD)  # expires_at is the first instant it no longer holds
    assert isinstance(late, list) and sum(t.quantity for t in late) == 3


async def test_reserving_again_replaces_the_carts_reservations(db: Database) -> None:
    shop = await make_shop(db, warehouses=2)
    a = await make_variant(db, shop, stock=[2, 5])
    b = await make_variant(db, shop, stock=[4, 0])
    cart = await _cart_id(db, await make_cart(db, shop, {a: 3, b: 1}))

    await _reserve(db, cart, [Demand(a, 3), Demand(b, 1)])
    assert await _held(db, cart) == {(cart, a): 3, (cart, b): 1}

    await _reserve(db, cart, [Demand(a, 6)])  # more of a, b removed from the cart
    assert await _held(db, cart) == {(cart, a): 6}

    await _reserve(db, cart, [Demand(a, 1)])
    assert await _held(db, cart) == {(cart, a): 1}

    async with db.transaction() as s:
        await release(s, cart)
    assert await _held(db) == {}


async def test_a_cart_can_re_reserve_its_own_units_when_nothing_else_is_left(
        db: Database) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=2)
    cart = await _cart_id(db, await make_cart(db, shop, {variant: 2}))
    await _reserve(db, cart, [Demand(variant, 2)])
    await _reserve(db, cart, [Demand(variant, 2)])  # its own hold does not count against it
    assert await _held(db, cart) == {(cart, variant): 2}


async def test_a_short_reservation_raises_with_the_shortage_and_keeps_the_old_one(
        db: Database) -> None:
    shop = await make_shop(db)
    plenty = await make_variant(db, shop, stock=10)
    scarce = await make_variant(db, shop, stock=3)
    other = await _cart_id(db, await make_cart(db, shop, {scarce: 2}))
    cart = await _cart_id(db, await make_cart(db, shop, {plenty: 1, scarce: 2}))
    await _reserve(db, other, [Demand(scarce, 2)])
    await _reserve(db, cart, [Demand(plenty, 1)])

    with pytest.raises(InsufficientStock) as raised:
        await _reserve(db, cart, [Demand(plenty, 4), Demand(scarce, 2)])

    assert raised.value.shortages == [Shortage(scarce, 2, 1)]
    assert await _held(db, cart) == {(cart, plenty): 1}


async def test_backorder_demands_reserve_what_is_free_and_never_fail(db: Database) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=3, backorder=True)
    other = await _cart_id(db, await make_cart(db, shop, {variant: 1}))
    cart = await _cart_id(db, await make_cart(db, shop, {variant: 5}))
    await _reserve(db, other, [Demand(variant, 1)])

    takes = await _reserve(db, cart, [Demand(variant, 5, backorder=True)])

    assert sum(t.quantity for t in takes) == 2
    assert await _held(db, cart) == {(cart, variant): 2}
    await _reserve(db, other, [Demand(variant, 3, backorder=True)])  # nothing free: no fail
    assert await _held(db, other) == {(other, variant): 1}


async def test_reserving_takes_a_constant_number_of_statements(
        db: Database, count_statements: Callable[[], object]) -> None:
    shop = await make_shop(db, warehouses=2)
    counts = []
    for size in (1, 8):
        variants = [await make_variant(db, shop, stock=[1, 5]) for _ in range(size)]
        cart = await _cart_id(db, await make_cart(db, shop, dict.fromkeys(variants, 2)))
        now = utcnow()
        with count_statements() as counter:  # type: ignore[attr-defined]
            async with db.transaction() as s:
                await reserve(s, cart, [Demand(v, 2) for v in variants], now=now,
                              expires_at=now + HOLD)
        counts.append(counter.count)
    assert counts[0] == counts[1]
    assert counts[0] <= (5 if db.dialect == "postgresql" else 4)  # + the commit


async def test_the_update_guard_subtracts_other_carts_live_reservations(db: Database) -> None:
    """Takes planned while ignoring a reservation (a stale plan) are refused by the
    conditional UPDATE itself, not only by the plan; the holder's own takes pass."""
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=5)
    holder = await _cart_id(db, await make_cart(db, shop, {variant: 4}))
    await _reserve(db, holder, [Demand(variant, 4)])
    async with db.transaction() as s:
        stock = (await s.execute(select(Stock).where(Stock.variant_id == variant))).scalar_one()
    take = Take(stock.id, variant, stock.warehouse_id, 3)

    for cart_id in (None, await _cart_id(db, await make_cart(db, shop, {variant: 3}))):
        with pytest.raises(InsufficientStock):
            async with db.transaction() as s:
                await apply_takes(s, [take], order_id=None, actor_id=None, cart_id=cart_id)
    assert await stock_of(db, variant) == (5, 0)

    async with db.transaction() as s:
        await apply_takes(s, [take], order_id=None, actor_id=None, cart_id=holder)
    assert await stock_of(db, variant) == (5, 3)


async def _together(db: Database, works: list[Callable[[AsyncSession], Awaitable[T]]]
                    ) -> list[T | InsufficientStock]:
    """Each work in its own transaction on its own connection. On PostgreSQL they start at
    once (a barrier after a lock-free first statement) and each holds its transaction 0.2 s
    after working, so only a lock taken by the work itself can keep them from overlapping."""
    barrier = asyncio.Barrier(len(works)) if db.dialect == "postgresql" else None

    async def one(work: Callable[[AsyncSession], Awaitable[T]]) -> T | InsufficientStock:
        async with AsyncSession(db.write_engine, expire_on_commit=False) as session:
            try:
                async with session.begin():
                    await session.execute(text("SELECT 1"))
                    if barrier is not None:
                        await barrier.wait()
                    result = await work(session)
                    if barrier is not None:
                        await asyncio.sleep(0.2)
                    return result
            except InsufficientStock as exc:
                return exc

    return await asyncio.wait_for(asyncio.gather(*(one(w) for w in works)), timeout=90)


async def _live_reserved(db: Database, variant_id: int) -> int:
    async with db.transaction() as s:
        return int((await s.execute(select(func.coalesce(func.sum(StockReservation.quantity), 0))
                                    .where(StockReservation.variant_id == variant_id,
                                           StockReservation.expires_at > utcnow()))
                    ).scalar_one())


CARTS = 10


async def test_carts_reserving_the_last_units_at_once_get_exactly_the_stock(
        db: Database) -> None:
    shop = await make_shop(db, warehouses=2)
    variant = await make_variant(db, shop, stock=[2, 1])
    carts = [await _cart_id(db, await make_cart(db, shop, {variant: 1}, email=f"c{i}@x.com"))
             for i in range(CARTS)]

    def reserver(cart_id: int) -> Callable[[AsyncSession], Awaitable[list[Take]]]:
        async def work(session: AsyncSession) -> list[Take]:
            now = utcnow()
            return await reserve(session, cart_id, [Demand(variant, 1)], now=now,
                                 expires_at=now + HOLD)
        return work

    results = await _together(db, [reserver(c) for c in carts])

    assert sum(isinstance(r, list) for r in results) == 3
    assert sum(isinstance(r, InsufficientStock) for r in results) == CARTS - 3
    assert await _live_reserved(db, variant) == 3


async def test_reservers_racing_allocators_never_oversell(db: Database) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=4)
    carts = [await _cart_id(db, await make_cart(db, shop, {variant: 1}, email=f"r{i}@x.com"))
             for i in range(CARTS // 2)]

    def reserver(cart_id: int) -> Callable[[AsyncSession], Awaitable[str]]:
        async def work(session: AsyncSession) -> str:
            now = utcnow()
            await reserve(session, cart_id, [Demand(variant, 1)], now=now,
                          expires_at=now + HOLD)
            return "reserved"
        return work

    async def allocator(session: AsyncSession) -> str:
        await allocate(session, [Demand(variant, 1)], order_id=None, actor_id=None)
        return "allocated"

    works: list[Callable[[AsyncSession], Awaitable[str]]] = []
    for cart_id in carts:
        works += [reserver(cart_id), allocator]
    results = await _together(db, works)

    won = [r for r in results if isinstance(r, str)]
    assert len(won) == 4, results
    _, allocated = await stock_of(db, variant)
    assert allocated == won.count("allocated")
    assert await _live_reserved(db, variant) == won.count("reserved")
