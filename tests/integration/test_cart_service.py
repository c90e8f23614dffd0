"""Cart use cases on a real database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from commerce.accounts.permissions import Permission
from commerce.accounts.viewer import Viewer
from commerce.cart import service
from commerce.cart.queries import cart_by_token, cart_quote
from commerce.cart.quote import Quote
from commerce.cart.rules import LineChange, LineRequest
from commerce.cart.service import NewCart
from commerce.checkout.service import complete_checkout
from commerce.db.database import Database
from commerce.db.fetch import session_fetch
from commerce.db.models import Cart, CartLine
from commerce.settings import Settings
from commerce.shared.addresses import AddressData
from commerce.shared.channels import Attribution, SalesChannel
from commerce.shared.clock import utcnow
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError
from tests.account_helpers import make_user
from tests.cart_factories import add_code, add_method, cart_row, set_product_status
from tests.order_factories import Shop, make_shop, make_variant, stock_of

US = AddressData(first_name=" Ann ", last_name="Lee", street_address_1="1 Main St",
                 city="Springfield", country_code="us", country_area="Illinois",
                 postal_code="62701")
GB = AddressData(first_name="Bo", last_name="Ng", street_address_1="2 High St", city="London",
                 country_code="GB", postal_code="sw1a 1aa")


def problems(exc: pytest.ExceptionInfo[DomainError]) -> list[tuple[str, tuple[str, ...] | None]]:
    return [(p.code.value, p.field) for p in exc.value.problems]


async def lines_of(db: Database, token: str) -> dict[int, int]:
    """variant id -> quantity."""
    async with db.transaction() as s:
        rows = (await s.execute(select(CartLine.variant_id, CartLine.quantity)
                                .join(Cart, Cart.id == CartLine.cart_id)
                                .where(Cart.token == token))).all()
    return {r.variant_id: r.quantity for r in rows}


async def quote_of(db: Database, token: str, settings: Settings) -> Quote:
    async with db.transaction() as s:
        fetch = session_fetch(s)
        row = await cart_by_token(fetch, token, None)
        assert row is not None
        return await cart_quote(fetch, row, settings)


@pytest.fixture
async def shop(db: Database) -> Shop:
    return await make_shop(db)


async def test_a_guest_cart_stores_lines_contact_addresses_channel_and_attribution(
        db: Database, shop: Shop) -> None:
    a = await make_variant(db, shop)
    b = await make_variant(db, shop)
    token = await service.create_cart(db, NewCart(
        lines=[LineRequest(a, 2), LineRequest(b, 1), LineRequest(a, 3)],
        email=" Ann@Example.COM ", shipping_address=US, billing_address=GB,
        channel=SalesChannel.MOBILE,
        attribution=Attribution(utm_source="newsletter", utm_campaign=" spring ")))

    assert len(token) >= 32
    cart = await cart_row(db, token)
    assert cart.user_id is None and cart.email == "ann@example.com"
    assert cart.channel == "MOBILE"
    assert cart.attribution == {"utm_source": "newsletter", "utm_campaign": "spring"}
    assert cart.shipping_address == {
        "first_name": "Ann", "last_name": "Lee", "street_address_1": "1 Main St",
        "city": "Springfield", "country_code": "US", "company": "", "street_address_2": "",
        "postal_code": "62701", "country_area": "IL", "phone": ""}
    assert cart.billing_address is not None and cart.billing_address["postal_code"] == "SW1A 1AA"
    assert await lines_of(db, token) == {a: 5, b: 1}


async def test_a_signed_in_customers_cart_is_theirs_and_gets_their_email_unless_given(
        db: Database, shop: Shop) -> None:
    user_id = await make_user(db, "cus@example.com")
    viewer = Viewer(user_id=user_id, email="cus@example.com", is_staff=False,
                    is_superuser=False, permissions=frozenset(), token_id=1)
    own = await service.create_cart(db, NewCart(), viewer=viewer)
    other = await service.create_cart(db, NewCart(email="gift@example.com"), viewer=viewer)

    assert (await cart_row(db, own)).user_id == user_id
    assert (await cart_row(db, own)).email == "cus@example.com"
    assert (await cart_row(db, other)).email == "gift@example.com"


async def test_cart_create_reports_every_problem_at_once_with_its_path(
        db: Database, shop: Shop) -> None:
    ok = await make_variant(db, shop)
    off_sale = await make_variant(db, shop)
    await set_product_status(db, off_sale, "DRAFT")
    bad_address = AddressData(first_name="", last_name="Lee", street_address_1="x",
                              city="y", country_code="US", country_area="XX",
                              postal_code="ABC")

    with pytest.raises(DomainError) as exc:
        await service.create_cart(db, NewCart(
            lines=[LineRequest(ok, 0), LineRequest(999_999, 1), LineRequest(off_sale, 1),
                   LineRequest(ok, 1000)],
            email="not-an-email", shipping_address=bad_address,
            attribution=Attribution(partner_code="x" * 65)))

    assert sorted(problems(exc), key=str) == sorted([
        ("INVALID", ("lines", "0", "quantity")),
        ("NOT_FOUND", ("lines", "1", "variantId")),
        ("NOT_FOUND", ("lines", "2", "variantId")),  # off sale: out of a shopper's sight
        ("INVALID", ("lines", "3", "quantity")),
        ("INVALID", ("email",)),
        ("REQUIRED", ("shippingAddress", "firstName")),
        ("INVALID", ("shippingAddress", "countryArea")),
        ("INVALID", ("shippingAddress", "postalCode")),
        ("INVALID", ("attribution", "partnerCode")),
    ], key=str)
    async with db.transaction() as s:
        assert (await s.execute(select(Cart.id))).first() is None


async def test_adding_a_variant_already_in_the_cart_increases_its_quantity(
        db: Database, shop: Shop) -> None:
    a = await make_variant(db, shop)
    b = await make_variant(db, shop)
    token = await service.create_cart(db, NewCart(lines=[LineRequest(a, 1)]))

    await service.add_lines(db, token, [LineRequest(a, 2), LineRequest(b, 4)])

    assert await lines_of(db, token) == {a: 3, b: 4}


async def test_adding_more_than_is_in_stock_is_allowed_and_the_cart_warns(
        db: Database, shop: Shop, settings: Settings) -> None:
    scarce = await make_variant(db, shop, stock=2)
    gone = await make_variant(db, shop, stock=0)
    token = await service.create_cart(db, NewCart(lines=[LineRequest(scarce, 5)]))
    await service.add_lines(db, token, [LineRequest(gone, 1)])

    q = await quote_of(db, token, settings)
    warnings = {w.variant_id: (w.code, w.quantity_available) for w in q.warnings}
    assert warnings == {scarce: (ErrorCode.INSUFFICIENT_STOCK, 2),
                        gone: (ErrorCode.OUT_OF_STOCK, 0)}


async def test_a_line_cannot_grow_past_the_maximum_quantity(db: Database, shop: Shop) -> None:
    a = await make_variant(db, shop)
    token = await service.create_cart(db, NewCart(lines=[LineRequest(a, 990)]))

    with pytest.raises(DomainError) as exc:
        await service.add_lines(db, token, [LineRequest(a, 10)])

    assert problems(exc) == [("INVALID", ("lines", "0", "quantity"))]
    assert await lines_of(db, token) == {a: 990}


async def test_a_product_taken_off_sale_cannot_be_added(db: Database, shop: Shop) -> None:
    a = await make_variant(db, shop)
    token = await service.create_cart(db, NewCart())
    await set_product_status(db, a, "ARCHIVED")

    with pytest.raises(DomainError) as exc:
        await service.add_lines(db, token, [LineRequest(a, 1)])

    # A shopper cannot see the product any more: no such variant, and no name given away.
    assert problems(exc) == [("NOT_FOUND", ("lines", "0", "variantId"))]
    assert "no such product variant" in str(exc.value)


async def test_catalog_staff_are_told_the_product_is_off_sale(db: Database, shop: Shop) -> None:
    a = await make_variant(db, shop)
    await set_product_status(db, a, "ARCHIVED")
    staff = Viewer(user_id=1, email="cat@example.com", is_staff=True, is_superuser=False,
                   permissions=frozenset({Permission.MANAGE_CATALOG}), token_id=1)

    with pytest.raises(DomainError) as exc:
        await service.create_cart(db, NewCart(lines=[LineRequest(a, 1)]), viewer=staff)

    assert problems(exc) == [("PRODUCT_UNAVAILABLE", ("lines", "0", "variantId"))]
    assert "is not for sale" in str(exc.value)


async def _line_ids(db: Database, token: str) -> dict[int, int]:
    """variant id -> line id."""
    async with db.transaction() as s:
        rows = (await s.execute(select(CartLine.variant_id, CartLine.id)
                                .join(Cart, Cart.id == CartLine.cart_id)
                                .where(Cart.token == token))).all()
    return {r.variant_id: r.id for r in rows}


async def test_updating_lines_sets_quantities_and_zero_removes(db: Database, shop: Shop) -> None:
    a = await make_variant(db, shop)
    b = await make_variant(db, shop)
    token = await service.create_cart(db, NewCart(lines=[LineRequest(a, 1), LineRequest(b, 1)]))
    ids = await _line_ids(db, token)

    await service.update_lines(db, token, [LineChange(ids[a], 7), LineChange(ids[b], 0)])

    assert await lines_of(db, token) == {a: 7}


async def test_updating_lines_of_another_cart_or_twice_changes_nothing(
        db: Database, shop: Shop) -> None:
    a = await make_variant(db, shop)
    mine = await service.create_cart(db, NewCart(lines=[LineRequest(a, 1)]))
    theirs = await service.create_cart(db, NewCart(lines=[LineRequest(a, 1)]))
    my_line, their_line = (await _line_ids(db, mine))[a], (await _line_ids(db, theirs))[a]

    with pytest.raises(DomainError) as exc:
        await service.update_lines(db, mine, [
            LineChange(my_line, 2), LineChange(their_line, 5), LineChange(my_line, 3),
            LineChange(my_line, -1)])

    assert problems(exc) == [("NOT_FOUND", ("lines", "1", "id")),
                             ("DUPLICATE", ("lines", "2", "id")),
                             ("DUPLICATE", ("lines", "3", "id"))]
    assert await lines_of(db, mine) == {a: 1}
    assert await lines_of(db, theirs) == {a: 1}


async def test_a_line_of_a_product_taken_off_sale_may_shrink_but_not_grow(
        db: Database, shop: Shop) -> None:
    a = await make_variant(db, shop)
    token = await service.create_cart(db, NewCart(lines=[LineRequest(a, 3)]))
    line = (await _line_ids(db, token))[a]
    await set_product_status(db, a, "DRAFT")

    with pytest.raises(DomainError) as exc:
        await service.update_lines(db, token, [LineChange(line, 4)])
    await service.update_lines(db, token, [LineChange(line, 2)])

    assert problems(exc) == [("PRODUCT_UNAVAILABLE", ("lines", "0", "quantity"))]
    assert await lines_of(db, token) == {a: 2}


async def test_removing_lines_is_all_or_nothing(db: Database, shop: Shop) -> None:
    a = await make_variant(db, shop)
    b = await make_variant(db, shop)
    token = await service.create_cart(db, NewCart(lines=[LineRequest(a, 1), LineRequest(b, 1)]))
    ids = await _line_ids(db, token)

    with pytest.raises(DomainError) as exc:
        await service.remove_lines(db, token, [ids[a], 424242])
    assert problems(exc) == [("NOT_FOUND", ("lineIds", "1"))]
    assert await lines_of(db, token) == {a: 1, b: 1}

    await service.remove_lines(db, token, [ids[a]])
    assert await lines_of(db, token) == {b: 1}


async def test_email_and_addresses_are_validated_and_replaced(db: Database, shop: Shop) -> None:
    token = await service.create_cart(db, NewCart(email="a@example.com"))

    with pytest.raises(DomainError) as exc:
        await service.update_email(db, token, "nope")
    assert problems(exc) == [("INVALID", ("email",))]
    with pytest.raises(DomainError) as exc:
        await service.update_billing_address(db, token, AddressData(
            first_name="A", last_name="B", street_address_1="C", city="D", country_code="XX"))
    assert problems(exc) == [("INVALID", ("billingAddress", "countryCode"))]

    await service.update_email(db, token, "B@Example.com")
    await service.update_shipping_address(db, token, GB)
    await service.update_billing_address(db, token, US)
    cart = await cart_row(db, token)
    assert cart.email == "b@example.com"
    assert cart.shipping_address is not None and cart.shipping_address["city"] == "London"
    assert cart.billing_address is not None and cart.billing_address["first_name"] == "Ann"

    await service.update_billing_address(db, token, None)
    assert (await cart_row(db, token)).billing_address is None


async def test_a_shipping_method_must_serve_the_carts_address(
        db: Database, shop: Shop, settings: Settings) -> None:
    a = await make_variant(db, shop)
    uk_only = await add_method(db, name="Royal Mail", price=300, countries=["GB"])
    token = await service.create_cart(db, NewCart(lines=[LineRequest(a, 1)]))

    with pytest.raises(DomainError) as exc:
        await service.update_shipping_method(db, token, shop.method_id, settings=settings)
    assert problems(exc) == [("SHIPPING_ADDRESS_REQUIRED", ("shippingMethodId",))]

    await service.update_shipping_address(db, token, US)
    with pytest.raises(DomainError) as exc:
        await service.update_shipping_method(db, token, uk_only, settings=settings)
    assert problems(exc) == [("SHIPPING_METHOD_NOT_AVAILABLE", ("shippingMethodId",))]

    await service.update_shipping_method(db, token, shop.method_id, settings=settings)
    assert (await cart_row(db, token)).shipping_method_id == shop.method_id
    q = await quote_of(db, token, settings)
    assert q.shipping is not None and q.breakdown.shipping == 500

    await service.update_shipping_method(db, token, None, settings=settings)
    assert (await cart_row(db, token)).shipping_method_id is None


async def test_discount_codes_that_cannot_be_used_are_refused_and_not_stored(
        db: Database, shop: Shop, settings: Settings) -> None:
    a = await make_variant(db, shop, price=1000)
    await add_code(db, "SAVE10", value=1000)
    await add_code(db, "OLD", ends_at=utcnow() - timedelta(days=1))
    await add_code(db, "BIG", min_subtotal=5000)
    await add_code(db, "GONE", usage_limit=1, times_used=1)
    token = await service.create_cart(db, NewCart(lines=[LineRequest(a, 2)]))

    refused = {}
    for code in ("old", "big", "gone", "nosuch"):
        with pytest.raises(DomainError) as exc:
            await service.update_discount_codes(db, token, [code], settings=settings)
        refused[code] = problems(exc)
    with pytest.raises(DomainError) as exc:
        await service.update_discount_codes(db, token, ["SAVE10", "BIG"], settings=settings)
    too_many = problems(exc)

    assert refused == {
        "old": [("DISCOUNT_CODE_EXPIRED", ("codes", "0"))],
        "big": [("DISCOUNT_CODE_MIN_SUBTOTAL", ("codes", "0"))],
        "gone": [("DISCOUNT_CODE_USED_UP", ("codes", "0"))],
        "nosuch": [("DISCOUNT_CODE_INVALID", ("codes", "0"))],
    }
    assert too_many == [("INVALID", ("codes",))]
    assert (await cart_row(db, token)).discount_code is None

    await service.update_discount_codes(db, token, [" save10 "], settings=settings)
    assert (await cart_row(db, token)).discount_code == "SAVE10"
    assert (await quote_of(db, token, settings)).breakdown.discount == 200

    await service.update_discount_codes(db, token, [], settings=settings)
    assert (await cart_row(db, token)).discount_code is None


async def test_a_completed_cart_refuses_every_change(
        db: Database, shop: Shop, settings: Settings) -> None:
    a = await make_variant(db, shop)
    token = await service.create_cart(db, NewCart(
        lines=[LineRequest(a, 1)], email="a@example.com", shipping_address=US))
    await service.update_shipping_method(db, token, shop.method_id, settings=settings)
    await complete_checkout(db, token, settings=settings)
    line = (await _line_ids(db, token))[a]

    changes: list[Callable[[], Awaitable[Any]]] = [
        lambda: service.add_lines(db, token, [LineRequest(a, 1)]),
        lambda: service.update_lines(db, token, [LineChange(line, 2)]),
        lambda: service.remove_lines(db, token, [line]),
        lambda: service.update_email(db, token, "b@example.com"),
        lambda: service.update_shipping_address(db, token, GB),
        lambda: service.update_billing_address(db, token, GB),
        lambda: service.update_shipping_method(db, token, None, settings=settings),
        lambda: service.update_discount_codes(db, token, [], settings=settings),
    ]
    for change in changes:
        with pytest.raises(DomainError) as exc:
            await change()
        assert problems(exc) == [("CART_COMPLETED", ("cartId",))]
    assert await lines_of(db, token) == {a: 1}


async def test_an_unknown_token_or_a_draft_order_is_not_a_cart(db: Database, shop: Shop) -> None:
    async with db.transaction() as s:
        s.add(Cart(token="draft-token", kind="DRAFT"))

    for token in ("no-such-token", "draft-token"):
        with pytest.raises(DomainError) as exc:
            await service.update_email(db, token, "a@example.com")
        assert problems(exc) == [("NOT_FOUND", ("cartId",))]


async def test_concurrent_additions_to_one_cart_all_count(db: Database, shop: Shop) -> None:
    a = await make_variant(db, shop)
    token = await service.create_cart(db, NewCart(lines=[LineRequest(a, 1)]))

    await asyncio.gather(*(service.add_lines(db, token, [LineRequest(a, 1)])
                           for _ in range(10)))

    assert await lines_of(db, token) == {a: 11}


async def test_a_change_racing_a_checkout_lands_before_it_or_is_refused(
        db: Database, shop: Shop, settings: Settings) -> None:
    a = await make_variant(db, shop, stock=100)
    b = await make_variant(db, shop, stock=100)
    token = await service.create_cart(db, NewCart(
        lines=[LineRequest(a, 1)], email="a@example.com", shipping_address=US))
    await service.update_shipping_method(db, token, shop.method_id, settings=settings)

    async def add() -> DomainError | None:
        try:
            await service.add_lines(db, token, [LineRequest(b, 1)])
        except DomainError as exc:
            return exc
        return None

    added, placed = await asyncio.gather(add(), complete_checkout(db, token, settings=settings))

    b_allocated = (await stock_of(db, b))[1]
    if added is None:  # the line landed first, so the order holds it
        assert b_allocated == 1
    else:
        assert added.problems[0].code is ErrorCode.CART_COMPLETED
        assert b_allocated == 0
    assert placed.created
