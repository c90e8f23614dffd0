"""Draft orders on a real database: building, price overrides, completion under checkout rules."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from commerce.accounts.permissions import Permission
from commerce.accounts.viewer import Viewer
from commerce.checkout.service import PlacedOrder
from commerce.db.database import Database
from commerce.db.models import Address, Cart, CartLine, DiscountCode, Order, OrderEvent, OrderLine
from commerce.drafts import service
from commerce.drafts.rules import DraftLine, DraftLineChange
from commerce.drafts.service import DraftFields
from commerce.settings import Settings
from commerce.shared.addresses import AddressData
from commerce.shared.channels import SalesChannel
from commerce.shared.errors import DomainError
from tests.account_helpers import make_user
from tests.order_factories import (
    ADDRESS,
    Shop,
    journal_balances,
    make_shop,
    make_variant,
    stock_of,
)

pytestmark = pytest.mark.timeout(120)

US = AddressData(**ADDRESS)


def problems(exc: pytest.ExceptionInfo[DomainError]) -> list[tuple[str, tuple[str, ...] | None]]:
    return [(p.code.value, p.field) for p in exc.value.problems]


async def staff_viewer(db: Database) -> Viewer:
    user_id = await make_user(db, "clerk@example.com", permissions=[Permission.MANAGE_ORDERS])
    return Viewer(user_id=user_id, email="clerk@example.com", is_staff=True, is_superuser=False,
                  permissions=frozenset({Permission.MANAGE_ORDERS}), token_id=0)


async def draft_row(db: Database, draft_id: int) -> tuple[Cart, list[CartLine]]:
    async with db.transaction() as s:
        cart = (await s.execute(select(Cart).where(Cart.id == draft_id))).scalar_one()
        lines = list((await s.execute(select(CartLine).where(CartLine.cart_id == draft_id)
                                      .order_by(CartLine.id))).scalars())
    return cart, lines


async def ready_draft(db: Database, settings: Settings, staff: Viewer, shop: Shop,
                      lines: list[DraftLine]) -> int:
    """A draft with everything checkout needs: e-mail, address, shipping method."""
    fields = DraftFields(email="buyer@example.com", shipping_address=US,
                         shipping_method_id=shop.method_id)
    return await service.create_draft(db, staff_id=staff.user_id, channel=SalesChannel.PHONE,
                                      header=fields, lines=lines, settings=settings)


async def test_a_draft_for_a_customer_takes_their_email_and_default_addresses(
        db: Database, settings: Settings) -> None:
    staff = await staff_viewer(db)
    ann = await make_user(db, "ann@example.com")
    async with db.transaction() as s:
        s.add(Address(user_id=ann, first_name="Ann", last_name="Lee", street_address_1="2 Elm",
                      city="Boston", postal_code="02101", country_code="US", country_area="MA",
                      is_default_shipping=True))
    draft_id = await service.create_draft(
        db, staff_id=staff.user_id, channel=SalesChannel.EMAIL,
        header=DraftFields(customer_id=ann, customer_note="Gift wrap"), lines=[],
        settings=settings)
    cart, lines = await draft_row(db, draft_id)
    assert (cart.kind, cart.user_id, cart.email, cart.channel, cart.created_by_id) == (
        "DRAFT", ann, "ann@example.com", "EMAIL", staff.user_id)
    assert cart.shipping_address is not None and cart.shipping_address["city"] == "Boston"
    assert cart.billing_address is None and cart.customer_note == "Gift wrap" and lines == []


async def test_creating_a_draft_reports_every_problem_at_once(db: Database,
                                                             settings: Settings) -> None:
    staff = await staff_viewer(db)
    shop = await make_shop(db)
    variant = await make_variant(db, shop)
    with pytest.raises(DomainError) as exc:
        await service.create_draft(
            db, staff_id=staff.user_id, channel=SalesChannel.WEB,
            header=DraftFields(customer_id=staff.user_id, email="nope"),
            lines=[DraftLine(variant, 1, unit_price=500),
                   DraftLine(variant + 99, 1),
                   DraftLine(variant, 0),
                   DraftLine(variant, 1, reason="no price given")], settings=settings)
    assert sorted(problems(exc)) == sorted([
        ("INVALID", ("channel",)), ("INVALID", ("email",)),
        ("NOT_FOUND", ("customerId",)),
        ("REQUIRED", ("lines", "0", "priceOverrideReason")),
        ("NOT_FOUND", ("lines", "1", "variantId")),
        ("INVALID", ("lines", "2", "quantity")),
        ("INVALID", ("lines", "3", "priceOverrideReason")),
    ])
    async with db.transaction() as s:
        assert (await s.execute(select(func.count()).select_from(Cart))).scalar_one() == 0


async def test_a_draft_cannot_be_given_a_staff_member_or_unknown_account_as_customer(
        db: Database, settings: Settings) -> None:
    staff = await staff_viewer(db)
    ann = await make_user(db, "ann@example.com")
    draft_id = await service.create_draft(
        db, staff_id=staff.user_id, channel=SalesChannel.PHONE,
        header=DraftFields(customer_id=ann), lines=[], settings=settings)
    for wrong in (staff.user_id, 9999):
        with pytest.raises(DomainError) as exc:
            await service.update_draft(db, draft_id, DraftFields(customer_id=wrong,
                                                                 customer_note="x"),
                                       settings=settings)
        assert problems(exc) == [("NOT_FOUND", ("customerId",))]
    cart, _ = await draft_row(db, draft_id)
    assert (cart.user_id, cart.customer_note) == (ann, "")
    await service.update_draft(db, draft_id, DraftFields(customer_id=None), settings=settings)
    cart, _ = await draft_row(db, draft_id)
    assert (cart.user_id, cart.email) == (None, "ann@example.com")  # the e-mail stays


async def test_lines_are_added_merged_repriced_and_removed(db: Database,
                                                          settings: Settings) -> None:
    staff = await staff_viewer(db)
    shop = await make_shop(db)
    mug, cap = await make_variant(db, shop, price=1200), await make_variant(db, shop)
    draft_id = await ready_draft(
        db, settings, staff, shop, [DraftLine(mug, 1, unit_price=1000, reason="Loyal customer")])
    await service.add_lines(db, draft_id, [DraftLine(mug, 2), DraftLine(cap, 1)])
    _, lines = await draft_row(db, draft_id)
    assert [(x.variant_id, x.quantity, x.price_override, x.override_reason) for x in lines] == [
        (mug, 3, 1000, "Loyal customer"), (cap, 1, None, "")]

    mug_line, cap_line = lines[0].id, lines[1].id
    with pytest.raises(DomainError) as exc:
        await service.update_lines(db, draft_id, [
            DraftLineChange(cap_line, reason="reason without an override"),
            DraftLineChange(mug_line, unit_price=900, reason=" "),
            DraftLineChange(mug_line + 999, quantity=1)])
    assert problems(exc) == [("INVALID", ("lines", "0", "priceOverrideReason")),
                             ("REQUIRED", ("lines", "1", "priceOverrideReason")),
                             ("NOT_FOUND", ("lines", "2", "lineId"))]

    await service.update_lines(db, draft_id, [
        DraftLineChange(mug_line, quantity=2, unit_price=None),
        DraftLineChange(cap_line, unit_price=0, reason="Free sample")])
    _, lines = await draft_row(db, draft_id)
    assert [(x.quantity, x.price_override, x.override_reason) for x in lines] == [
        (2, None, ""), (1, 0, "Free sample")]

    await service.update_lines(db, draft_id, [DraftLineChange(cap_line, reason="Sample")])
    await service.remove_lines(db, draft_id, [mug_line])
    _, lines = await draft_row(db, draft_id)
    assert [(x.variant_id, x.override_reason) for x in lines] == [(cap, "Sample")]


async def test_a_shipping_method_or_code_that_does_not_apply_is_refused(
        db: Database, settings: Settings) -> None:
    staff = await staff_viewer(db)
    shop = await make_shop(db)
    variant = await make_variant(db, shop)
    draft_id = await service.create_draft(
        db, staff_id=staff.user_id, channel=SalesChannel.PHONE, header=DraftFields(),
        lines=[DraftLine(variant, 1)], settings=settings)
    with pytest.raises(DomainError) as no_address:
        await service.update_draft(db, draft_id, DraftFields(shipping_method_id=shop.method_id),
                                   settings=settings)
    assert problems(no_address) == [("SHIPPING_ADDRESS_REQUIRED", ("shippingMethodId",))]
    gb = AddressData(**{**ADDRESS, "country_code": "GB", "postal_code": "SW1A 1AA"})
    with pytest.raises(DomainError) as elsewhere:
        await service.update_draft(db, draft_id, DraftFields(
            shipping_address=gb, shipping_method_id=shop.method_id, discount_code="nosuch"),
            settings=settings)
    assert problems(elsewhere) == [("SHIPPING_METHOD_NOT_AVAILABLE", ("shippingMethodId",)),
                                   ("DISCOUNT_CODE_INVALID", ("discountCode",))]
    cart, _ = await draft_row(db, draft_id)
    assert cart.shipping_address is None and cart.discount_code is None  # nothing applied

    async with db.transaction() as s:
        s.add(DiscountCode(code="TENOFF", kind="PERCENTAGE", value=1000))
    await service.update_draft(db, draft_id, DraftFields(
        shipping_address=US, shipping_method_id=shop.method_id, discount_code=" tenoff "),
        settings=settings)
    cart, _ = await draft_row(db, draft_id)
    assert (cart.shipping_method_id, cart.discount_code) == (shop.method_id, "TENOFF")


async def test_a_completed_draft_becomes_an_order_with_the_overridden_price_and_reason(
        db: Database, settings: Settings) -> None:
    staff = await staff_viewer(db)
    shop = await make_shop(db)
    mug = await make_variant(db, shop, price=1200, stock=5)
    ann = await make_user(db, "ann@example.com")
    draft_id = await ready_draft(
        db, settings, staff, shop, [DraftLine(mug, 2, unit_price=999, reason="Price match")])
    await service.update_draft(db, draft_id, DraftFields(customer_id=ann), settings=settings)

    placed = await service.complete_draft(db, draft_id, settings=settings, viewer=staff,
                                          payment_method="CASH_ON_DELIVERY")
    async with db.transaction() as s:
        order = (await s.execute(select(Order).where(Order.id == placed.order_id))).scalar_one()
        line = (await s.execute(select(OrderLine).where(
            OrderLine.order_id == order.id))).scalar_one()
        placed_event = (await s.execute(select(OrderEvent).where(
            OrderEvent.order_id == order.id, OrderEvent.type == "PLACED"))).scalar_one()
    assert (line.unit_price, line.subtotal, line.price_override_reason) == (
        999, 1998, "Price match")
    assert (order.subtotal, order.shipping, order.total) == (1998, 500, 2498)
    assert (order.user_id, order.email, order.channel, order.payment_method) == (
        ann, "ann@example.com", "PHONE", "CASH_ON_DELIVERY")
    assert placed_event.actor_id == staff.user_id
    assert await stock_of(db, mug) == (5, 2)

    again = await service.complete_draft(db, draft_id, settings=settings, viewer=staff,
                                         payment_method="BANK_TRANSFER")
    assert (again.order_id, again.token, again.created) == (
        placed.order_id, placed.token, False)
    assert await stock_of(db, mug) == (5, 2)
    for change in (service.update_draft(db, draft_id, DraftFields(customer_note="x"),
                                        settings=settings),
                   service.add_lines(db, draft_id, [DraftLine(mug, 1)]),
                   service.delete_draft(db, draft_id)):
        with pytest.raises(DomainError) as late:
            await change
        assert problems(late) == [("CART_COMPLETED", ("id",))]


async def test_a_draft_short_of_stock_is_refused_and_stays_open(db: Database,
                                                                settings: Settings) -> None:
    staff = await staff_viewer(db)
    shop = await make_shop(db)
    mug = await make_variant(db, shop, stock=1)
    draft_id = await ready_draft(db, settings, staff, shop, [DraftLine(mug, 3)])
    with pytest.raises(DomainError) as exc:
        await service.complete_draft(db, draft_id, settings=settings, viewer=staff,
                                     payment_method="BANK_TRANSFER")
    assert problems(exc) == [("INSUFFICIENT_STOCK", ("lines", "0"))]
    assert "only 1" in exc.value.problems[0].message
    cart, _ = await draft_row(db, draft_id)
    assert cart.completed_at is None and await stock_of(db, mug) == (1, 0)
    with pytest.raises(DomainError) as bad_method:
        await service.complete_draft(db, draft_id, settings=settings, viewer=staff,
                                     payment_method="CARD")
    assert ("INVALID", ("paymentMethod",)) in problems(bad_method)


async def test_completing_a_draft_concurrently_places_one_order(db: Database,
                                                                settings: Settings) -> None:
    staff = await staff_viewer(db)
    shop = await make_shop(db)
    mug = await make_variant(db, shop, stock=10)
    draft_id = await ready_draft(db, settings, staff, shop, [DraftLine(mug, 2)])

    async def attempt() -> PlacedOrder | DomainError:
        try:
            return await service.complete_draft(db, draft_id, settings=settings, viewer=staff,
                                                payment_method="BANK_TRANSFER")
        except DomainError as exc:
            return exc

    results = await asyncio.gather(*(attempt() for _ in range(8)))
    placed = [r for r in results if isinstance(r, PlacedOrder)]
    assert len(placed) == 8, results
    assert len({r.order_id for r in placed}) == 1
    assert sum(1 for r in placed if r.created) == 1
    async with db.transaction() as s:
        assert (await s.execute(select(func.count()).select_from(Order))).scalar_one() == 1
    assert await stock_of(db, mug) == (10, 2)
    assert await journal_balances(db)


async def test_deleting_a_draft_removes_it_and_an_unknown_draft_is_not_found(
        db: Database, settings: Settings) -> None:
    staff = await staff_viewer(db)
    shop = await make_shop(db)
    draft_id = await ready_draft(db, settings, staff, shop,
                                 [DraftLine(await make_variant(db, shop), 1)])
    await service.delete_draft(db, draft_id)
    async with db.transaction() as s:
        assert (await s.execute(select(func.count()).select_from(CartLine))).scalar_one() == 0
    for call in (service.delete_draft(db, draft_id),
                 service.complete_draft(db, draft_id, settings=settings, viewer=staff,
                                        payment_method="BANK_TRANSFER")):
        with pytest.raises(DomainError) as exc:
            await call
        assert problems(exc) == [("NOT_FOUND", ("id",))]
