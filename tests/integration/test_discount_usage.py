"""A canceled order gives its discount-code use back, once, even under concurrent cancels."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from commerce.checkout.service import complete_checkout
from commerce.db.database import Database
from commerce.db.models import DiscountCode, DiscountUsage
from commerce.orders.service import cancel_order
from commerce.settings import Settings
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError
from tests.order_factories import make_cart, make_shop, make_variant


async def _code(db: Database, **terms: int) -> int:
    async with db.transaction() as s:
        code = DiscountCode(code="ONCE", kind="PERCENTAGE", value=1000, **terms)
        s.add(code)
        await s.flush()
        return code.id


async def _uses(db: Database, discount_id: int) -> tuple[int, int]:
    """(the code's times_used, its usage rows)."""
    async with db.transaction() as s:
        times = (await s.execute(select(DiscountCode.times_used).where(
            DiscountCode.id == discount_id))).scalar_one()
        rows = (await s.execute(select(func.count()).select_from(DiscountUsage).where(
            DiscountUsage.discount_id == discount_id))).scalar_one()
    return int(times), int(rows)


async def test_canceling_an_order_gives_its_code_use_back_in_total_and_per_customer(
        db: Database, settings: Settings) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=10)
    discount_id = await _code(db, usage_limit=1, usage_limit_per_customer=1)
    placed = await complete_checkout(db, await make_cart(
        db, shop, {variant: 1}, email="ann@example.com", discount_code="ONCE"),
        settings=settings)
    assert await _uses(db, discount_id) == (1, 1)
    with pytest.raises(DomainError) as used_up:
        await complete_checkout(db, await make_cart(
            db, shop, {variant: 1}, email="bob@example.com", discount_code="ONCE"),
            settings=settings)
    assert used_up.value.problems[0].code is ErrorCode.DISCOUNT_CODE_USED_UP

    await cancel_order(db, placed.order_id, actor_id=None)

    assert await _uses(db, discount_id) == (0, 0)
    # The same customer (limit one per customer) may use the code again.
    again = await complete_checkout(db, await make_cart(
        db, shop, {variant: 1}, email="ann@example.com", discount_code="ONCE"),
        settings=settings)
    assert again.created and await _uses(db, discount_id) == (1, 1)


async def test_concurrent_cancels_give_the_use_back_once(
        db: Database, settings: Settings) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=10)
    discount_id = await _code(db)
    first, _second = [await complete_checkout(db, await make_cart(
        db, shop, {variant: 1}, email=f"c{i}@example.com", discount_code="ONCE"),
        settings=settings) for i in range(2)]
    assert await _uses(db, discount_id) == (2, 2)

    async def cancel() -> bool:
        try:
            await cancel_order(db, first.order_id, actor_id=None)
            return True
        except DomainError:
            return False

    outcomes = await asyncio.gather(*(cancel() for _ in range(6)))

    assert outcomes.count(True) == 1
    assert await _uses(db, discount_id) == (1, 1)
