"""A new shipping address re-taxes an unpaid order; a paid one keeps its rate and zone."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pytest
from sqlalchemy import select, update

from commerce.checkout.service import complete_checkout
from commerce.db.database import Database
from commerce.db.models import Cart, Order, OrderEvent, OrderLine, OutboxEvent, TaxRate
from commerce.orders.address_change import update_addresses
from commerce.orders.service import mark_as_paid
from commerce.settings import Settings
from commerce.shared.addresses import AddressData, clean_address
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, Problems
from tests.cart_factories import add_code
from tests.order_factories import Shop, make_cart, make_shop, make_variant


def address(**fields: str) -> dict[str, Any]:
    """Cleaned the way the API cleans it before calling the use case."""
    problems = Problems()
    data = clean_address(AddressData(**{"first_name": "Ann", "last_name": "Lee",
                                        "street_address_1": "1 Main St", **fields}), problems)
    assert not problems, problems.items
    return asdict(data)


ILLINOIS = address(city="Springfield", country_code="US", country_area="IL",
                   postal_code="62701")  # no regional rate: the US rate, 0 %
OREGON = address(city="Portland", country_code="US", country_area="Oregon",
                 postal_code="97201")  # no regional rate either
CALIFORNIA = address(city="San Francisco", country_code="US", country_area="California",
                     postal_code="94102")  # 7.25 %, shipping not taxed
LOS_ANGELES = address(city="Los Angeles", country_code="US", country_area="CA",
                      postal_code="90012")
TORONTO = address(city="Toronto", country_code="CA", country_area="ON",
                  postal_code="M5H 2N2")  # the US-only method does not deliver there


@pytest.fixture
async def shop(db: Database) -> Shop:
    shop = await make_shop(db)  # one method, "Standard", 5.00, US only
    async with db.transaction() as s:
        s.add_all([TaxRate(country_code="US", country_area="", rate_bp=0),
                   TaxRate(country_code="US", country_area="CA", rate_bp=725,
                           applies_to_shipping=False),
                   TaxRate(country_code="CA", country_area="", rate_bp=500)])
    return shop


async def place(db: Database, settings: Settings, shop: Shop, to: dict[str, Any], *,
                code: str | None = None) -> int:
    a = await make_variant(db, shop, price=1000)
    b = await make_variant(db, shop, price=333)
    token = await make_cart(db, shop, {a: 1, b: 2}, discount_code=code)
    async with db.transaction() as s:
        await s.execute(update(Cart).where(Cart.token == token).values(
            shipping_address=to, billing_address=to))
    return (await complete_checkout(db, token, settings=settings)).order_id


async def order_state(db: Database, order_id: int) -> tuple[Order, list[OrderLine]]:
    async with db.transaction() as s:
        order = (await s.execute(select(Order).where(Order.id == order_id))).scalar_one()
        lines = list((await s.execute(select(OrderLine).where(OrderLine.order_id == order_id)
                                      .order_by(OrderLine.id))).scalars())
    return order, lines


async def history(db: Database, order_id: int) -> list[OrderEvent]:
    async with db.transaction() as s:
        return list((await s.execute(select(OrderEvent).where(OrderEvent.order_id == order_id)
                                     .order_by(OrderEvent.id))).scalars())


def assert_adds_up(order: Order, lines: list[OrderLine]) -> None:
    assert sum(line.tax for line in lines) + order.shipping_tax == order.tax
    assert sum(line.discount for line in lines) == order.discount
    for line in lines:
        assert line.total == line.subtotal - line.discount + line.tax
    assert order.total == order.subtotal - order.discount + order.shipping + order.tax


async def test_an_unpaid_order_sent_to_another_state_is_re_taxed_and_says_so(
        db: Database, settings: Settings, shop: Shop) -> None:
    order_id = await place(db, settings, shop, ILLINOIS)
    before, _ = await order_state(db, order_id)
    assert (before.tax, before.total) == (0, 1666 + 500)

    await update_addresses(db, order_id, actor_id=None, shipping_address=CALIFORNIA,
                           billing_address=None)

    order, lines = await order_state(db, order_id)
    assert order.shipping_address == CALIFORNIA
    assert order.tax_rate_bp == 725
    assert order.tax == 121  # 7.25 % of 16.66, rounded once; shipping is not taxed here
    assert [line.tax for line in lines] == [73, 48]  # largest remainder, like checkout
    assert (order.shipping, order.shipping_tax, order.total) == (500, 0, 1666 + 500 + 121)
    assert_adds_up(order, lines)
    event = (await history(db, order_id))[-1]
    assert event.type == "ADDRESS_UPDATED"
    assert event.message == ("shipping address updated; totals recomputed: tax rate 0 % → "
                             "7.25 %, tax 0.00 → 1.21, total 21.66 → 22.87 USD")
    assert event.data["old_totals"]["total"] == 2166
    assert event.data["new_totals"]["total"] == 2287
    async with db.transaction() as s:
        outbox = (await s.execute(select(OutboxEvent).where(
            OutboxEvent.type == "order.addresses_updated"))).scalar_one()
    assert outbox.payload["totals"]["tax"] == 121
    assert outbox.payload["old_totals"]["tax"] == 0
    assert [line["tax"] for line in outbox.payload["lines"]] == [73, 48]


async def test_re_taxing_keeps_the_lines_discounts(db: Database, settings: Settings,
                                                   shop: Shop) -> None:
    await add_code(db, "TEN", value=1000)  # 10 %
    order_id = await place(db, settings, shop, CALIFORNIA, code="TEN")
    before, before_lines = await order_state(db, order_id)

    await update_addresses(db, order_id, actor_id=None, shipping_address=OREGON,
                           billing_address=None)

    order, lines = await order_state(db, order_id)
    assert [line.discount for line in lines] == [line.discount for line in before_lines]
    assert order.discount == before.discount == 167
    assert (before.tax, order.tax, order.tax_rate_bp) == (109, 0, 0)
    assert_adds_up(order, lines)


async def test_an_unpaid_order_cannot_go_where_its_method_does_not_deliver(
        db: Database, settings: Settings, shop: Shop) -> None:
    order_id = await place(db, settings, shop, ILLINOIS)

    with pytest.raises(DomainError) as caught:
        await update_addresses(db, order_id, actor_id=None, shipping_address=TORONTO,
                               billing_address=None)

    assert [(p.code, p.field) for p in caught.value.problems] == [
        (ErrorCode.SHIPPING_METHOD_NOT_AVAILABLE, ("shippingAddress", "countryCode"))]
    assert (await order_state(db, order_id))[0].shipping_address == ILLINOIS


@pytest.mark.parametrize(("to", "field", "reason"), [
    (CALIFORNIA, "countryArea", "taxed differently (tax rate 0 % → 7.25 %"),
    (TORONTO, "countryCode", "does not deliver to Canada"),
])
async def test_a_paid_order_refuses_another_tax_rate_or_zone(
        db: Database, settings: Settings, shop: Shop, to: dict[str, Any], field: str,
        reason: str) -> None:
    order_id = await place(db, settings, shop, ILLINOIS)
    await mark_as_paid(db, order_id, actor_id=None)

    with pytest.raises(DomainError) as caught:
        await update_addresses(db, order_id, actor_id=None, shipping_address=to,
                               billing_address=None)

    [problem] = caught.value.problems
    assert (problem.code, problem.field) == (ErrorCode.INVALID_STATE, ("shippingAddress", field))
    assert "has been paid" in problem.message and reason in problem.message
    order, _ = await order_state(db, order_id)
    assert order.shipping_address == ILLINOIS and (order.tax, order.total) == (0, 2166)
    assert [e.type for e in await history(db, order_id)] == ["PLACED", "MARKED_AS_PAID"]


@pytest.mark.parametrize(("start", "to"), [(ILLINOIS, OREGON), (CALIFORNIA, LOS_ANGELES)])
async def test_a_paid_order_may_move_within_its_rate_and_zone(
        db: Database, settings: Settings, shop: Shop, start: dict[str, Any],
        to: dict[str, Any]) -> None:
    order_id = await place(db, settings, shop, start)
    await mark_as_paid(db, order_id, actor_id=None)
    before, _ = await order_state(db, order_id)

    await update_addresses(db, order_id, actor_id=None, shipping_address=to,
                           billing_address=None)

    order, lines = await order_state(db, order_id)
    assert order.shipping_address == to
    assert (order.tax, order.total, order.amount_paid) == (before.tax, before.total,
                                                           before.total)
    assert_adds_up(order, lines)
    assert (await history(db, order_id))[-1].message == "shipping address updated"
