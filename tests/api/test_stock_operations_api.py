"""Staff stock operations through HTTP: stockSet (compare-and-set), stockAdjust, the
movements journal and the low-stock report (MANAGE_INVENTORY)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text

from commerce.accounts.permissions import Permission
from commerce.checkout.service import complete_checkout
from commerce.db.database import Database
from commerce.inventory import service
from commerce.settings import Settings
from commerce.shared.ids import encode_id
from tests.account_helpers import user_with_token
from tests.factories import create_customer, create_staff
from tests.order_factories import Shop, make_cart, make_shop, make_variant

GQL = Any

SET = """mutation($input: StockSetInput!) { stockSet(input: $input) {
  stock { quantity allocated available } productVariant { quantityAvailable }
  errors { code field message } } }"""
ADJUST = """mutation($input: StockAdjustInput!) { stockAdjust(input: $input) {
  stock { quantity allocated } errors { code field message } } }"""
MOVEMENTS = """query($first: Int, $after: String, $filter: StockMovementFilter) {
  stockMovements(first: $first, after: $after, filter: $filter) {
    pageInfo { hasNextPage endCursor }
    nodes { reason quantityDelta allocatedDelta quantityAfter allocatedAfter note orderId
            variant { sku } warehouse { code } actor { email } order { number } } } }"""
LOW = """query($first: Int, $threshold: Int) { lowStockVariants(first: $first,
  threshold: $threshold) { nodes { sku quantityAvailable lowStockThreshold } } }"""
VARIANT_UPDATE = """mutation($input: ProductVariantUpdateInput!) {
  productVariantUpdate(input: $input) {
    productVariant { allowBackorder lowStockThreshold } errors { code field } } }"""


def _target(shop: Shop, variant: int, warehouse: int = 0) -> dict[str, str]:
    return {"variantId": encode_id("ProductVariant", variant),
            "warehouseId": encode_id("Warehouse", shop.warehouse_ids[warehouse])}


@pytest.fixture
async def stocker(db: Database) -> tuple[int, str]:
    return await user_with_token(db, "stocker@example.com",
                                 permissions=[Permission.MANAGE_INVENTORY])


async def test_stock_set_with_a_stale_expected_quantity_changes_nothing(
        db: Database, gql: GQL, stocker: tuple[int, str]) -> None:
    _, token = stocker
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=[])
    body = await gql(SET, {"input": {**_target(shop, variant), "quantity": 8,
                                     "expectedQuantity": 0}}, token=token)
    assert body["data"]["stockSet"]["stock"] == {"quantity": 8, "allocated": 0, "available": 8}
    body = await gql(SET, {"input": {**_target(shop, variant), "quantity": 5,
                                     "expectedQuantity": 10}}, token=token)
    payload = body["data"]["stockSet"]
    assert payload["stock"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == \
        [("STOCK_CHANGED", ["expectedQuantity"])]
    assert "now 8" in payload["errors"][0]["message"]
    body = await gql(SET, {"input": {**_target(shop, variant), "quantity": 5}}, token=token)
    assert body["data"]["stockSet"]["productVariant"] == {"quantityAvailable": 5}


async def test_stock_adjust_adds_removes_and_refuses_to_take_allocated_units(
        db: Database, gql: GQL, stocker: tuple[int, str], settings: Settings) -> None:
    _, token = stocker
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=[])
    await service.stock_set(db, variant, shop.warehouse_ids[0], 6)
    await complete_checkout(db, await make_cart(db, shop, {variant: 4}), settings=settings)
    body = await gql(ADJUST, {"input": {**_target(shop, variant), "delta": -3,
                                        "reason": "Water damage"}}, token=token)
    payload = body["data"]["stockAdjust"]
    assert payload["stock"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == \
        [("INSUFFICIENT_STOCK", ["delta"])]
    body = await gql(ADJUST, {"input": {**_target(shop, variant), "delta": -2,
                                        "reason": "Water damage"}}, token=token)
    assert body["data"]["stockAdjust"] == {"stock": {"quantity": 4, "allocated": 4},
                                           "errors": []}
    body = await gql(ADJUST, {"input": {**_target(shop, variant), "delta": 0, "reason": ""}},
                     token=token)
    assert {tuple(e["field"]) for e in body["data"]["stockAdjust"]["errors"]} == \
        {("delta",), ("reason",)}
    body = await gql(ADJUST, {"input": {"variantId": "bad", "warehouseId": "bad", "delta": 1,
                                        "reason": "x"}}, token=token)
    assert {tuple(e["field"]) for e in body["data"]["stockAdjust"]["errors"]} == \
        {("variantId",), ("warehouseId",)}


async def test_twenty_concurrent_adjust_requests_leave_exactly_the_allocated_units(
        db: Database, gql: GQL, stocker: tuple[int, str], settings: Settings) -> None:
    _, token = stocker
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=[])
    await service.stock_set(db, variant, shop.warehouse_ids[0], 10)
    await complete_checkout(db, await make_cart(db, shop, {variant: 5}), settings=settings)
    bodies = await asyncio.gather(*(
        gql(ADJUST, {"input": {**_target(shop, variant), "delta": -1, "reason": "Count"}},
            token=token) for _ in range(20)))
    payloads = [b["data"]["stockAdjust"] for b in bodies]
    assert sum(p["errors"] == [] for p in payloads) == 5
    assert sum(p["errors"][:1] == [{"code": "INSUFFICIENT_STOCK", "field": ["delta"],
                                     "message": p["errors"][0]["message"]}]
               for p in payloads if p["errors"]) == 15
    moves = (await gql(MOVEMENTS, {"first": 100}, token=token))["data"]["stockMovements"]
    nodes = moves["nodes"]
    assert sum(n["quantityDelta"] for n in nodes) == 5
    assert sum(n["allocatedDelta"] for n in nodes) == 5
    assert (nodes[0]["quantityAfter"], nodes[0]["allocatedAfter"]) == (5, 5)


async def test_movements_show_who_why_and_which_order_newest_first(
        db: Database, gql: GQL, stocker: tuple[int, str], settings: Settings) -> None:
    _, token = stocker
    shop = await make_shop(db, warehouses=2)
    variant = await make_variant(db, shop, stock=[], sku="MUG-1")
    await gql(SET, {"input": {**_target(shop, variant), "quantity": 10}}, token=token)
    placed = await complete_checkout(db, await make_cart(db, shop, {variant: 3}),
                                     settings=settings)
    await gql(ADJUST, {"input": {**_target(shop, variant, 1), "delta": 2, "reason": "Found"}},
              token=token)
    body = await gql(MOVEMENTS, {"first": 10}, token=token)
    nodes = body["data"]["stockMovements"]["nodes"]
    order_id = encode_id("Order", placed.order_id)
    assert [(n["reason"], n["quantityDelta"], n["allocatedDelta"], n["note"],
             n["warehouse"]["code"], n["actor"], n["orderId"]) for n in nodes] == [
        ("ADJUSTMENT", 2, 0, "Found", "WH1", {"email": "stocker@example.com"}, None),
        ("ALLOCATION", 0, 3, "", "WH0", None, order_id),
        ("SET", 10, 0, "", "WH0", {"email": "stocker@example.com"}, None)]
    assert nodes[1]["variant"] == {"sku": "MUG-1"}
    assert nodes[1]["order"] is None  # inventory staff may not read orders
    both = await create_staff(db, [Permission.MANAGE_INVENTORY, Permission.MANAGE_ORDERS])
    body = await gql(MOVEMENTS, {"filter": {"orderId": order_id}}, token=both)
    assert [n["order"]["number"] for n in body["data"]["stockMovements"]["nodes"]] == ["1001"]
    body = await gql(MOVEMENTS, {"filter": {"reason": "SET",
                                            "variantId": encode_id("ProductVariant", variant),
                                            "warehouseId": _target(shop, variant)[
                                                "warehouseId"]}}, token=token)
    assert [n["reason"] for n in body["data"]["stockMovements"]["nodes"]] == ["SET"]
    body = await gql(MOVEMENTS, {"filter": {"orderId": "nope"}}, token=token,
                     expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "INVALID_ARGUMENT"


async def test_movement_pages_cost_the_same_statements_whatever_their_size(
        db: Database, gql: GQL, stocker: tuple[int, str],
        count_statements: Callable[[], Any]) -> None:
    _, token = stocker
    shop = await make_shop(db, warehouses=2)
    for k in range(12):
        variant = await make_variant(db, shop, stock=[])
        await service.stock_adjust(db, variant, shop.warehouse_ids[k % 2], 5, "Receipt",
                                   actor_id=stocker[0])

    async def statements(first: int) -> int:
        with count_statements() as counter:
            body = await gql(MOVEMENTS, {"first": first}, token=token)
        assert len(body["data"]["stockMovements"]["nodes"]) == first
        return int(counter.count)

    assert await statements(2) == await statements(12)


async def test_variants_take_a_threshold_and_backorders_and_low_stock_lists_them(
        db: Database, gql: GQL, stocker: tuple[int, str]) -> None:
    _, token = stocker
    shop = await make_shop(db)
    plenty = await make_variant(db, shop, stock=40, sku="PLENTY")
    await make_variant(db, shop, stock=2, sku="LOW")
    catalog = await create_staff(db, [Permission.MANAGE_CATALOG])
    body = await gql(VARIANT_UPDATE, {"input": {"id": encode_id("ProductVariant", plenty),
                                                "lowStockThreshold": 50,
                                                "allowBackorder": True}}, token=catalog)
    assert body["data"]["productVariantUpdate"]["productVariant"] == \
        {"allowBackorder": True, "lowStockThreshold": 50}
    body = await gql(VARIANT_UPDATE, {"input": {"id": encode_id("ProductVariant", plenty),
                                                "lowStockThreshold": -1}}, token=catalog)
    assert body["data"]["productVariantUpdate"]["errors"] == \
        [{"code": "INVALID", "field": ["lowStockThreshold"]}]
    body = await gql(LOW, {}, token=token)
    assert body["data"]["lowStockVariants"]["nodes"] == [
        {"sku": "LOW", "quantityAvailable": 2, "lowStockThreshold": None},
        {"sku": "PLENTY", "quantityAvailable": 40, "lowStockThreshold": 50}]
    body = await gql(LOW, {"threshold": 1}, token=token)
    assert [n["sku"] for n in body["data"]["lowStockVariants"]["nodes"]] == ["PLENTY"]
    body = await gql(VARIANT_UPDATE, {"input": {"id": encode_id("ProductVariant", plenty),
                                                "lowStockThreshold": None}}, token=catalog)
    assert body["data"]["productVariantUpdate"]["productVariant"]["lowStockThreshold"] is None
    body = await gql(LOW, {"threshold": -1}, token=token, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "INVALID_ARGUMENT"


@pytest.mark.parametrize("document", [ADJUST, MOVEMENTS, LOW])
async def test_stock_operations_need_manage_inventory(db: Database, gql: GQL,
                                                      document: str) -> None:
    variables = {"input": {"variantId": encode_id("ProductVariant", 1),
                           "warehouseId": encode_id("Warehouse", 1), "delta": 1,
                           "reason": "x"}} if document is ADJUST else {}
    for token, code in ((None, "UNAUTHENTICATED"), (await create_customer(db), "FORBIDDEN"),
                        (await create_staff(db, [Permission.MANAGE_CATALOG,
                                                 Permission.MANAGE_ORDERS]), "FORBIDDEN")):
        body = await gql(document, variables, token=token, expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] == code


async def test_a_new_variant_can_allow_backorders_and_carry_its_own_threshold(
        db: Database, gql: GQL) -> None:
    shop = await make_shop(db)
    existing = await make_variant(db, shop, stock=1)
    catalog = await create_staff(db, [Permission.MANAGE_CATALOG])
    product = (await gql("query($id: ID!) { node(id: $id) { ... on ProductVariant { "
                         "product { id } } } }", {"id": encode_id("ProductVariant", existing)},
                         token=catalog))["data"]["node"]["product"]["id"]
    body = await gql("""mutation($input: ProductVariantCreateInput!) {
      productVariantCreate(input: $input) {
        productVariant { sku allowBackorder lowStockThreshold } errors { field } } }""",
                     {"input": {"productId": product, "sku": "PRE-ORDER", "price": "9.99",
                                "allowBackorder": True, "lowStockThreshold": 0}},
                     token=catalog)
    assert body["data"]["productVariantCreate"]["productVariant"] == \
        {"sku": "PRE-ORDER", "allowBackorder": True, "lowStockThreshold": 0}


async def test_a_deleted_variants_journal_stays_readable_with_its_sku(
        db: Database, gql: GQL, stocker: tuple[int, str], settings: Settings) -> None:
    from commerce.catalog.service import product_delete, variant_delete
    from commerce.orders.service import cancel_order

    _, token = stocker
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=[], sku="GONE-1")
    await service.stock_set(db, variant, shop.warehouse_ids[0], 6)
    placed = await complete_checkout(db, await make_cart(db, shop, {variant: 2}),
                                     settings=settings)
    await cancel_order(db, placed.order_id, actor_id=None)
    other = await make_variant(db, shop, stock=3, sku="GONE-2")
    await service.stock_adjust(db, other, shop.warehouse_ids[0], 1, "Found one")

    await variant_delete(db, variant)
    async with db.transaction() as s:
        product_id = await s.scalar(text("SELECT id FROM products WHERE slug = 'gone-2'"))
    await product_delete(db, product_id)

    body = await gql(MOVEMENTS, {"filter": {"variantId": encode_id("ProductVariant", variant)}},
                     token=token)
    nodes = body["data"]["stockMovements"]["nodes"]
    assert [(n["reason"], n["quantityDelta"], n["allocatedDelta"], n["quantityAfter"],
             n["note"], n["variant"]) for n in nodes] == [
        ("SET", -6, 0, 0, "Variant deleted", None),
        ("RELEASE", 0, -2, 6, "", None),
        ("ALLOCATION", 0, 2, 6, "", None),
        ("SET", 6, 0, 6, "", None)]
    body = await gql("""{ stockMovements { nodes { sku quantityDelta variant { id } } } }""",
                     token=token)
    assert [(n["sku"], n["quantityDelta"]) for n in body["data"]["stockMovements"]["nodes"]] \
        == [("GONE-2", -4), ("GONE-1", -6), ("GONE-2", 1), ("GONE-1", 0), ("GONE-1", 0),
            ("GONE-1", 6)]


async def test_the_closing_movement_of_a_deleted_variant_names_who_deleted_it(
        db: Database, gql: GQL, stocker: tuple[int, str]) -> None:
    _, stock_token = stocker
    _, catalog_token = await user_with_token(db, "catalog@example.com",
                                             permissions=[Permission.MANAGE_CATALOG])
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=[], sku="BYE-1")
    await service.stock_set(db, variant, shop.warehouse_ids[0], 4)

    body = await gql("""mutation($id: ID!) { productVariantDelete(input: {id: $id}) {
        errors { code } } }""", {"id": encode_id("ProductVariant", variant)},
                     token=catalog_token)
    assert body["data"]["productVariantDelete"]["errors"] == []

    body = await gql(MOVEMENTS, {"filter": {"variantId": encode_id("ProductVariant", variant)}},
                     token=stock_token)
    closing = body["data"]["stockMovements"]["nodes"][0]
    assert (closing["note"], closing["actor"]) == ("Variant deleted",
                                                   {"email": "catalog@example.com"})
