"""Catalog and inventory use cases on a real database (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from commerce.catalog import service
from commerce.db.database import Database
from commerce.db.models import (
    CollectionProduct,
    Product,
    ProductImage,
    ProductVariant,
    Stock,
    Warehouse,
)
from commerce.inventory import service as inventory
from commerce.shared.errors import DomainError
from tests.factories import (
    create_category,
    create_collection,
    create_product,
    create_warehouse,
    fetch,
    variant,
    variant_ids,
)


async def product_row(db: Database, product_id: int) -> Any:
    rows = await fetch(db, select(Product.__table__).where(Product.id == product_id))
    return rows[0] if rows else None


def problems(error: pytest.ExceptionInfo[DomainError]) -> set[tuple[str, tuple[str, ...] | None]]:
    return {(p.code.value, p.field) for p in error.value.problems}


# --- products and their derived columns -------------------------------------------------

async def test_creating_a_product_with_variants_derives_price_range_and_search_text(
        db: Database) -> None:
    pid = await create_product(db, "Apple Juice", variants=[
        variant("AJ-1L", 450), variant("AJ-5L", 1800), variant("aj-mini", 150)])
    product = await product_row(db, pid)
    assert (product.min_price, product.max_price) == (150, 1800)
    assert product.search_text == "apple juice aj-1l aj-5l aj-mini"
    assert product.slug == "apple-juice"
    assert product.currency == "USD"


async def test_a_product_without_variants_has_no_price_range(db: Database) -> None:
    product = await product_row(db, await create_product(db, "Empty"))
    assert (product.min_price, product.max_price) == (None, None)
    assert product.search_text == "empty"


async def test_generated_slugs_get_a_number_when_the_name_is_taken(db: Database) -> None:
    first = await product_row(db, await create_product(db, "Green Tea"))
    second = await product_row(db, await create_product(db, "Green tea!"))
    third = await product_row(db, await create_product(db, "green TEA"))
    assert [first.slug, second.slug, third.slug] == ["green-tea", "green-tea-2", "green-tea-3"]


async def test_an_explicit_slug_that_is_taken_is_a_duplicate(db: Database) -> None:
    await create_product(db, "Green Tea")
    with pytest.raises(DomainError) as error:
        await service.product_create(
            db, service.ProductData(name="Other", slug="green-tea"), currency="USD")
    assert problems(error) == {("DUPLICATE", ("slug",))}


async def test_product_validation_reports_every_problem_with_its_path(db: Database) -> None:
    data = service.ProductData(
        name="  ", slug="Not A Slug", status="SOLD", option_names=["Size", "size"],
        images=[service.ImageData(url="https://ok.example/a.jpg"),
                service.ImageData(url="ftp://bad.example/b.jpg")],
        variants=[variant("OK-1", 100, selected_options=[("Colour", "Red")]),
                  variant("has space", 100), variant("OK-1", 10**15)])
    with pytest.raises(DomainError) as error:
        await service.product_create(db, data, currency="USD")
    assert problems(error) == {
        ("REQUIRED", ("name",)),
        ("INVALID", ("slug",)),
        ("INVALID", ("status",)),
        ("DUPLICATE", ("optionNames", "1")),
        ("INVALID", ("images", "1", "url")),
        ("INVALID", ("variants", "0", "selectedOptions", "0", "name")),
        ("INVALID", ("variants", "1", "sku")),
        ("INVALID", ("variants", "2", "price")),
        ("DUPLICATE", ("variants", "2", "sku")),
    }
    assert await fetch(db, select(Product.id)) == []


async def test_a_sku_that_another_product_uses_is_a_duplicate(db: Database) -> None:
    await create_product(db, "First", variants=[variant("SKU-1", 100)])
    with pytest.raises(DomainError) as error:
        await create_product(db, "Second", variants=[variant("SKU-2", 100),
                                                     variant("SKU-1", 100)])
    assert problems(error) == {("DUPLICATE", ("variants", "1", "sku"))}


async def test_unknown_category_and_collections_are_not_found(db: Database) -> None:
    collection = await create_collection(db, "Summer")
    with pytest.raises(DomainError) as error:
        await create_product(db, "Hat", category_id=999, collection_ids=[collection, 998])
    assert problems(error) == {("NOT_FOUND", ("categoryId",)),
                               ("NOT_FOUND", ("collectionIds", "1"))}


async def test_renaming_a_product_refreshes_its_search_text(db: Database) -> None:
    pid = await create_product(db, "Apple Juice", variants=[variant("AJ-1", 100)])
    await service.product_update(db, pid, service.ProductChanges(name="Pear Cider"))
    product = await product_row(db, pid)
    assert product.search_text == "pear cider aj-1"
    assert product.slug == "apple-juice"  # slugs stay put unless changed explicitly


async def test_updating_images_and_collections_replaces_them(db: Database) -> None:
    summer, winter, sale = [await create_collection(db, n) for n in ("Summer", "Winter", "Sale")]
    pid = await create_product(db, "Hat", images=["https://img.example/1.jpg"],
                               collection_ids=[summer, sale])
    await service.product_update(db, pid, service.ProductChanges(
        images=[service.ImageData(url="https://img.example/2.jpg", alt="Side"),
                service.ImageData(url="https://img.example/3.jpg")],
        collection_ids=[sale, winter]))
    images = await fetch(db, select(ProductImage.url, ProductImage.position)
                         .where(ProductImage.product_id == pid).order_by(ProductImage.position))
    assert [(r.url, r.position) for r in images] == [("https://img.example/2.jpg", 0),
                                                     ("https://img.example/3.jpg", 1)]
    members = await fetch(db, select(CollectionProduct.collection_id)
                          .where(CollectionProduct.product_id == pid))
    assert {r.collection_id for r in members} == {sale, winter}


async def test_an_option_that_variants_use_cannot_be_removed(db: Database) -> None:
    pid = await create_product(db, "Shirt", option_names=["Size", "Colour"], variants=[
        variant("SH-M", 100, selected_options=[("Size", "M")])])
    with pytest.raises(DomainError) as error:
        await service.product_update(db, pid, service.ProductChanges(option_names=["Colour"]))
    assert problems(error) == {("IN_USE", ("optionNames",))}
    await service.product_update(db, pid, service.ProductChanges(option_names=["Size"]))


async def test_updating_a_missing_product_is_not_found(db: Database) -> None:
    with pytest.raises(DomainError) as error:
        await service.product_update(db, 12345, service.ProductChanges(name="x"))
    assert problems(error) == {("NOT_FOUND", ("id",))}


async def test_deleting_a_product_removes_its_variants_stock_and_images(db: Database) -> None:
    warehouse = await create_warehouse(db)
    pid = await create_product(db, "Hat", images=["https://img.example/1.jpg"],
                               variants=[variant("HAT-1", 100)])
    [vid] = await variant_ids(db, pid)
    await inventory.stock_set(db, vid, warehouse, 5)
    await service.product_delete(db, pid)
    assert await fetch(db, select(ProductVariant.id)) == []
    assert await fetch(db, select(Stock.id)) == []
    assert await fetch(db, select(ProductImage.id)) == []
    with pytest.raises(DomainError):
        await service.product_delete(db, pid)


# --- variants ---------------------------------------------------------------------------

async def test_variant_changes_keep_the_price_range_and_search_text_right(
        db: Database) -> None:
    pid = await create_product(db, "Tea", variants=[variant("TEA-S", 300)])
    big = await service.variant_create(db, pid, variant("TEA-L", 900), currency="USD")
    assert ((p := await product_row(db, pid)).min_price, p.max_price) == (300, 900)
    assert p.search_text == "tea tea-s tea-l"

    await service.variant_update(db, big, service.VariantChanges(price=100, sku="TEA-XL"))
    assert ((p := await product_row(db, pid)).min_price, p.max_price) == (100, 300)
    assert p.search_text == "tea tea-s tea-xl"

    small = (await variant_ids(db, pid))[0]
    await service.variant_delete(db, small)
    assert ((p := await product_row(db, pid)).min_price, p.max_price) == (100, 100)
    await service.variant_delete(db, big)
    assert ((p := await product_row(db, pid)).min_price, p.max_price) == (None, None)
    assert p.search_text == "tea"


async def test_variant_options_must_belong_to_the_product_and_differ(db: Database) -> None:
    pid = await create_product(db, "Shirt", option_names=["Size"], variants=[
        variant("SH-M", 100, selected_options=[("Size", "M")])])
    with pytest.raises(DomainError) as error:
        await service.variant_create(db, pid, variant(
            "SH-M2", 100, selected_options=[("Size", "M")]), currency="USD")
    assert problems(error) == {("DUPLICATE", ("selectedOptions",))}
    with pytest.raises(DomainError) as error:
        await service.variant_create(db, pid, variant(
            "SH-X", 100, selected_options=[("Colour", "Red"), ("Size", " ")]), currency="USD")
    assert problems(error) == {("INVALID", ("selectedOptions", "0", "name")),
                               ("REQUIRED", ("selectedOptions", "1", "value"))}


async def test_changing_a_sku_to_one_in_use_is_a_duplicate(db: Database) -> None:
    pid = await create_product(db, "Tea", variants=[variant("A", 1), variant("B", 1)])
    a, _b = await variant_ids(db, pid)
    with pytest.raises(DomainError) as error:
        await service.variant_update(db, a, service.VariantChanges(sku="B"))
    assert problems(error) == {("DUPLICATE", ("sku",))}
    with pytest.raises(DomainError) as error:
        await service.variant_update(db, 999, service.VariantChanges(sku="C"))
    assert problems(error) == {("NOT_FOUND", ("id",))}


async def test_variant_update_can_clear_nullable_fields(db: Database) -> None:
    pid = await create_product(db, "Tea", variants=[
        variant("A", 100, compare_at_price=150, cost_price=40, barcode="123")])
    [vid] = await variant_ids(db, pid)
    await service.variant_update(db, vid, service.VariantChanges(
        compare_at_price=None, barcode=None))
    [row] = await fetch(db, select(ProductVariant.__table__).where(ProductVariant.id == vid))
    assert (row.compare_at_amount, row.barcode, row.cost_amount) == (None, None, 40)


async def test_concurrent_variant_creation_keeps_the_price_range_complete(
        db: Database) -> None:
    pid = await create_product(db, "Tea")
    prices = [500, 100, 900, 300, 700, 200]
    await asyncio.gather(*(
        service.variant_create(db, pid, variant(f"TEA-{p}", p), currency="USD")
        for p in prices))
    product = await product_row(db, pid)
    assert (product.min_price, product.max_price) == (100, 900)
    assert sorted(product.search_text.split()[1:]) == sorted(f"tea-{p}" for p in prices)


# --- categories and collections ---------------------------------------------------------

async def test_a_category_cannot_move_under_its_own_subtree(db: Database) -> None:
    root = await create_category(db, "Drinks")
    child = await create_category(db, "Tea", parent_id=root)
    grandchild = await create_category(db, "Green tea", parent_id=child)
    for parent in (root, grandchild):
        with pytest.raises(DomainError) as error:
            await service.category_update(db, root, service.CategoryChanges(parent_id=parent))
        assert problems(error) == {("INVALID", ("parentId",))}
    # Moving a leaf elsewhere, and back to the top level, is fine.
    other = await create_category(db, "Food")
    await service.category_update(db, grandchild, service.CategoryChanges(parent_id=other))
    await service.category_update(db, grandchild, service.CategoryChanges(parent_id=None))


async def test_a_category_in_use_cannot_be_deleted(db: Database) -> None:
    root = await create_category(db, "Drinks")
    child = await create_category(db, "Tea", parent_id=root)
    pid = await create_product(db, "Green tea", category_id=child)
    with pytest.raises(DomainError) as error:
        await service.category_delete(db, root)
    assert problems(error) == {("IN_USE", ("id",))}
    with pytest.raises(DomainError) as error:
        await service.category_delete(db, child)
    assert problems(error) == {("IN_USE", ("id",))}
    await service.product_delete(db, pid)
    await service.category_delete(db, child)
    await service.category_delete(db, root)


async def test_category_slugs_are_unique(db: Database) -> None:
    await create_category(db, "Tea", slug="tea")
    assert await create_category(db, "Tea") != 0  # generated slug "tea-2"
    with pytest.raises(DomainError) as error:
        await create_category(db, "Other", slug="tea")
    assert problems(error) == {("DUPLICATE", ("slug",))}


async def test_collection_membership_is_added_once_and_removed(db: Database) -> None:
    collection = await create_collection(db, "Summer")
    a = await create_product(db, "A")
    b = await create_product(db, "B")
    await service.collection_products_add(db, collection, [a, b])
    await service.collection_products_add(db, collection, [b, a])
    members = await fetch(db, select(CollectionProduct.product_id, CollectionProduct.position)
                          .order_by(CollectionProduct.position))
    assert [(r.product_id, r.position) for r in members] == [(a, 1), (b, 2)]
    await service.collection_products_remove(db, collection, [a, 999])
    members = await fetch(db, select(CollectionProduct.product_id))
    assert [r.product_id for r in members] == [b]


async def test_adding_unknown_products_to_a_collection_changes_nothing(db: Database) -> None:
    collection = await create_collection(db, "Summer")
    a = await create_product(db, "A")
    with pytest.raises(DomainError) as error:
        await service.collection_products_add(db, collection, [a, 999])
    assert problems(error) == {("NOT_FOUND", ("productIds", "1"))}
    assert await fetch(db, select(CollectionProduct.product_id)) == []
    with pytest.raises(DomainError) as error:
        await service.collection_products_add(db, 999, [a])
    assert problems(error) == {("NOT_FOUND", ("collectionId",))}


# --- warehouses and stock ---------------------------------------------------------------

async def test_warehouse_codes_are_unique_and_fields_validated(db: Database) -> None:
    await create_warehouse(db, "MAIN")
    with pytest.raises(DomainError) as error:
        await inventory.warehouse_create(db, inventory.WarehouseData(
            name="", code="MAIN", country_code="XX", priority=-1))
    assert problems(error) == {("REQUIRED", ("name",)), ("DUPLICATE", ("code",)),
                               ("INVALID", ("countryCode",)), ("INVALID", ("priority",))}


async def test_warehouse_update_changes_only_given_fields(db: Database) -> None:
    wid = await create_warehouse(db, "MAIN", priority=3)
    await inventory.warehouse_update(db, wid, inventory.WarehouseChanges(
        city="Lyon", country_code="fr"))
    [row] = await fetch(db, select(Warehouse.__table__).where(Warehouse.id == wid))
    assert (row.city, row.country_code, row.priority, row.code) == (
        "Lyon", "FR", 3, "MAIN")


async def test_stock_set_creates_then_updates_the_row(db: Database) -> None:
    wid = await create_warehouse(db)
    [vid] = await variant_ids(db, await create_product(db, "Tea", variants=[variant("T", 1)]))
    await inventory.stock_set(db, vid, wid, 7)
    await inventory.stock_set(db, vid, wid, 3)
    rows = await fetch(db, select(Stock.quantity, Stock.allocated))
    assert [tuple(r) for r in rows] == [(3, 0)]


async def test_stock_cannot_go_below_zero_or_what_is_allocated(db: Database) -> None:
    wid = await create_warehouse(db)
    [vid] = await variant_ids(db, await create_product(db, "Tea", variants=[variant("T", 1)]))
    await inventory.stock_set(db, vid, wid, 10)
    async with db.transaction() as session:  # an order holds 4 (allocation comes later)
        stock = (await session.scalars(select(Stock))).one()
        stock.allocated = 4
    with pytest.raises(DomainError) as error:
        await inventory.stock_set(db, vid, wid, 3)
    assert problems(error) == {("INVALID", ("quantity",))}
    with pytest.raises(DomainError) as error:
        await inventory.stock_set(db, vid, wid, -1)
    assert problems(error) == {("INVALID", ("quantity",))}
    await inventory.stock_set(db, vid, wid, 4)
    with pytest.raises(DomainError) as error:
        await inventory.stock_set(db, 999, 998, 1)
    assert problems(error) == {("NOT_FOUND", ("variantId",)), ("NOT_FOUND", ("warehouseId",))}
