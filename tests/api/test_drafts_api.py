"""Draft (manual) orders through the GraphQL API: build, price overrides, complete, permissions."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from commerce.accounts.permissions import Permission
from commerce.db.database import Database
from commerce.db.models import Order
from commerce.shared.ids import encode_id
from tests.account_helpers import make_user, user_with_token
from tests.order_factories import make_shop, make_variant, stock_of

pytestmark = pytest.mark.timeout(120)

ADDRESS = {"firstName": "Ann", "lastName": "Lee", "streetAddress1": "1 Main St",
           "city": "Springfield", "postalCode": "62701", "countryCode": "US",
           "countryArea": "IL"}
DRAFT = """id channel email customerNote isCompleted discountCode
  customer { email } createdBy { email } shippingAddress { city }
  lines { id quantity unitPrice { amount } catalogUnitPrice { amount } priceOverrideReason
          total { amount } variant { sku } }
  cost { subtotal { amount } shipping { amount } total { amount } }
  availableShippingMethods { id name price { amount } } shippingMethod { name }
  warnings { lineId code quantityAvailable } discountError { code }
  order { number }"""


def draft_mutation(name: str, errors: str = "code field message") -> str:
    """``<name>(input:)`` returning the whole draft and the errors."""
    type_name = name[0].upper() + name[1:] + "Input"
    return (f"mutation($input: {type_name}!) {{ {name}(input: $input) {{ "
            f"draftOrder {{ {DRAFT} }} errors {{ {errors} }} }} }}")


CREATE = draft_mutation("draftOrderCreate")
UPDATE = draft_mutation("draftOrderUpdate")
LINES_ADD = draft_mutation("draftOrderLinesAdd")
LINES_UPDATE = draft_mutation("draftOrderLinesUpdate")
LINES_REMOVE = draft_mutation("draftOrderLinesRemove", "code field")
DELETE = """mutation($input: DraftOrderDeleteInput!) { draftOrderDelete(input: $input) {
  deletedId errors { code field } } }"""
COMPLETE = """mutation($input: DraftOrderCompleteInput!) { draftOrderComplete(input: $input) {
  order { number channel paymentMethod email customer { email } total { amount }
          lines { sku quantity unitPrice { amount } priceOverrideReason }
          events { type actor { email } } }
  draftOrder { isCompleted order { number } } errors { code field message } } }"""
GET = "query($id: ID!) { draftOrder(id: $id) { " + DRAFT + " } }"
LIST = """query($first: Int, $after: String) { draftOrders(first: $first, after: $after) {
  nodes { id email } pageInfo { hasNextPage endCursor } } }"""


async def clerk(db: Database, *permissions: Permission) -> str:
    _, token = await user_with_token(db, "clerk@example.com",
                                     permissions=permissions or [Permission.MANAGE_ORDERS])
    return token


def gid(type_name: str, pk: int) -> str:
    return encode_id(type_name, pk)


async def create(gql: Any, token: str, **fields: Any) -> dict[str, Any]:
    body = await gql(CREATE, {"input": {"channel": "PHONE", **fields}}, token=token)
    payload: dict[str, Any] = body["data"]["draftOrderCreate"]
    return payload


async def test_staff_take_a_phone_order_with_a_price_override_and_complete_it(
        db: Database, gql: Any) -> None:
    token = await clerk(db)
    shop = await make_shop(db)
    mug = await make_variant(db, shop, price=1200, stock=5, sku="MUG")
    cap = await make_variant(db, shop, price=800, stock=5, sku="CAP")
    ann = await make_user(db, "ann@example.com")

    created = await create(gql, token, customerId=gid("Customer", ann),
                           shippingAddress=ADDRESS, customerNote="Leave at the door",
                           lines=[{"variantId": gid("ProductVariant", mug), "quantity": 2,
                                   "unitPrice": "9.99", "priceOverrideReason": "Price match"},
                                  {"variantId": gid("ProductVariant", cap)}])
    assert created["errors"] == []
    draft = created["draftOrder"]
    assert (draft["channel"], draft["email"], draft["customer"], draft["createdBy"]) == (
        "PHONE", "ann@example.com", {"email": "ann@example.com"},
        {"email": "clerk@example.com"})
    assert [(x["variant"]["sku"], x["quantity"], x["unitPrice"]["amount"],
             x["catalogUnitPrice"]["amount"], x["priceOverrideReason"], x["total"]["amount"])
            for x in draft["lines"]] == [("MUG", 2, "9.99", "12.00", "Price match", "19.98"),
                                         ("CAP", 1, "8.00", "8.00", None, "8.00")]
    assert draft["cost"]["subtotal"] == {"amount": "27.98"}
    assert draft["shippingMethod"] is None and draft["warnings"] == []
    method = draft["availableShippingMethods"][0]
    assert (method["id"], method["price"]) == (gid("ShippingMethod", shop.method_id),
                                               {"amount": "5.00"})

    updated = (await gql(UPDATE, {"input": {"id": draft["id"], "shippingMethodId": method["id"]}},
                         token=token))["data"]["draftOrderUpdate"]
    assert updated["errors"] == [] and updated["draftOrder"]["shippingMethod"] == {
        "name": "Standard"}
    assert updated["draftOrder"]["cost"]["total"] == {"amount": "32.98"}
    assert updated["draftOrder"]["customerNote"] == "Leave at the door"  # left out: kept

    completed = (await gql(COMPLETE, {"input": {"id": draft["id"],
                                                "paymentMethod": "CASH_ON_DELIVERY"}},
                           token=token))["data"]["draftOrderComplete"]
    assert completed["errors"] == []
    order = completed["order"]
    assert (order["channel"], order["paymentMethod"], order["email"], order["customer"],
            order["total"]) == ("PHONE", "CASH_ON_DELIVERY", "ann@example.com",
                                {"email": "ann@example.com"}, {"amount": "32.98"})
    assert order["lines"] == [
        {"sku": "MUG", "quantity": 2, "unitPrice": {"amount": "9.99"},
         "priceOverrideReason": "Price match"},
        {"sku": "CAP", "quantity": 1, "unitPrice": {"amount": "8.00"},
         "priceOverrideReason": None}]
    assert order["events"][0] == {"type": "PLACED", "actor": {"email": "clerk@example.com"}}
    assert completed["draftOrder"] == {"isCompleted": True, "order": {"number": order["number"]}}
    assert await stock_of(db, mug) == (5, 2)

    again = (await gql(COMPLETE, {"input": {"id": draft["id"], "paymentMethod": "BANK_TRANSFER"}},
                       token=token))["data"]["draftOrderComplete"]
    # A retry (say, after a lost answer) returns the same order, as checkout does.
    assert again["errors"] == []
    assert (again["order"]["number"], again["order"]["paymentMethod"]) == (
        order["number"], "CASH_ON_DELIVERY")
    assert await stock_of(db, mug) == (5, 2)
    frozen = (await gql(LINES_ADD, {"input": {"id": draft["id"], "lines": [
        {"variantId": gid("ProductVariant", cap)}]}}, token=token))["data"]
    assert frozen["draftOrderLinesAdd"]["errors"][0]["code"] == "CART_COMPLETED"
    # The completed draft stays readable, but leaves the list of open drafts.
    shown = (await gql(GET, {"id": draft["id"]}, token=token))["data"]["draftOrder"]
    assert shown["isCompleted"] is True and shown["order"] == {"number": order["number"]}
    assert (await gql(LIST, token=token))["data"]["draftOrders"]["nodes"] == []


async def test_bad_input_is_reported_field_by_field(db: Database, gql: Any) -> None:
    token = await clerk(db)
    shop = await make_shop(db)
    mug = await make_variant(db, shop)
    result = await create(gql, token, channel="WEB", customerId="bogus", lines=[
        {"variantId": gid("ProductVariant", mug), "unitPrice": "1.234",
         "priceOverrideReason": "x"},
        {"variantId": gid("ProductVariant", mug), "unitPrice": "5.00"},
        {"variantId": gid("Product", mug)}])
    # IDs and amounts are decoded first; all of their problems come back together.
    assert [(e["code"], e["field"]) for e in result["errors"]] == [
        ("INVALID", ["customerId"]), ("INVALID", ["lines", "0", "unitPrice"]),
        ("INVALID", ["lines", "2", "variantId"])]
    result = await create(gql, token, channel="WEB", lines=[
        {"variantId": gid("ProductVariant", mug), "unitPrice": "5.00"},
        {"variantId": gid("ProductVariant", mug), "quantity": 0}])
    assert [(e["code"], e["field"]) for e in result["errors"]] == [
        ("INVALID", ["channel"]), ("INVALID", ["lines", "1", "quantity"]),
        ("REQUIRED", ["lines", "0", "priceOverrideReason"])]
    assert result["draftOrder"] is None


async def test_lines_are_repriced_and_removed_and_header_fields_cleared_with_null(
        db: Database, gql: Any) -> None:
    token = await clerk(db)
    shop = await make_shop(db)
    mug = await make_variant(db, shop, price=1200, sku="MUG")
    cap = await make_variant(db, shop, price=800, sku="CAP")
    ann = await make_user(db, "ann@example.com")
    draft = (await create(gql, token, customerId=gid("User", ann), email="orders@ann.test",
                          lines=[{"variantId": gid("ProductVariant", mug)}]))["draftOrder"]
    assert draft["email"] == "orders@ann.test"  # given, so not the customer's

    added = (await gql(LINES_ADD, {"input": {"id": draft["id"], "lines": [
        {"variantId": gid("ProductVariant", mug), "quantity": 2},
        {"variantId": gid("ProductVariant", cap), "unitPrice": "0",
         "priceOverrideReason": "Free sample"}]}}, token=token))["data"]["draftOrderLinesAdd"]
    lines = added["draftOrder"]["lines"]
    assert [(x["variant"]["sku"], x["quantity"], x["unitPrice"]["amount"]) for x in lines] == [
        ("MUG", 3, "12.00"), ("CAP", 1, "0.00")]

    changed = (await gql(LINES_UPDATE, {"input": {"id": draft["id"], "lines": [
        {"lineId": lines[0]["id"], "unitPrice": "10", "priceOverrideReason": "Bulk"},
        {"lineId": lines[1]["id"], "unitPrice": None}]}},
        token=token))["data"]["draftOrderLinesUpdate"]
    assert changed["errors"] == []
    assert [(x["unitPrice"]["amount"], x["priceOverrideReason"])
            for x in changed["draftOrder"]["lines"]] == [("10.00", "Bulk"), ("8.00", None)]

    removed = (await gql(LINES_REMOVE, {"input": {"id": draft["id"],
                                                  "lineIds": [lines[1]["id"]]}},
                         token=token))["data"]["draftOrderLinesRemove"]
    assert [x["variant"]["sku"] for x in removed["draftOrder"]["lines"]] == ["MUG"]

    cleared = (await gql(UPDATE, {"input": {"id": draft["id"], "customerId": None,
                                            "email": None}}, token=token))["data"]
    assert cleared["draftOrderUpdate"]["draftOrder"]["customer"] is None
    assert cleared["draftOrderUpdate"]["draftOrder"]["email"] is None

    deleted = (await gql(DELETE, {"input": {"id": draft["id"]}}, token=token))["data"]
    assert deleted["draftOrderDelete"] == {"deletedId": draft["id"], "errors": []}
    assert (await gql(GET, {"id": draft["id"]}, token=token))["data"]["draftOrder"] is None


async def test_a_draft_short_of_stock_warns_and_cannot_be_completed(db: Database,
                                                                   gql: Any) -> None:
    token = await clerk(db)
    shop = await make_shop(db)
    mug = await make_variant(db, shop, stock=1)
    draft = (await create(gql, token, email="buyer@example.com", shippingAddress=ADDRESS,
                          shippingMethodId=gid("ShippingMethod", shop.method_id),
                          lines=[{"variantId": gid("ProductVariant", mug), "quantity": 3}]
                          ))["draftOrder"]
    assert draft["warnings"] == [{"lineId": draft["lines"][0]["id"],
                                  "code": "INSUFFICIENT_STOCK", "quantityAvailable": 1}]
    refused = (await gql(COMPLETE, {"input": {"id": draft["id"],
                                              "paymentMethod": "BANK_TRANSFER"}},
                         token=token))["data"]["draftOrderComplete"]
    assert refused["order"] is None
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [
        ("INSUFFICIENT_STOCK", ["lines", "0"])]
    assert await stock_of(db, mug) == (1, 0)


async def test_completing_a_draft_concurrently_makes_one_order(db: Database, gql: Any) -> None:
    token = await clerk(db)
    shop = await make_shop(db)
    mug = await make_variant(db, shop, stock=10)
    draft = (await create(gql, token, email="buyer@example.com", shippingAddress=ADDRESS,
                          shippingMethodId=gid("ShippingMethod", shop.method_id),
                          lines=[{"variantId": gid("ProductVariant", mug), "quantity": 2}]
                          ))["draftOrder"]
    results = await asyncio.gather(*(
        gql(COMPLETE, {"input": {"id": draft["id"], "paymentMethod": "BANK_TRANSFER"}},
            token=token) for _ in range(6)))
    payloads = [r["data"]["draftOrderComplete"] for r in results]
    assert all(p["errors"] == [] for p in payloads)
    assert len({p["order"]["number"] for p in payloads}) == 1
    async with db.transaction() as s:
        assert (await s.execute(select(func.count()).select_from(Order))).scalar_one() == 1
    assert await stock_of(db, mug) == (10, 2)


async def test_draft_orders_page_newest_first(db: Database, gql: Any) -> None:
    token = await clerk(db)
    for i in range(3):
        await create(gql, token, email=f"d{i}@example.com")
    first = (await gql(LIST, {"first": 2}, token=token))["data"]["draftOrders"]
    assert [n["email"] for n in first["nodes"]] == ["d2@example.com", "d1@example.com"]
    rest = (await gql(LIST, {"first": 2, "after": first["pageInfo"]["endCursor"]},
                      token=token))["data"]["draftOrders"]
    assert [n["email"] for n in rest["nodes"]] == ["d0@example.com"]
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_draft_orders_need_manage_orders(db: Database, gql: Any) -> None:
    token = await clerk(db)
    other = (await user_with_token(db, "support@example.com",
                                   permissions=[Permission.MANAGE_CUSTOMERS]))[1]
    customer = (await user_with_token(db, "ann@example.com"))[1]
    draft_id = (await create(gql, token, email="buyer@example.com"))["draftOrder"]["id"]
    documents = [
        (CREATE, {"input": {"channel": "PHONE"}}),
        (UPDATE, {"input": {"id": draft_id, "email": "x@example.com"}}),
        (LINES_ADD, {"input": {"id": draft_id, "lines": []}}),
        (LINES_UPDATE, {"input": {"id": draft_id, "lines": []}}),
        (LINES_REMOVE, {"input": {"id": draft_id, "lineIds": []}}),
        (DELETE, {"input": {"id": draft_id}}),
        (COMPLETE, {"input": {"id": draft_id, "paymentMethod": "BANK_TRANSFER"}}),
        (GET, {"id": draft_id}),
        (LIST, {}),
    ]
    for document, variables in documents:
        for who, code in ((None, "UNAUTHENTICATED"), (customer, "FORBIDDEN"),
                          (other, "FORBIDDEN")):
            body = await gql(document, variables, token=who, expect_errors=True)
            assert body["errors"][0]["extensions"]["code"] == code, (document, code)
    node = "query($id: ID!) { node(id: $id) { ... on DraftOrder { email } } }"
    assert (await gql(node, {"id": draft_id}, token=other))["data"]["node"] is None
    assert (await gql(node, {"id": draft_id}, token=token))["data"]["node"] == {
        "email": "buyer@example.com"}
    assert (await gql(GET, {"id": draft_id}, token=token))["data"]["draftOrder"]["email"] == \
        "buyer@example.com"  # nothing above changed it


async def test_a_draft_costs_the_same_statements_with_2_or_12_lines(
        db: Database, gql: Any, count_statements: Callable[[], Any]) -> None:
    token = await clerk(db)
    shop = await make_shop(db)
    variants = [await make_variant(db, shop) for _ in range(12)]

    async def statements(n: int) -> int:
        draft = (await create(gql, token, email="b@example.com", shippingAddress=ADDRESS,
                              shippingMethodId=gid("ShippingMethod", shop.method_id),
                              lines=[{"variantId": gid("ProductVariant", v)}
                                     for v in variants[:n]]))["draftOrder"]
        with count_statements() as counter:
            body = await gql(GET, {"id": draft["id"]}, token=token)
        assert len(body["data"]["draftOrder"]["lines"]) == n
        return int(counter.count)

    small, large = await statements(2), await statements(12)
    assert small == large
    assert small <= 8  # viewer, draft, quote (lines, methods, tax), variants, users
