"""Checkout under real concurrency: no oversell, no deadlock, one order per cart."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from commerce.checkout.service import PlacedOrder, complete_checkout
from commerce.db.database import Database
from commerce.db.models import Order
from commerce.settings import Settings
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError
from tests.order_factories import (
    journal_balances,
    make_cart,
    make_shop,
    make_variant,
    open_order_units,
    stock_of,
)

pytestmark = pytest.mark.timeout(180)


async def _attempt(db: Database, token: str, settings: Settings) -> PlacedOrder | DomainError:
    try:
        return await complete_checkout(db, token, settings=settings)
    except DomainError as exc:
        return exc


async def _order_count(db: Database) -> int:
    async with db.transaction() as s:
        return int((await s.execute(select(func.count()).select_from(Order))).scalar_one())


async def test_200_concurrent_checkouts_for_50_units_sell_exactly_50(
        db: Database, settings: Settings) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=50)
    tokens = [await make_cart(db, shop, {variant: 1}, email=f"c{i}@example.com")
              for i in range(200)]

    results = await asyncio.gather(*(_attempt(db, t, settings) for t in tokens))

    placed = [r for r in results if isinstance(r, PlacedOrder)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(placed) == 50 and len(refused) == 150
    assert all(r.problems[0].code is ErrorCode.INSUFFICIENT_STOCK for r in refused)
    assert "only 0" in refused[0].problems[0].message
    on_hand, allocated = await stock_of(db, variant)
    assert (on_hand, allocated) == (50, 50)
    assert await open_order_units(db, variant) == allocated
    assert await _order_count(db) == 50
    assert await journal_balances(db)


async def test_carts_holding_the_same_variants_in_opposite_orders_do_not_deadlock(
        db: Database, settings: Settings) -> None:
    shop = await make_shop(db, warehouses=2)
    a = await make_variant(db, shop, stock=[10, 10])
    b = await make_variant(db, shop, stock=[10, 10])
    # Lines are inserted in opposite orders; 30 carts want 2 of each: 20 units of each exist.
    tokens = []
    for i in range(30):
        lines = {a: 2, b: 2} if i % 2 else {b: 2, a: 2}
        tokens.append(await make_cart(db, shop, lines, email=f"x{i}@example.com"))

    results = await asyncio.wait_for(
        asyncio.gather(*(_attempt(db, t, settings) for t in tokens)), timeout=120)

    placed = [r for r in results if isinstance(r, PlacedOrder)]
    assert len(placed) == 10
    for variant in (a, b):
        assert await stock_of(db, variant) == (20, 20)
        assert await open_order_units(db, variant) == 20
    assert await journal_balances(db)


async def test_one_cart_completed_ten_times_at_once_makes_one_order(
        db: Database, settings: Settings) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=5)
    token = await make_cart(db, shop, {variant: 2})

    results = await asyncio.gather(*(_attempt(db, token, settings) for _ in range(10)))

    assert all(isinstance(r, PlacedOrder) for r in results)
    orders = {r.order_id for r in results if isinstance(r, PlacedOrder)}
    assert len(orders) == 1
    assert sum(1 for r in results if isinstance(r, PlacedOrder) and r.created) == 1
    assert await stock_of(db, variant) == (5, 2)
    assert await _order_count(db) == 1


async def test_completing_again_later_returns_the_same_order(
        db: Database, settings: Settings) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=5)
    token = await make_cart(db, shop, {variant: 1})
    first = await complete_checkout(db, token, settings=settings)
    again = await complete_checkout(db, token, settings=settings)
    assert (again.order_id, again.token, again.created) == (first.order_id, first.token, False)


async def test_a_partial_shortage_allocates_nothing(db: Database, settings: Settings) -> None:
    shop = await make_shop(db)
    plenty = await make_variant(db, shop, stock=10)
    scarce = await make_variant(db, shop, stock=1)
    token = await make_cart(db, shop, {plenty: 3, scarce: 2})
    with pytest.raises(DomainError) as raised:
        await complete_checkout(db, token, settings=settings)
    problem = raised.value.problems[0]
    assert problem.code is ErrorCode.INSUFFICIENT_STOCK and problem.field == ("lines", "1")
    assert await stock_of(db, plenty) == (10, 0)
    assert await _order_count(db) == 0


async def test_canceling_returns_exactly_the_allocated_stock(
        db: Database, settings: Settings) -> None:
    from commerce.orders.service import cancel_order

    shop = await make_shop(db, warehouses=2)
    variant = await make_variant(db, shop, stock=[2, 5])  # 4 units split over two warehouses
    orders = [await complete_checkout(db, await make_cart(db, shop, {variant: 4}),
                                      settings=settings) for _ in range(1)]
    other = await complete_checkout(db, await make_cart(db, shop, {variant: 3}),
                                    settings=settings)
    assert await stock_of(db, variant) == (7, 7)

    await cancel_order(db, orders[0].order_id, actor_id=None)

    assert await stock_of(db, variant) == (7, 3)
    assert await open_order_units(db, variant) == 3
    assert await journal_balances(db)
    with pytest.raises(DomainError) as again:
        await cancel_order(db, orders[0].order_id, actor_id=None)
    assert again.value.problems[0].code is ErrorCode.INVALID_STATE
    assert other.created


async def test_concurrent_cancels_release_once(db: Database, settings: Settings) -> None:
    from commerce.orders.service import cancel_order

    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=5)
    placed = await complete_checkout(db, await make_cart(db, shop, {variant: 2}),
                                     settings=settings)

    async def cancel() -> bool:
        try:
            await cancel_order(db, placed.order_id, actor_id=None)
            return True
        except DomainError:
            return False

    outcomes = await asyncio.gather(*(cancel() for _ in range(5)))
    assert outcomes.count(True) == 1
    assert await stock_of(db, variant) == (5, 0)
    assert await journal_balances(db)
