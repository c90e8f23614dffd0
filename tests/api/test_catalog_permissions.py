"""Who may call the staff catalog and inventory operations."""

from __future__ import annotations

from typing import Any

import pytest

from commerce.accounts.permissions import Permission
from commerce.db.database import Database
from commerce.shared.ids import encode_id
from tests.factories import (
    create_category,
    create_collection,
    create_customer,
    create_product,
    create_staff,
    create_warehouse,
    variant,
    variant_ids,
)

CATALOG = Permission.MANAGE_CATALOG
INVENTORY = Permission.MANAGE_INVENTORY

# (operation, input with {placeholders} for IDs, the permission it needs)
OPERATIONS: list[tuple[str, str, Permission]] = [
    ("productCreate", '{name: "New"}', CATALOG),
    ("productUpdate", '{id: "{product}", name: "Renamed"}', CATALOG),
    ("productDelete", '{id: "{product}"}', CATALOG),
    ("productVariantCreate", '{productId: "{product}", sku: "NEW", price: "1.00"}', CATALOG),
    ("productVariantUpdate", '{id: "{variant}", price: "2.00"}', CATALOG),
    ("productVariantDelete", '{id: "{variant}"}', CATALOG),
    ("categoryCreate", '{name: "New"}', CATALOG),
    ("categoryUpdate", '{id: "{category}", name: "Renamed"}', CATALOG),
    ("categoryDelete", '{id: "{category}"}', CATALOG),
    ("collectionCreate", '{name: "New"}', CATALOG),
    ("collectionUpdate", '{id: "{collection}", isPublished: false}', CATALOG),
    ("collectionDelete", '{id: "{collection}"}', CATALOG),
    ("collectionProductsAdd", '{collectionId: "{collection}", productIds: ["{product}"]}',
     CATALOG),
    ("collectionProductsRemove", '{collectionId: "{collection}", productIds: ["{product}"]}',
     CATALOG),
    ("warehouseCreate", '{name: "New", code: "NEW"}', INVENTORY),
    ("warehouseUpdate", '{id: "{warehouse}", city: "Oslo"}', INVENTORY),
    ("stockSet", '{variantId: "{variant}", warehouseId: "{warehouse}", quantity: 3}',
     INVENTORY),
]


async def seed(db: Database) -> dict[str, str]:
    product = await create_product(db, "Tea", variants=[variant("TEA", 100)])
    [variant_id] = await variant_ids(db, product)
    return {
        "product": encode_id("Product", product),
        "variant": encode_id("ProductVariant", variant_id),
        "category": encode_id("Category", await create_category(db, "Drinks")),
        "collection": encode_id("Collection", await create_collection(db, "Sale")),
        "warehouse": encode_id("Warehouse", await create_warehouse(db)),
    }


def document(operation: str, input_template: str, ids: dict[str, str]) -> str:
    arguments = input_template
    for name, value in ids.items():
        arguments = arguments.replace("{" + name + "}", value)
    return f"mutation {{ {operation}(input: {arguments}) {{ errors {{ code field }} }} }}"


def other_permission(needed: Permission) -> Permission:
    return INVENTORY if needed is CATALOG else CATALOG


@pytest.mark.parametrize(("operation", "input_template", "permission"), OPERATIONS,
                         ids=[o[0] for o in OPERATIONS])
async def test_staff_mutations_need_their_permission(
        db: Database, gql: Any, operation: str, input_template: str,
        permission: Permission) -> None:
    ids = await seed(db)
    query = document(operation, input_template, ids)
    denied = [
        (None, "UNAUTHENTICATED"),
        (await create_customer(db), "FORBIDDEN"),
        (await create_staff(db, [other_permission(permission), Permission.MANAGE_ORDERS]),
         "FORBIDDEN"),
    ]
    for token, code in denied:
        body = await gql(query, token=token, expect_errors=True)
        assert [e["extensions"]["code"] for e in body["errors"]] == [code]
        assert body["data"] is None
    body = await gql(query, token=await create_staff(db, [permission]))
    assert body["data"][operation]["errors"] == []


async def test_a_superuser_needs_no_named_permission(db: Database, gql: Any) -> None:
    ids = await seed(db)
    token = await create_staff(db, superuser=True)
    for operation, input_template, _permission in (OPERATIONS[1], OPERATIONS[-1]):
        body = await gql(document(operation, input_template, ids), token=token)
        assert body["data"][operation]["errors"] == []


async def test_an_expired_or_unknown_token_is_unauthenticated(db: Database, gql: Any) -> None:
    body = await gql('mutation { categoryCreate(input: {name: "X"}) { errors { code } } }',
                     token="cmt_not-a-real-token", expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("permission", [INVENTORY, CATALOG])
async def test_warehouses_are_listed_for_inventory_or_catalog_staff(
        db: Database, gql: Any, permission: Permission) -> None:
    await create_warehouse(db, "MAIN")
    query = "{ warehouses { nodes { code } } }"
    for token, code in ((None, "UNAUTHENTICATED"), (await create_customer(db), "FORBIDDEN"),
                        (await create_staff(db, [Permission.MANAGE_ORDERS]), "FORBIDDEN")):
        body = await gql(query, token=token, expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] == code
    body = await gql(query, token=await create_staff(db, [permission]))
    assert body["data"]["warehouses"]["nodes"] == [{"code": "MAIN"}]
