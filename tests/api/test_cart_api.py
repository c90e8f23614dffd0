"""The cart through HTTP: a guest's whole walk from an empty cart to a priced one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from commerce.checkout.service import complete_checkout
from commerce.db.database import Database
from commerce.db.models import TaxRate
from commerce.settings import Settings
from commerce.shared.clock import utcnow
from commerce.shared.ids import decode_id, encode_id
from tests.account_helpers import user_with_token
from tests.cart_factories import (
    add_code,
    add_method,
    cart_row,
    set_product_status,
    set_stock,
)
from tests.order_factories import Shop, make_shop, make_variant

GQL = Any

CART = """
  id email channel discountCode isCompleted completedAt
  attribution { utmSource utmCampaign partnerCode }
  shippingAddress { firstName city postalCode countryCode countryName }
  billingAddress { city }
  lines { id quantity variant { id sku product { name } }
          unitPrice { amount currency } subtotal { amount } discount { amount }
          tax { amount } total { amount } }
  availableShippingMethods { id name description price { amount } minDeliveryDays
                             maxDeliveryDays }
  shippingMethod { id name price { amount } }
  cost { subtotal { amount } discount { amount } shipping { amount }
         shippingDiscount { amount } tax { amount } total { amount currency }
         pricesIncludeTax }
  warnings { lineId code message quantityAvailable }
  discountError { code message }
"""


def mutation(name: str) -> str:
    type_name = name[0].upper() + name[1:]
    return (f"mutation($input: {type_name}Input!) {{ {name}(input: $input) {{ "
            f"cart {{ {CART} }} errors {{ code field message }} }} }}")


CART_QUERY = f"query($id: ID!) {{ cart(id: $id) {{ {CART} }} }}"

US_ADDRESS = {"firstName": "Ann", "lastName": "Lee", "streetAddress1": "1 Main St",
              "city": "Springfield", "postalCode": "62701", "countryCode": "US",
              "countryArea": "IL"}


@pytest.fixture
async def shop(db: Database) -> Shop:
    return await make_shop(db, tax_bp=825)  # "Standard", 5.00, US; 8.25 % tax on all


def gid(type_name: str, pk: int | str) -> str:
    return encode_id(type_name, pk)


async def call(gql: GQL, name: str, input: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    body = await gql(mutation(name), {"input": input}, **kwargs)
    payload: dict[str, Any] = body["data"][name]
    return payload


async def ok(gql: GQL, name: str, input: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    payload = await call(gql, name, input, **kwargs)
    assert payload["errors"] == [], payload["errors"]
    cart: dict[str, Any] = payload["cart"]
    return cart


def amount(money: dict[str, str]) -> Decimal:
    return Decimal(money["amount"])


async def test_a_guest_fills_a_cart_chooses_shipping_and_applies_a_code(
        db: Database, gql: GQL, shop: Shop) -> None:
    mug = await make_variant(db, shop, price=1000, sku="MUG")
    tee = await make_variant(db, shop, price=2500, sku="TEE")
    express = await add_method(db, name="Express", price=1500, min_days=1, max_days=1,
                               description="Next day")
    await add_method(db, name="Royal Mail", price=300, countries=["GB"])
    await add_code(db, "SAVE10", value=1000)
    await add_code(db, "OLD", ends_at=utcnow() - timedelta(days=1))
    await add_code(db, "BIG", min_subtotal=100_000)

    cart = await ok(gql, "cartCreate", {
        "lines": [{"variantId": gid("ProductVariant", mug), "quantity": 1}],
        "email": "guest@example.com", "channel": "MOBILE",
        "attribution": {"utmSource": "newsletter", "utmCampaign": "spring"}})
    cart_id = cart["id"]
    assert decode_id(cart_id)[0] == "Cart"
    assert cart["email"] == "guest@example.com" and cart["channel"] == "MOBILE"
    assert cart["attribution"] == {"utmSource": "newsletter", "utmCampaign": "spring",
                                   "partnerCode": ""}
    assert [(line["variant"]["sku"], line["quantity"]) for line in cart["lines"]] == [("MUG", 1)]
    assert cart["availableShippingMethods"] == [] and cart["shippingMethod"] is None

    cart = await ok(gql, "cartLinesAdd", {"cartId": cart_id, "lines": [
        {"variantId": gid("ProductVariant", tee), "quantity": 2},
        {"variantId": gid("ProductVariant", mug), "quantity": 1}]})
    assert [(line["variant"]["sku"], line["quantity"]) for line in cart["lines"]] == [
        ("MUG", 2), ("TEE", 2)]
    tee_line = cart["lines"][1]["id"]

    cart = await ok(gql, "cartLinesUpdate", {"cartId": cart_id, "lines": [
        {"id": tee_line, "quantity": 1}]})
    assert cart["cost"]["subtotal"] == {"amount": "45.00"}  # 2 x 10.00 + 25.00

    cart = await ok(gql, "cartShippingAddressUpdate", {"cartId": cart_id,
                                                       "shippingAddress": US_ADDRESS})
    assert cart["shippingAddress"] == {"firstName": "Ann", "city": "Springfield",
                                       "postalCode": "62701", "countryCode": "US",
                                       "countryName": "United States"}
    assert cart["availableShippingMethods"] == [
        {"id": gid("ShippingMethod", shop.method_id), "name": "Standard", "description": "",
         "price": {"amount": "5.00"}, "minDeliveryDays": 2, "maxDeliveryDays": 5},
        {"id": gid("ShippingMethod", express), "name": "Express", "description": "Next day",
         "price": {"amount": "15.00"}, "minDeliveryDays": 1, "maxDeliveryDays": 1},
    ]

    cart = await ok(gql, "cartShippingMethodUpdate", {
        "cartId": cart_id, "shippingMethodId": gid("ShippingMethod", express)})
    assert cart["shippingMethod"] == {"id": gid("ShippingMethod", express), "name": "Express",
                                      "price": {"amount": "15.00"}}

    for code, error in (("old", "DISCOUNT_CODE_EXPIRED"), ("BIG", "DISCOUNT_CODE_MIN_SUBTOTAL"),
                        ("NOPE", "DISCOUNT_CODE_INVALID")):
        payload = await call(gql, "cartDiscountCodesUpdate", {"cartId": cart_id,
                                                              "codes": [code]})
        assert payload["cart"] is None
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [(error, ["codes", "0"])]

    cart = await ok(gql, "cartDiscountCodesUpdate", {"cartId": cart_id, "codes": ["save10"]})
    assert cart["discountCode"] == "SAVE10" and cart["discountError"] is None
    cost = cart["cost"]
    # 45.00 - 4.50 = 40.50 of goods + 15.00 shipping, taxed at 8.25 %: 4.578... -> 4.58
    assert {k: v["amount"] for k, v in cost.items() if isinstance(v, dict)} == {
        "subtotal": "45.00", "discount": "4.50", "shipping": "15.00",
        "shippingDiscount": "0.00", "tax": "4.58", "total": "60.08"}
    assert cost["total"]["currency"] == "USD" and cost["pricesIncludeTax"] is False
    assert amount(cost["subtotal"]) - amount(cost["discount"]) + amount(cost["shipping"]) + \
        amount(cost["tax"]) == amount(cost["total"])
    lines = cart["lines"]
    assert sum(amount(line["subtotal"]) for line in lines) == amount(cost["subtotal"])
    assert sum(amount(line["discount"]) for line in lines) == amount(cost["discount"])
    for line in lines:
        assert amount(line["total"]) == amount(line["subtotal"]) - amount(line["discount"]) + \
            amount(line["tax"])
    assert cart["warnings"] == []

    cart = await ok(gql, "cartDiscountCodesUpdate", {"cartId": cart_id, "codes": []})
    assert cart["discountCode"] is None and cart["cost"]["discount"] == {"amount": "0.00"}

    read = (await gql(CART_QUERY, {"id": cart_id}))["data"]["cart"]
    assert read == cart


async def test_a_code_that_stops_applying_stays_on_the_cart_and_says_why(
        db: Database, gql: GQL, shop: Shop) -> None:
    mug = await make_variant(db, shop, price=1000)
    await add_code(db, "TEN", kind="FIXED_AMOUNT", value=500, min_subtotal=2000)
    cart = await ok(gql, "cartCreate", {"lines": [
        {"variantId": gid("ProductVariant", mug), "quantity": 2}]})
    cart = await ok(gql, "cartDiscountCodesUpdate", {"cartId": cart["id"], "codes": ["TEN"]})
    assert cart["cost"]["discount"] == {"amount": "5.00"}

    cart = await ok(gql, "cartLinesUpdate", {"cartId": cart["id"], "lines": [
        {"id": cart["lines"][0]["id"], "quantity": 1}]})

    assert cart["discountCode"] == "TEN"
    assert cart["discountError"]["code"] == "DISCOUNT_CODE_MIN_SUBTOTAL"
    assert cart["cost"]["discount"] == {"amount": "0.00"}


async def test_the_cart_warns_when_stock_drops_after_adding_but_still_shows(
        db: Database, gql: GQL, shop: Shop) -> None:
    a = await make_variant(db, shop, stock=10)
    b = await make_variant(db, shop, stock=10)
    c = await make_variant(db, shop, stock=10)
    cart = await ok(gql, "cartCreate", {"lines": [
        {"variantId": gid("ProductVariant", v), "quantity": 3} for v in (a, b, c)]})
    assert cart["warnings"] == []

    await set_stock(db, a, 2)
    await set_stock(db, b, 0)
    await set_product_status(db, c, "ARCHIVED")
    read = (await gql(CART_QUERY, {"id": cart["id"]}))["data"]["cart"]

    line_ids = [line["id"] for line in cart["lines"]]
    assert [(w["lineId"], w["code"], w["quantityAvailable"]) for w in read["warnings"]] == [
        (line_ids[0], "INSUFFICIENT_STOCK", 2), (line_ids[1], "OUT_OF_STOCK", 0),
        (line_ids[2], "PRODUCT_UNAVAILABLE", 0)]
    assert "only 2" in read["warnings"][0]["message"]
    assert [line["quantity"] for line in read["lines"]] == [3, 3, 3]


async def test_adding_more_than_is_in_stock_is_allowed_but_not_a_product_off_sale(
        db: Database, gql: GQL, shop: Shop) -> None:
    scarce = await make_variant(db, shop, stock=1)
    draft = await make_variant(db, shop)
    await set_product_status(db, draft, "DRAFT")
    cart = await ok(gql, "cartCreate", {"lines": [
        {"variantId": gid("ProductVariant", scarce), "quantity": 5}]})
    assert [w["code"] for w in cart["warnings"]] == ["INSUFFICIENT_STOCK"]

    payload = await call(gql, "cartLinesAdd", {"cartId": cart["id"], "lines": [
        {"variantId": gid("ProductVariant", draft), "quantity": 1}]})

    # Off sale is out of sight: the same answer as a variant that does not exist, so an
    # unlaunched product's name does not leak through the error (it did before).
    assert [(e["code"], e["field"], e["message"]) for e in payload["errors"]] == [
        ("NOT_FOUND", ["lines", "0", "variantId"], "no such product variant")]


async def test_invalid_input_is_reported_with_the_path_of_each_field(
        db: Database, gql: GQL, shop: Shop) -> None:
    mug = await make_variant(db, shop)

    payload = await call(gql, "cartCreate", {
        "lines": [{"variantId": gid("ProductVariant", mug), "quantity": 0},
                  {"variantId": gid("ProductVariant", mug), "quantity": 1000},
                  {"variantId": gid("ProductVariant", 424242), "quantity": 1}],
        "email": "nope", "shippingAddress": {**US_ADDRESS, "postalCode": "", "city": ""}})
    bad_id = await call(gql, "cartCreate", {"lines": [{"variantId": "garbage", "quantity": 1},
                                                      {"variantId": gid("Product", 1)}]})

    assert payload["cart"] is None
    assert sorted((e["code"], e["field"]) for e in payload["errors"]) == sorted([
        ("INVALID", ["lines", "0", "quantity"]), ("INVALID", ["lines", "1", "quantity"]),
        ("NOT_FOUND", ["lines", "2", "variantId"]), ("INVALID", ["email"]),
        ("REQUIRED", ["shippingAddress", "city"]),
        ("REQUIRED", ["shippingAddress", "postalCode"])])
    assert [(e["code"], e["field"]) for e in bad_id["errors"]] == [
        ("INVALID", ["lines", "0", "variantId"]), ("INVALID", ["lines", "1", "variantId"])]


async def test_unknown_or_garbled_cart_ids_find_nothing(db: Database, gql: GQL) -> None:
    unknown = gid("Cart", "no-such-token")
    for cart_id in (unknown, "garbage", gid("Product", 1), gid("Cart", "x" * 65)):
        assert (await gql(CART_QUERY, {"id": cart_id}))["data"]["cart"] is None

    missing = await call(gql, "cartEmailUpdate", {"cartId": unknown, "email": "a@example.com"})
    garbled = await call(gql, "cartLinesRemove", {"cartId": "garbage", "lineIds": ["x"]})

    assert [(e["code"], e["field"]) for e in missing["errors"]] == [("NOT_FOUND", ["cartId"])]
    assert [(e["code"], e["field"]) for e in garbled["errors"]] == [
        ("INVALID", ["cartId"]), ("INVALID", ["lineIds", "0"])]


async def test_a_completed_cart_is_readable_but_refuses_changes(
        db: Database, gql: GQL, shop: Shop, settings: Settings) -> None:
    mug = await make_variant(db, shop)
    cart = await ok(gql, "cartCreate", {
        "lines": [{"variantId": gid("ProductVariant", mug), "quantity": 1}],
        "email": "a@example.com", "shippingAddress": US_ADDRESS})
    await ok(gql, "cartShippingMethodUpdate", {
        "cartId": cart["id"], "shippingMethodId": gid("ShippingMethod", shop.method_id)})
    await complete_checkout(db, decode_id(cart["id"])[1], settings=settings)

    refused = [
        await call(gql, "cartLinesAdd", {"cartId": cart["id"], "lines": [
            {"variantId": gid("ProductVariant", mug), "quantity": 1}]}),
        await call(gql, "cartLinesRemove", {"cartId": cart["id"],
                                            "lineIds": [cart["lines"][0]["id"]]}),
        await call(gql, "cartBillingAddressUpdate", {"cartId": cart["id"],
                                                     "billingAddress": US_ADDRESS}),
        await call(gql, "cartDiscountCodesUpdate", {"cartId": cart["id"], "codes": []}),
    ]
    read = (await gql(CART_QUERY, {"id": cart["id"]}))["data"]["cart"]

    for payload in refused:
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [
            ("CART_COMPLETED", ["cartId"])]
    assert read["isCompleted"] is True and read["completedAt"] is not None
    assert [line["quantity"] for line in read["lines"]] == [1]


async def test_a_signed_in_customers_cart_gets_their_email(
        db: Database, gql: GQL, shop: Shop) -> None:
    user_id, token = await user_with_token(db, "cus@example.com")

    cart = await ok(gql, "cartCreate", {}, token=token)

    assert cart["email"] == "cus@example.com"
    assert (await cart_row(db, decode_id(cart["id"])[1])).user_id == user_id


async def test_a_cart_costs_the_same_statements_with_2_lines_or_20(
        db: Database, gql: GQL, shop: Shop, count_statements: Callable[[], Any]) -> None:
    variants = [await make_variant(db, shop) for _ in range(20)]
    await add_code(db, "SAVE10")
    counts = []
    for size in (2, 20):
        cart = await ok(gql, "cartCreate", {
            "lines": [{"variantId": gid("ProductVariant", v), "quantity": 1}
                      for v in variants[:size]],
            "email": "a@example.com", "shippingAddress": US_ADDRESS})
        await ok(gql, "cartShippingMethodUpdate", {
            "cartId": cart["id"], "shippingMethodId": gid("ShippingMethod", shop.method_id)})
        await ok(gql, "cartDiscountCodesUpdate", {"cartId": cart["id"], "codes": ["SAVE10"]})
        with count_statements() as counter:
            read = (await gql(CART_QUERY, {"id": cart["id"]}))["data"]["cart"]
        assert len(read["lines"]) == size
        counts.append(counter.count)

    assert counts[0] == counts[1]
    # cart, lines, discount code, shipping methods, tax rate, variants, products
    assert counts[0] <= 7


async def test_a_state_pays_its_rate_however_written_and_an_unknown_one_is_refused(
        db: Database, gql: GQL, shop: Shop) -> None:
    mug = await make_variant(db, shop, price=10_000)
    async with db.transaction() as s:
        s.add(TaxRate(country_code="US", country_area="CA", rate_bp=725))
    cart_id = (await ok(gql, "cartCreate", {
        "lines": [{"variantId": gid("ProductVariant", mug), "quantity": 1}]}))["id"]
    california = {**US_ADDRESS, "city": "San Francisco", "postalCode": "94102",
                  "countryArea": "California"}

    cart = await ok(gql, "cartShippingAddressUpdate", {"cartId": cart_id,
                                                       "shippingAddress": california})
    made_up = await call(gql, "cartShippingAddressUpdate", {
        "cartId": cart_id, "shippingAddress": {**california, "countryArea": "XX"}})

    assert cart["cost"]["tax"] == {"amount": "7.25"}  # California's rate, not the US's 8.25 %
    assert made_up["cart"] is None
    assert [(e["code"], e["field"]) for e in made_up["errors"]] == [
        ("INVALID", ["shippingAddress", "countryArea"])]
