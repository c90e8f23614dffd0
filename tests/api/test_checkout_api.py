"""checkoutComplete through HTTP: a guest's whole checkout, its failures, and real concurrency."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from commerce.db.database import Database
from commerce.db.models import Cart, DiscountCode, Order, Stock
from commerce.shared.clock import utcnow
from commerce.shared.ids import encode_id
from tests.account_helpers import user_with_token
from tests.conftest import GQL
from tests.order_factories import (
    journal_balances,
    make_cart,
    make_shop,
    make_variant,
    open_order_units,
    stock_of,
)

pytestmark = pytest.mark.timeout(180)

COMPLETE = """
mutation Complete($input: CheckoutCompleteInput!) {
  checkoutComplete(input: $input) {
    order {
      id number token email status paymentStatus fulfillmentStatus paymentMethod
      subtotal { amount currency } shipping { amount } tax { amount } total { amount }
      amountPaid { amount } amountDue { amount } shippingMethodName
      shippingAddress { firstName city postalCode countryCode countryName }
      billingAddress { lastName }
      lines { productName sku quantity unitPrice { amount } total { amount }
              variant { id } }
      events { type message amount { amount } }
    }
    errors { code message field }
  }
}
"""

BY_TOKEN = """
query ($token: String!) {
  orderByToken(token: $token) { id number token total { amount } lines { quantity } }
}
"""


def cart_id(token: str) -> str:
    return encode_id("Cart", token)


async def complete(gql: GQL, token: str, **extra: Any) -> dict[str, Any]:
    body = await gql(COMPLETE, {"input": {"cartId": cart_id(token), **extra}})
    payload: dict[str, Any] = body["data"]["checkoutComplete"]
    return payload


async def _order_count(db: Database) -> int:
    async with db.transaction() as s:
        return int((await s.execute(select(func.count()).select_from(Order))).scalar_one())


async def test_a_guest_checks_out_and_reads_the_order_with_its_token(
        db: Database, gql: GQL) -> None:
    shop = await make_shop(db, tax_bp=1000)
    variant = await make_variant(db, shop, stock=5, price=1250, sku="MUG-1")
    token = await make_cart(db, shop, {variant: 2}, email="Guest@Example.com")

    payload = await complete(gql, token)

    assert payload["errors"] == []
    order = payload["order"]
    assert order["number"] == "1001"
    assert len(order["token"]) >= 32
    assert (order["status"], order["paymentStatus"], order["fulfillmentStatus"]) == (
        "OPEN", "NOT_PAID", "UNFULFILLED")
    assert order["paymentMethod"] == "BANK_TRANSFER"
    assert order["email"] == "guest@example.com"
    # 2 x 12.50 + 5.00 shipping, 10 % tax on both (tax on shipping is the default).
    assert order["subtotal"] == {"amount": "25.00", "currency": "USD"}
    assert order["shipping"]["amount"] == "5.00"
    assert order["tax"]["amount"] == "3.00"
    assert order["total"]["amount"] == order["amountDue"]["amount"] == "33.00"
    assert order["amountPaid"]["amount"] == "0.00"
    assert order["shippingMethodName"] == "Standard"
    assert order["shippingAddress"] == {"firstName": "Ann", "city": "Springfield",
                                        "postalCode": "62701", "countryCode": "US",
                                        "countryName": "United States"}
    assert order["lines"] == [{
        "productName": "Product MUG-1", "sku": "MUG-1", "quantity": 2,
        "unitPrice": {"amount": "12.50"}, "total": {"amount": "27.50"},
        "variant": {"id": encode_id("ProductVariant", variant)}}]
    assert [e["type"] for e in order["events"]] == ["PLACED"]
    assert order["events"][0]["amount"] == {"amount": "33.00"}
    assert await stock_of(db, variant) == (5, 2)

    read = (await gql(BY_TOKEN, {"token": order["token"]}))["data"]["orderByToken"]
    assert read["id"] == order["id"] and read["token"] == order["token"]
    assert read["lines"] == [{"quantity": 2}]


async def test_an_unknown_token_reads_no_order(db: Database, gql: GQL) -> None:
    body = await gql(BY_TOKEN, {"token": "not-a-real-token"})
    assert body["data"]["orderByToken"] is None


async def test_cash_on_delivery_is_recorded_on_the_order(db: Database, gql: GQL) -> None:
    shop = await make_shop(db)
    token = await make_cart(db, shop, {await make_variant(db, shop): 1})

    payload = await complete(gql, token, paymentMethod="CASH_ON_DELIVERY")

    assert payload["order"]["paymentMethod"] == "CASH_ON_DELIVERY"


async def test_missing_email_and_shipping_method_are_reported_together(
        db: Database, gql: GQL) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=5)
    token = await make_cart(db, shop, {variant: 1}, email="")
    async with db.transaction() as s:
        cart = (await s.execute(select(Cart).where(Cart.token == token))).scalar_one()
        cart.shipping_method_id = None

    payload = await complete(gql, token)

    assert payload["order"] is None
    assert {e["code"] for e in payload["errors"]} == {"EMAIL_REQUIRED",
                                                      "SHIPPING_METHOD_REQUIRED"}
    assert await _order_count(db) == 0
    assert await stock_of(db, variant) == (5, 0)


async def test_insufficient_stock_names_the_line_and_the_quantity_available(
        db: Database, gql: GQL) -> None:
    shop = await make_shop(db)
    plenty = await make_variant(db, shop, stock=10, sku="PLENTY")
    scarce = await make_variant(db, shop, stock=2, sku="SCARCE")
    token = await make_cart(db, shop, {plenty: 1, scarce: 3})

    payload = await complete(gql, token)

    assert payload["order"] is None
    [error] = payload["errors"]
    assert error["code"] == "INSUFFICIENT_STOCK"
    assert error["field"] == ["lines", "1"]
    assert "only 2" in error["message"] and "SCARCE" in error["message"]
    # All lines or none: the line that could be served holds nothing either.
    assert await stock_of(db, plenty) == (10, 0)
    assert await journal_balances(db)


async def test_an_expired_discount_code_is_refused(db: Database, gql: GQL) -> None:
    shop = await make_shop(db)
    async with db.transaction() as s:
        s.add(DiscountCode(code="SPRING", kind="PERCENTAGE", value=1000,
                           ends_at=utcnow() - timedelta(days=1)))
    token = await make_cart(db, shop, {await make_variant(db, shop): 1},
                            discount_code="SPRING")

    payload = await complete(gql, token)

    assert payload["order"] is None
    assert [e["code"] for e in payload["errors"]] == ["DISCOUNT_CODE_EXPIRED"]


async def test_a_malformed_or_unknown_cart_id_is_a_payload_error(db: Database, gql: GQL) -> None:
    for cart, code in ((encode_id("Product", 1), "INVALID"), ("%%%", "INVALID"),
                       (cart_id("no-such-cart"), "NOT_FOUND")):
        body = await gql(COMPLETE, {"input": {"cartId": cart}})
        errors = body["data"]["checkoutComplete"]["errors"]
        assert [(e["code"], e["field"]) for e in errors] == [(code, ["cartId"])]


async def test_completing_a_cart_twice_returns_the_same_order(db: Database, gql: GQL) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=5)
    token = await make_cart(db, shop, {variant: 1})

    first = await complete(gql, token)
    second = await complete(gql, token)

    assert second["errors"] == []
    assert second["order"]["id"] == first["order"]["id"]
    assert second["order"]["token"] == first["order"]["token"]
    assert await _order_count(db) == 1
    assert await stock_of(db, variant) == (5, 1)


async def _post(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    response = await client.post("/graphql", json={
        "query": COMPLETE, "variables": {"input": {"cartId": cart_id(token)}}})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _lowest_available(db: Database, variant: int, done: asyncio.Event) -> int:
    """Watch the stock row while checkouts race; the lowest on hand minus allocated seen."""
    lowest = 10**9
    while not done.is_set():
        async with db.read_engine.connect() as conn:
            value = (await conn.execute(select(func.min(Stock.quantity - Stock.allocated))
                                        .where(Stock.variant_id == variant))).scalar_one()
        lowest = min(lowest, int(value))
        await asyncio.sleep(0.005)
    return lowest


async def test_200_concurrent_http_checkouts_for_50_units_place_exactly_50_orders(
        db: Database, client: httpx.AsyncClient) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=50)
    tokens = [await make_cart(db, shop, {variant: 1}, email=f"c{i}@example.com")
              for i in range(200)]
    done = asyncio.Event()
    watcher = asyncio.create_task(_lowest_available(db, variant, done))

    try:
        bodies = await asyncio.gather(*(_post(client, t) for t in tokens))
    finally:
        done.set()
    lowest = await watcher

    assert all("errors" not in b for b in bodies)  # no top-level (server) errors
    payloads = [b["data"]["checkoutComplete"] for b in bodies]
    placed = [p for p in payloads if p["order"] is not None]
    refused = [p for p in payloads if p["order"] is None]
    assert len(placed) == 50 and len(refused) == 150
    assert len({p["order"]["id"] for p in placed}) == 50
    assert all([(e["code"], e["field"]) for e in p["errors"]]
               == [("INSUFFICIENT_STOCK", ["lines", "0"])] for p in refused)
    assert lowest >= 0
    assert await stock_of(db, variant) == (50, 50)
    assert await open_order_units(db, variant) == 50
    assert await _order_count(db) == 50
    assert await journal_balances(db)


async def test_the_same_cart_completed_ten_times_at_once_places_one_order(
        db: Database, client: httpx.AsyncClient) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=5)
    token = await make_cart(db, shop, {variant: 2})

    bodies = await asyncio.gather(*(_post(client, token) for _ in range(10)))

    assert all("errors" not in b for b in bodies)
    orders = {b["data"]["checkoutComplete"]["order"]["id"] for b in bodies}
    assert len(orders) == 1
    assert all(b["data"]["checkoutComplete"]["errors"] == [] for b in bodies)
    assert await _order_count(db) == 1
    assert await stock_of(db, variant) == (5, 2)


CART_CREATE = """
mutation ($input: CartCreateInput!) {
  cartCreate(input: $input) {
    cart { id availableShippingMethods { id name price { amount } } }
    errors { code field }
  }
}
"""
CART_SHIPPING = """
mutation ($input: CartShippingMethodUpdateInput!) {
  cartShippingMethodUpdate(input: $input) {
    cart { cost { total { amount } } } errors { code field }
  }
}
"""
CART_EMAIL = """
mutation ($input: CartEmailUpdateInput!) {
  cartEmailUpdate(input: $input) { errors { code } }
}
"""
SHIP_TO = {"firstName": "Ann", "lastName": "Lee", "streetAddress1": "1 Main St",
           "city": "Springfield", "postalCode": "62701", "countryCode": "US",
           "countryArea": "IL"}


async def _cart_through_the_api(gql: GQL, variant: int, token: str | None = None
                                ) -> tuple[str, str]:
    created = (await gql(CART_CREATE, {"input": {
        "lines": [{"variantId": encode_id("ProductVariant", variant), "quantity": 2}],
        "email": "walk@example.com", "shippingAddress": SHIP_TO}}, token=token)
    )["data"]["cartCreate"]
    assert created["errors"] == []
    cart = created["cart"]
    [method] = cart["availableShippingMethods"]
    chosen = (await gql(CART_SHIPPING, {"input": {"cartId": cart["id"],
                                                  "shippingMethodId": method["id"]}},
                        token=token))["data"]["cartShippingMethodUpdate"]
    assert chosen["errors"] == []
    return cart["id"], chosen["cart"]["cost"]["total"]["amount"]


async def test_the_whole_guest_flow_through_the_api_and_a_completed_cart_is_frozen(
        db: Database, gql: GQL) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=5, price=1250)
    cart, quoted_total = await _cart_through_the_api(gql, variant)

    body = await gql(COMPLETE, {"input": {"cartId": cart}})
    order = body["data"]["checkoutComplete"]["order"]
    late = await gql(CART_EMAIL, {"input": {"cartId": cart, "email": "x@example.com"}})

    assert order["total"]["amount"] == quoted_total == "30.00"
    assert order["email"] == "walk@example.com"
    read = (await gql(BY_TOKEN, {"token": order["token"]}))["data"]["orderByToken"]
    assert read["number"] == order["number"]
    assert [e["code"] for e in late["data"]["cartEmailUpdate"]["errors"]] == ["CART_COMPLETED"]
    assert await stock_of(db, variant) == (5, 2)


async def test_a_signed_in_customer_finds_the_order_among_their_orders(
        db: Database, gql: GQL) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=5)
    _, token = await user_with_token(db, "walk@example.com")
    cart, _ = await _cart_through_the_api(gql, variant, token)

    placed = (await gql(COMPLETE, {"input": {"cartId": cart}}, token=token)
              )["data"]["checkoutComplete"]["order"]
    mine = (await gql("{ me { orders { nodes { id token } } } }", token=token)
            )["data"]["me"]["orders"]["nodes"]

    assert mine == [{"id": placed["id"], "token": placed["token"]}]
