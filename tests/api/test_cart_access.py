"""Who may reach a cart: a guest cart by its ID, a customer's cart only by that customer.

Another customer (or an anonymous request) holding the ID of a signed-in customer's cart finds
no such cart, in ``cart(id)``, in every cart mutation and in checkout; staff with
MANAGE_ORDERS reach every cart.
"""

from __future__ import annotations

from typing import Any

import pytest

from commerce.accounts.permissions import Permission
from commerce.db.database import Database
from commerce.shared.ids import decode_id, encode_id
from tests.account_helpers import user_with_token
from tests.cart_factories import add_code, cart_row
from tests.order_factories import Shop, make_shop, make_variant

GQL = Any

CART = "id email shippingAddress { city } lines { id quantity }"
CART_QUERY = f"query($id: ID!) {{ cart(id: $id) {{ {CART} }} }}"
CHECKOUT = """mutation($input: CheckoutCompleteInput!) { checkoutComplete(input: $input) {
  order { number } errors { code field } } }"""
ADDRESS = {"firstName": "Ann", "lastName": "Lee", "streetAddress1": "1 Main St",
           "city": "Springfield", "postalCode": "62701", "countryCode": "US",
           "countryArea": "IL"}


def mutation(name: str) -> str:
    type_name = name[0].upper() + name[1:]
    return (f"mutation($input: {type_name}Input!) {{ {name}(input: $input) {{ "
            f"cart {{ {CART} }} errors {{ code field }} }} }}")


@pytest.fixture
async def shop(db: Database) -> Shop:
    return await make_shop(db)


async def anns_cart(gql: GQL, ann: str, variant: int) -> dict[str, Any]:
    body = await gql(mutation("cartCreate"), {"input": {
        "lines": [{"variantId": encode_id("ProductVariant", variant), "quantity": 2}],
        "shippingAddress": ADDRESS}}, token=ann)
    payload = body["data"]["cartCreate"]
    assert payload["errors"] == []
    cart: dict[str, Any] = payload["cart"]
    assert cart["email"] == "ann@example.com"
    return cart


async def read(gql: GQL, cart_id: str, token: str | None) -> dict[str, Any] | None:
    cart: dict[str, Any] | None = (await gql(CART_QUERY, {"id": cart_id},
                                             token=token))["data"]["cart"]
    return cart


async def test_a_customers_cart_is_null_for_other_customers_and_anonymous_requests(
        db: Database, gql: GQL, shop: Shop) -> None:
    variant = await make_variant(db, shop)
    _, ann = await user_with_token(db, "ann@example.com")
    _, bob = await user_with_token(db, "bob@example.com")
    _, clerk = await user_with_token(db, "clerk@example.com",
                                     permissions=[Permission.MANAGE_ORDERS])
    _, cataloguer = await user_with_token(db, "cat@example.com",
                                          permissions=[Permission.MANAGE_CATALOG])
    cart = await anns_cart(gql, ann, variant)

    assert await read(gql, cart["id"], ann) == cart
    assert await read(gql, cart["id"], clerk) == cart
    assert await read(gql, cart["id"], bob) is None
    assert await read(gql, cart["id"], None) is None  # signed out, or the ID leaked
    assert await read(gql, cart["id"], cataloguer) is None
    node = await gql('query($id: ID!) { node(id: $id) { id } }', {"id": cart["id"]},
                     token=bob)
    assert node["data"]["node"] is None


async def test_a_guest_cart_is_reached_by_its_id_alone_whoever_asks(
        db: Database, gql: GQL, shop: Shop) -> None:
    variant = await make_variant(db, shop)
    _, bob = await user_with_token(db, "bob@example.com")
    body = await gql(mutation("cartCreate"), {"input": {
        "email": "guest@example.com",
        "lines": [{"variantId": encode_id("ProductVariant", variant), "quantity": 1}]}})
    cart = body["data"]["cartCreate"]["cart"]

    assert await read(gql, cart["id"], None) == cart
    assert await read(gql, cart["id"], bob) == cart
    changed = await gql(mutation("cartEmailUpdate"), {"input": {
        "cartId": cart["id"], "email": "other@example.com"}}, token=bob)
    assert changed["data"]["cartEmailUpdate"]["errors"] == []


async def test_every_cart_mutation_and_checkout_answer_not_found_for_another_customers_cart(
        db: Database, gql: GQL, shop: Shop) -> None:
    variant = await make_variant(db, shop)
    other = await make_variant(db, shop)
    await add_code(db, "SAVE10")
    _, ann = await user_with_token(db, "ann@example.com")
    _, bob = await user_with_token(db, "bob@example.com")
    cart = await anns_cart(gql, ann, variant)
    cart_id, line_id = cart["id"], cart["lines"][0]["id"]
    method = encode_id("ShippingMethod", shop.method_id)
    attempts: list[tuple[str, dict[str, Any]]] = [
        ("cartLinesAdd", {"lines": [{"variantId": encode_id("ProductVariant", other),
                                     "quantity": 1}]}),
        ("cartLinesUpdate", {"lines": [{"id": line_id, "quantity": 5}]}),
        ("cartLinesRemove", {"lineIds": [line_id]}),
        ("cartEmailUpdate", {"email": "bob@example.com"}),
        ("cartShippingAddressUpdate", {"shippingAddress": {**ADDRESS, "city": "Elsewhere"}}),
        ("cartBillingAddressUpdate", {"billingAddress": ADDRESS}),
        ("cartShippingMethodUpdate", {"shippingMethodId": method}),
        ("cartDiscountCodesUpdate", {"codes": ["SAVE10"]}),
    ]
    for token in (bob, None):
        for name, fields in attempts:
            body = await gql(mutation(name), {"input": {"cartId": cart_id, **fields}},
                             token=token)
            payload = body["data"][name]
            assert payload == {"cart": None,
                               "errors": [{"code": "NOT_FOUND", "field": ["cartId"]}]}, name
        # Ann's cart is complete enough to check out: Bob must not place it for her.
        await gql(mutation("cartShippingMethodUpdate"), {"input": {
            "cartId": cart_id, "shippingMethodId": method}}, token=ann)
        body = await gql(CHECKOUT, {"input": {"cartId": cart_id}}, token=token)
        assert body["data"]["checkoutComplete"] == {
            "order": None, "errors": [{"code": "NOT_FOUND", "field": ["cartId"]}]}

    assert await read(gql, cart_id, ann) == cart  # nothing changed
    row = await cart_row(db, decode_id(cart_id)[1])
    assert row.completed_at is None and row.discount_code is None
    body = await gql(CHECKOUT, {"input": {"cartId": cart_id}}, token=ann)
    assert body["data"]["checkoutComplete"]["errors"] == []  # the owner still can
