"""Object-level authorization lives in the data access (DESIGN §4).

The loaders a resolver uses filter by the request's viewer, so a field that loads an order
or a product through them cannot show what the viewer may not see, even with no check of its
own. These tests drive the loaders and the use cases directly, as a new field would.
"""

from __future__ import annotations

import pytest

from commerce.accounts.authentication import viewer_for_token
from commerce.accounts.permissions import Permission
from commerce.api.graphql.context import Context
from commerce.cart import service
from commerce.cart.queries import cart_by_token
from commerce.cart.rules import LineRequest
from commerce.cart.service import NewCart
from commerce.db.database import Database
from commerce.settings import Settings
from commerce.shared.errors import DomainError
from tests.account_helpers import user_with_token
from tests.cart_factories import set_product_status
from tests.order_api_helpers import place_order
from tests.order_factories import make_shop, make_variant


def context(db: Database, settings: Settings, token: str | None) -> Context:
    return Context(settings=settings, db=db, reader=db.reader(hold=False), request_id="test",
                   client_ip="127.0.0.1",
                   authorization=None if token is None else f"Bearer {token}")


async def test_the_order_loader_finds_only_the_orders_the_viewer_may_reach(
        db: Database, settings: Settings) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop)
    ann_id, ann = await user_with_token(db, "ann@example.com")
    bob_id, bob = await user_with_token(db, "bob@example.com")
    _, clerk = await user_with_token(db, "clerk@example.com",
                                     permissions=[Permission.MANAGE_ORDERS])
    _, cataloguer = await user_with_token(db, "cat@example.com",
                                          permissions=[Permission.MANAGE_CATALOG])
    anns = (await place_order(db, settings, shop, {variant: 1}, user_id=ann_id)).pk
    bobs = (await place_order(db, settings, shop, {variant: 1}, user_id=bob_id)).pk
    guests = (await place_order(db, settings, shop, {variant: 1})).pk
    everything = [anns, bobs, guests]

    expected: list[tuple[str | None, list[int]]] = [
        (None, []), (ann, [anns]), (bob, [bobs]), (cataloguer, []), (clerk, everything)]
    for token, visible in expected:
        ctx = context(db, settings, token)
        try:
            found = await ctx.loaders.order_by_id.load_many(everything)
        finally:
            await ctx.reader.close()
        assert [o.pk for o in found if o is not None] == visible, token


async def test_the_product_and_variant_loaders_hide_products_off_sale_from_non_staff(
        db: Database, settings: Settings) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop)
    await set_product_status(db, variant, "DRAFT")
    _, customer = await user_with_token(db, "ann@example.com")
    _, stock_clerk = await user_with_token(db, "wh@example.com",
                                           permissions=[Permission.MANAGE_INVENTORY])
    for token, visible in ((None, False), (customer, False), (stock_clerk, True)):
        ctx = context(db, settings, token)
        try:
            found = await ctx.loaders.variant_by_id.load(variant)
            assert (found is not None) is visible, token
            if found is not None:
                assert await ctx.loaders.product_by_id.load(found.product_id) is not None
        finally:
            await ctx.reader.close()


async def test_the_collection_loaders_hide_unpublished_collections_from_non_staff(
        db: Database, settings: Settings) -> None:
    from tests.factories import create_collection, create_product

    hidden = await create_collection(db, "Secret", published=False)
    product = await create_product(db, "Hat", collection_ids=[hidden])
    _, customer = await user_with_token(db, "ann@example.com")
    _, cataloguer = await user_with_token(db, "cat@example.com",
                                          permissions=[Permission.MANAGE_CATALOG])
    for token, visible in ((None, False), (customer, False), (cataloguer, True)):
        ctx = context(db, settings, token)
        try:
            found = await ctx.loaders.collection_by_id.load(hidden)
            of_product = await ctx.loaders.collections_by_product_id.load(product)
        finally:
            await ctx.reader.close()
        assert (found is not None) is visible, token
        assert [c.pk for c in of_product] == ([hidden] if visible else []), token


@pytest.mark.parametrize("who", ["other customer", "anonymous"])
async def test_the_cart_query_and_use_cases_filter_by_the_carts_owner(
        db: Database, settings: Settings, who: str) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop)
    _, ann = await user_with_token(db, "ann@example.com")
    _, bob = await user_with_token(db, "bob@example.com")
    reader = db.reader(hold=False)
    try:
        owner = await viewer_for_token(reader, ann)
        stranger = await viewer_for_token(reader, bob) if who == "other customer" else None
        token = await service.create_cart(db, NewCart(lines=[LineRequest(variant, 1)]),
                                          viewer=owner)
        assert await cart_by_token(reader.all, token, owner) is not None
        assert await cart_by_token(reader.all, token, stranger) is None
    finally:
        await reader.close()
    with pytest.raises(DomainError) as refused:
        await service.add_lines(db, token, [LineRequest(variant, 1)], viewer=stranger)
    assert [p.code.value for p in refused.value.problems] == ["NOT_FOUND"]
    await service.add_lines(db, token, [LineRequest(variant, 1)], viewer=owner)
