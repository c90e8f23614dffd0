"""Catalog mutations and queries through HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from commerce.accounts.permissions import Permission
from commerce.catalog import service
from commerce.db.database import Database
from commerce.inventory import service as inventory
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

GQL = Any


@pytest.fixture
async def staff(db: Database) -> str:
    return await create_staff(db, [Permission.MANAGE_CATALOG, Permission.MANAGE_INVENTORY])


def gid(type_name: str, pk: int) -> str:
    return encode_id(type_name, pk)


PRODUCT_CREATE = """mutation($input: ProductCreateInput!) { productCreate(input: $input) {
  product { id name slug status optionNames priceRange { min { amount currency } max { amount } }
    category { slug } collections { slug } images { url alt }
    variants { sku price { amount } compareAtPrice { amount } costPrice { amount }
               selectedOptions { name value } weightGrams trackInventory } }
  errors { code field message } } }"""


async def test_staff_create_a_product_with_variants_and_see_it_back(
        db: Database, gql: GQL, staff: str) -> None:
    category = await create_category(db, "Drinks")
    collection = await create_collection(db, "Summer")
    body = await gql(PRODUCT_CREATE, {"input": {
        "name": "Apple Juice", "status": "ACTIVE", "categoryId": gid("Category", category),
        "collectionIds": [gid("Collection", collection)], "optionNames": ["Size"],
        "images": [{"url": "https://img.example/aj.jpg", "alt": "A bottle"}],
        "variants": [
            {"sku": "AJ-1L", "price": "4.5", "costPrice": "1.20",
             "selectedOptions": [{"name": "Size", "value": "1 l"}], "weightGrams": 1100},
            {"sku": "AJ-5L", "price": "18.00", "compareAtPrice": "20",
             "selectedOptions": [{"name": "Size", "value": "5 l"}]},
        ]}}, token=staff)
    payload = body["data"]["productCreate"]
    assert payload["errors"] == []
    product = payload["product"]
    assert product["slug"] == "apple-juice"
    assert product["priceRange"] == {"min": {"amount": "4.50", "currency": "USD"},
                                     "max": {"amount": "18.00"}}
    assert product["category"] == {"slug": "drinks"}
    assert product["collections"] == [{"slug": "summer"}]
    assert product["images"] == [{"url": "https://img.example/aj.jpg", "alt": "A bottle"}]
    first, second = product["variants"]
    assert first["costPrice"] == {"amount": "1.20"}
    assert first["selectedOptions"] == [{"name": "Size", "value": "1 l"}]
    assert second["compareAtPrice"] == {"amount": "20.00"}


async def test_product_create_errors_name_each_field_in_the_input(
        db: Database, gql: GQL, staff: str) -> None:
    body = await gql(PRODUCT_CREATE, {"input": {
        "name": "", "categoryId": "nonsense", "images": [{"url": "javascript:alert(1)"}],
        "variants": [{"sku": "A", "price": "1.999"}, {"sku": "B", "price": "-1"},
                     {"sku": "C", "price": "1", "selectedOptions": [
                         {"name": "Size", "value": "M"}]}]}}, token=staff)
    payload = body["data"]["productCreate"]
    assert payload["product"] is None
    # Decoding problems (IDs, amounts) come first, all at once.
    assert {(e["code"], tuple(e["field"])) for e in payload["errors"]} == {
        ("INVALID", ("categoryId",)), ("INVALID", ("variants", "0", "price")),
        ("INVALID", ("variants", "1", "price"))}
    body = await gql(PRODUCT_CREATE, {"input": {
        "name": "", "images": [{"url": "javascript:alert(1)"}],
        "variants": [{"sku": "C", "price": "1", "selectedOptions": [
            {"name": "Size", "value": "M"}]}]}}, token=staff)
    assert {(e["code"], tuple(e["field"])) for e in
            body["data"]["productCreate"]["errors"]} == {
        ("REQUIRED", ("name",)), ("INVALID", ("images", "0", "url")),
        ("INVALID", ("variants", "0", "selectedOptions", "0", "name"))}


PRODUCT_UPDATE = """mutation($input: ProductUpdateInput!) { productUpdate(input: $input) {
  product { name slug status category { slug } images { url } }
  errors { code field } } }"""


async def test_product_update_changes_given_fields_and_null_clears_the_category(
        db: Database, gql: GQL, staff: str) -> None:
    category = await create_category(db, "Drinks")
    pid = await create_product(db, "Tea", category_id=category, status="DRAFT",
                               images=["https://img.example/1.jpg"])
    body = await gql(PRODUCT_UPDATE, {"input": {
        "id": gid("Product", pid), "name": "Green Tea", "status": "ACTIVE",
        "categoryId": None}}, token=staff)
    assert body["data"]["productUpdate"] == {"product": {
        "name": "Green Tea", "slug": "tea", "status": "ACTIVE", "category": None,
        "images": [{"url": "https://img.example/1.jpg"}]}, "errors": []}
    body = await gql(PRODUCT_UPDATE, {"input": {"id": gid("Product", pid), "name": None,
                                                "slug": "Bad Slug"}}, token=staff)
    assert {(e["code"], tuple(e["field"])) for e in body["data"]["productUpdate"]["errors"]} \
        == {("INVALID", ("name",))}
    body = await gql(PRODUCT_UPDATE, {"input": {"id": gid("Product", 999), "name": "x"}},
                     token=staff)
    assert body["data"]["productUpdate"]["errors"] == [{"code": "NOT_FOUND", "field": ["id"]}]


async def test_product_delete_returns_the_id_and_the_product_is_gone(
        db: Database, gql: GQL, staff: str) -> None:
    pid = await create_product(db, "Tea")
    body = await gql("""mutation($id: ID!) { productDelete(input: {id: $id}) {
        deletedId errors { code } } }""", {"id": gid("Product", pid)}, token=staff)
    assert body["data"]["productDelete"] == {"deletedId": gid("Product", pid), "errors": []}
    body = await gql("query($id: ID!) { product(id: $id) { id } }",
                     {"id": gid("Product", pid)}, token=staff)
    assert body["data"]["product"] is None


VARIANT_FIELDS = "sku price { amount } compareAtPrice { amount } quantityAvailable"


async def test_variant_mutations_return_the_product_with_its_new_price_range(
        db: Database, gql: GQL, staff: str) -> None:
    pid = await create_product(db, "Tea", variants=[variant("TEA-S", 300)])
    body = await gql(f"""mutation($input: ProductVariantCreateInput!) {{
        productVariantCreate(input: $input) {{ productVariant {{ id {VARIANT_FIELDS} }}
        product {{ priceRange {{ min {{ amount }} max {{ amount }} }} }} errors {{ code }} }} }}""",
                     {"input": {"productId": gid("Product", pid), "sku": "TEA-L",
                                "price": "9.00", "compareAtPrice": "12.00"}}, token=staff)
    created = body["data"]["productVariantCreate"]
    assert created["errors"] == []
    assert created["product"]["priceRange"] == {"min": {"amount": "3.00"},
                                                "max": {"amount": "9.00"}}
    vid = created["productVariant"]["id"]

    body = await gql(f"""mutation($input: ProductVariantUpdateInput!) {{
        productVariantUpdate(input: $input) {{ productVariant {{ {VARIANT_FIELDS} }}
        product {{ priceRange {{ max {{ amount }} }} }} errors {{ code field }} }} }}""",
                     {"input": {"id": vid, "price": "1.00", "compareAtPrice": None}},
                     token=staff)
    updated = body["data"]["productVariantUpdate"]
    assert updated["productVariant"] == {"sku": "TEA-L", "price": {"amount": "1.00"},
                                         "compareAtPrice": None, "quantityAvailable": 0}
    assert updated["product"]["priceRange"] == {"max": {"amount": "3.00"}}

    body = await gql("""mutation($id: ID!) { productVariantDelete(input: {id: $id}) {
        deletedId product { priceRange { min { amount } } variants { sku } }
        errors { code } } }""", {"id": vid}, token=staff)
    deleted = body["data"]["productVariantDelete"]
    assert deleted["deletedId"] == vid
    assert deleted["product"] == {"priceRange": {"min": {"amount": "3.00"}},
                                  "variants": [{"sku": "TEA-S"}]}


async def test_a_duplicate_sku_is_a_payload_error(db: Database, gql: GQL, staff: str) -> None:
    pid = await create_product(db, "Tea", variants=[variant("TEA-S", 300)])
    body = await gql("""mutation($input: ProductVariantCreateInput!) {
        productVariantCreate(input: $input) { productVariant { id } errors { code field } } }""",
                     {"input": {"productId": gid("Product", pid), "sku": "TEA-S",
                                "price": "1"}}, token=staff)
    assert body["data"]["productVariantCreate"] == {
        "productVariant": None, "errors": [{"code": "DUPLICATE", "field": ["sku"]}]}


# --- categories -------------------------------------------------------------------------

async def test_category_mutations_build_a_tree_and_refuse_to_delete_one_in_use(
        db: Database, gql: GQL, staff: str) -> None:
    create = """mutation($input: CategoryCreateInput!) { categoryCreate(input: $input) {
        category { id slug parent { slug } } errors { code field } } }"""
    root = (await gql(create, {"input": {"name": "Drinks"}}, token=staff)
            )["data"]["categoryCreate"]["category"]
    child = (await gql(create, {"input": {"name": "Hot Tea", "parentId": root["id"]}},
                       token=staff))["data"]["categoryCreate"]["category"]
    assert child["slug"] == "hot-tea" and child["parent"] == {"slug": "drinks"}

    body = await gql("""mutation($input: CategoryUpdateInput!) { categoryUpdate(input: $input) {
        category { slug } errors { code field } } }""",
                     {"input": {"id": root["id"], "parentId": child["id"]}}, token=staff)
    assert body["data"]["categoryUpdate"]["errors"] == [{"code": "INVALID",
                                                        "field": ["parentId"]}]
    delete = """mutation($id: ID!) { categoryDelete(input: {id: $id}) {
        deletedId errors { code field } } }"""
    body = await gql(delete, {"id": root["id"]}, token=staff)
    assert body["data"]["categoryDelete"]["errors"] == [{"code": "IN_USE", "field": ["id"]}]
    body = await gql(delete, {"id": child["id"]}, token=staff)
    assert body["data"]["categoryDelete"] == {"deletedId": child["id"], "errors": []}


async def test_categories_are_listed_filtered_and_paged(db: Database, gql: GQL) -> None:
    drinks = await create_category(db, "Drinks")
    for name in ("Tea", "Juice", "Coffee"):
        await create_category(db, name, parent_id=drinks)
    await create_category(db, "Food")
    query = """query($first: Int, $after: String, $filter: CategoryFilterInput) {
        categories(first: $first, after: $after, filter: $filter) {
        nodes { name } pageInfo { hasNextPage endCursor } } }"""

    async def names(flt: dict[str, Any] | None = None) -> list[str]:
        found, after = [], None
        while True:
            conn = (await gql(query, {"first": 2, "after": after, "filter": flt})
                    )["data"]["categories"]
            found += [n["name"] for n in conn["nodes"]]
            if not conn["pageInfo"]["hasNextPage"]:
                return found
            after = conn["pageInfo"]["endCursor"]

    assert await names() == ["Coffee", "Drinks", "Food", "Juice", "Tea"]
    assert await names({"topLevel": True}) == ["Drinks", "Food"]
    assert await names({"parentId": gid("Category", drinks)}) == ["Coffee", "Juice", "Tea"]
    assert await names({"search": "OO"}) == ["Food"]


async def test_a_category_by_slug_shows_its_children(db: Database, gql: GQL) -> None:
    drinks = await create_category(db, "Drinks")
    await create_category(db, "Tea", parent_id=drinks)
    await create_category(db, "Juice", parent_id=drinks)
    body = await gql("""{ category(slug: "drinks") { name parent { name }
        children { slug parent { slug } children { slug } } } }""")
    assert body["data"]["category"] == {"name": "Drinks", "parent": None, "children": [
        {"slug": "tea", "parent": {"slug": "drinks"}, "children": []},
        {"slug": "juice", "parent": {"slug": "drinks"}, "children": []}]}
    body = await gql("query($id: ID!) { category(id: $id) { slug } }",
                     {"id": gid("Category", drinks)})
    assert body["data"]["category"] == {"slug": "drinks"}


# --- collections ------------------------------------------------------------------------

async def test_collection_mutations_manage_membership(db: Database, gql: GQL,
                                                      staff: str) -> None:
    a = await create_product(db, "A")
    b = await create_product(db, "B")
    body = await gql("""mutation { collectionCreate(input: {name: "Summer Sale"}) {
        collection { id slug isPublished } errors { code } } }""", token=staff)
    collection = body["data"]["collectionCreate"]["collection"]
    assert collection["slug"] == "summer-sale" and collection["isPublished"] is True

    add = """mutation($input: CollectionProductsAddInput!) { collectionProductsAdd(input: $input) {
        collection { slug } errors { code field } } }"""
    body = await gql(add, {"input": {"collectionId": collection["id"], "productIds": [
        gid("Product", a), gid("Product", b), gid("Product", 999)]}}, token=staff)
    assert body["data"]["collectionProductsAdd"]["errors"] == [
        {"code": "NOT_FOUND", "field": ["productIds", "2"]}]
    body = await gql(add, {"input": {"collectionId": collection["id"], "productIds": [
        gid("Product", a), gid("Product", b)]}}, token=staff)
    assert body["data"]["collectionProductsAdd"]["errors"] == []
    body = await gql("""mutation($input: CollectionProductsRemoveInput!) {
        collectionProductsRemove(input: $input) { collection { slug } errors { code } } }""",
                     {"input": {"collectionId": collection["id"],
                                "productIds": [gid("Product", a)]}}, token=staff)
    assert body["data"]["collectionProductsRemove"]["errors"] == []
    listing = await gql("""{ products(filter: {collectionSlug: "summer-sale"}) {
        nodes { name collections { slug } } } }""")
    assert listing["data"]["products"]["nodes"] == [
        {"name": "B", "collections": [{"slug": "summer-sale"}]}]

    body = await gql("""mutation($input: CollectionUpdateInput!) {
        collectionUpdate(input: $input) { collection { name isPublished } errors { code } } }""",
                     {"input": {"id": collection["id"], "name": "Sale", "isPublished": False}},
                     token=staff)
    assert body["data"]["collectionUpdate"]["collection"] == {"name": "Sale",
                                                              "isPublished": False}
    body = await gql("""mutation($id: ID!) { collectionDelete(input: {id: $id}) {
        deletedId errors { code } } }""", {"id": collection["id"]}, token=staff)
    assert body["data"]["collectionDelete"] == {"deletedId": collection["id"], "errors": []}


async def test_unpublished_collections_are_visible_to_staff_only(
        db: Database, gql: GQL, staff: str) -> None:
    hidden = await create_collection(db, "Secret", published=False)
    await create_collection(db, "Open")
    await create_product(db, "Hat", collection_ids=[hidden])
    customer = await create_customer(db)
    query = """query($id: ID!) { collections { nodes { slug } }
        bySlug: collection(slug: "secret") { slug } byId: collection(id: $id) { slug }
        node(id: $id) { id } products { nodes { collections { slug } } } }"""
    variables = {"id": gid("Collection", hidden)}
    for token in (None, customer):
        data = (await gql(query, variables, token=token))["data"]
        assert data["collections"]["nodes"] == [{"slug": "open"}]
        assert data["bySlug"] is None and data["byId"] is None and data["node"] is None
        assert data["products"]["nodes"] == [{"collections": []}]
    data = (await gql(query, variables, token=staff))["data"]
    assert data["collections"]["nodes"] == [{"slug": "open"}, {"slug": "secret"}]
    assert data["bySlug"] == {"slug": "secret"} == data["byId"]
    assert data["products"]["nodes"] == [{"collections": [{"slug": "secret"}]}]


# --- warehouses and stock ---------------------------------------------------------------

async def test_warehouses_and_stock_set_show_up_in_availability(
        db: Database, gql: GQL, staff: str) -> None:
    pid = await create_product(db, "Tea", variants=[variant("TEA", 100)])
    [vid] = await variant_ids(db, pid)
    body = await gql("""mutation { warehouseCreate(input: {name: "Main", code: "MAIN",
        city: "Leeds", countryCode: "gb", priority: 1}) {
        warehouse { id code countryCode priority isActive } errors { code field } } }""",
                     token=staff)
    warehouse = body["data"]["warehouseCreate"]["warehouse"]
    assert warehouse["countryCode"] == "GB" and warehouse["isActive"] is True

    stock_set = """mutation($input: StockSetInput!) { stockSet(input: $input) {
        stock { quantity allocated available warehouse { code } }
        productVariant { quantityAvailable inStock } errors { code field } } }"""
    body = await gql(stock_set, {"input": {"variantId": gid("ProductVariant", vid),
                                           "warehouseId": warehouse["id"], "quantity": 12}},
                     token=staff)
    assert body["data"]["stockSet"] == {
        "stock": {"quantity": 12, "allocated": 0, "available": 12,
                  "warehouse": {"code": "MAIN"}},
        "productVariant": {"quantityAvailable": 12, "inStock": True}, "errors": []}
    body = await gql(stock_set, {"input": {"variantId": gid("ProductVariant", vid),
                                           "warehouseId": warehouse["id"], "quantity": -2}},
                     token=staff)
    assert body["data"]["stockSet"]["errors"] == [{"code": "INVALID", "field": ["quantity"]}]

    body = await gql("""mutation($input: WarehouseUpdateInput!) { warehouseUpdate(input: $input) {
        warehouse { code isActive } errors { code field } } }""",
                     {"input": {"id": warehouse["id"], "isActive": False}}, token=staff)
    assert body["data"]["warehouseUpdate"]["warehouse"] == {"code": "MAIN", "isActive": False}
    body = await gql("""query($id: ID!) { warehouses { nodes { code } } node(id: $id) { id }
        productVariant(sku: "TEA") { quantityAvailable inStock
        stocks { quantity available warehouse { code isActive } } } }""",
                     {"id": warehouse["id"]}, token=staff)
    data = body["data"]
    assert data["warehouses"]["nodes"] == [{"code": "MAIN"}]
    assert data["node"] == {"id": warehouse["id"]}
    # Stock in an inactive warehouse is listed but cannot be sold.
    assert data["productVariant"] == {
        "quantityAvailable": 0, "inStock": False,
        "stocks": [{"quantity": 12, "available": 12,
                    "warehouse": {"code": "MAIN", "isActive": False}}]}


async def test_warehouses_are_listed_by_priority_in_pages(db: Database, gql: GQL,
                                                          staff: str) -> None:
    for code, priority in (("C", 2), ("A", 0), ("B", 1), ("D", 2)):
        await create_warehouse(db, code, priority=priority)
    query = """query($after: String) { warehouses(first: 3, after: $after) {
        nodes { code } pageInfo { hasNextPage endCursor } } }"""
    first = (await gql(query, {}, token=staff))["data"]["warehouses"]
    second = (await gql(query, {"after": first["pageInfo"]["endCursor"]}, token=staff)
              )["data"]["warehouses"]
    assert [n["code"] for n in first["nodes"] + second["nodes"]] == ["A", "B", "C", "D"]
    assert second["pageInfo"]["hasNextPage"] is False


# --- the storefront listing -------------------------------------------------------------

async def seed_listing(db: Database) -> None:
    drinks = await create_category(db, "Drinks")
    juice = await create_category(db, "Juice", parent_id=drinks)
    food = await create_category(db, "Food")
    sale = await create_collection(db, "Sale")
    warehouse = await create_warehouse(db)
    specs: list[tuple[str, int | None, list[int], int, list[int], int]] = [
        # name, category, prices, stock, collections, repeat
        ("Apple juice", juice, [350, 600], 5, [sale], 1),
        ("Orange juice", juice, [350], 0, [], 1),
        ("Sparkling water", drinks, [120, 150, 180], 9, [sale], 1),
        ("Bread", food, [250], 2, [], 1),
        ("Cheese", food, [900, 1500], 0, [sale], 1),
        ("Happy apples", food, [300], 1, [], 1),
        ("Mug", None, [], 0, [], 1),  # no variants: no price, never in stock
        ("Tea", drinks, [350], 4, [], 3),  # ties on name and price: ids break them
    ]
    serial = 0
    for name, category, prices, stock, collections, repeat in specs:
        for _ in range(repeat):
            serial += 1
            pid = await create_product(
                db, name, category_id=category, collection_ids=collections,
                variants=[variant(f"SKU-{serial}-{i}", p) for i, p in enumerate(prices)])
            for vid in await variant_ids(db, pid):
                await inventory.stock_set(db, vid, warehouse, stock)
    await create_product(db, "Apple pie draft", status="DRAFT",
                         variants=[variant("DRAFT-1", 100)])


LISTING = """query($first: Int, $after: String, $filter: ProductFilterInput,
                   $sortBy: ProductSortInput) {
  products(first: $first, after: $after, filter: $filter, sortBy: $sortBy) {
    nodes { name priceRange { min { amount } } } pageInfo { hasNextPage endCursor } } }"""


async def all_pages(gql: GQL, variables: dict[str, Any], token: str | None = None,
                    size: int = 3) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after = None
    while True:
        conn = (await gql(LISTING, {**variables, "first": size, "after": after}, token=token)
                )["data"]["products"]
        found += conn["nodes"]
        if not conn["pageInfo"]["hasNextPage"]:
            return found
        after = conn["pageInfo"]["endCursor"]


async def names(gql: GQL, flt: dict[str, Any], token: str | None = None) -> list[str]:
    return sorted(n["name"] for n in await all_pages(gql, {"filter": flt}, token))


async def test_search_matches_parts_of_names_and_skus_in_any_case(
        db: Database, gql: GQL) -> None:
    await seed_listing(db)
    assert await names(gql, {"search": "app"}) == ["Apple juice", "Happy apples"]
    assert await names(gql, {"search": "JUICE"}) == ["Apple juice", "Orange juice"]
    assert await names(gql, {"search": "sku-3-2"}) == ["Sparkling water"]
    assert await names(gql, {"search": "100%_"}) == []


async def test_filters_by_category_tree_collection_price_and_stock(
        db: Database, gql: GQL) -> None:
    await seed_listing(db)
    assert await names(gql, {"categorySlug": "drinks"}) == [
        "Apple juice", "Orange juice", "Sparkling water", "Tea", "Tea", "Tea"]
    assert await names(gql, {"categorySlug": "juice"}) == ["Apple juice", "Orange juice"]
    assert await names(gql, {"collectionSlug": "sale"}) == [
        "Apple juice", "Cheese", "Sparkling water"]
    # A product matches when any of its prices is in the range.
    assert await names(gql, {"priceMin": "5.00", "priceMax": "10"}) == [
        "Apple juice", "Cheese"]
    assert await names(gql, {"priceMax": "1.20"}) == ["Sparkling water"]
    assert await names(gql, {"inStock": True, "categorySlug": "food"}) == [
        "Bread", "Happy apples"]
    assert await names(gql, {"inStock": False}) == ["Cheese", "Mug", "Orange juice"]


@pytest.mark.parametrize("field", ["NAME", "PRICE", "CREATED_AT"])
async def test_every_sort_pages_through_all_products_without_gaps_or_repeats(
        db: Database, gql: GQL, field: str) -> None:
    await seed_listing(db)
    orders = {}
    for direction in ("ASC", "DESC"):
        sort = {"sortBy": {"field": field, "direction": direction}}
        paged = await all_pages(gql, sort, size=2)
        whole = (await gql(LISTING, {**sort, "first": 100}))["data"]["products"]["nodes"]
        assert paged == whole
        orders[direction] = paged
    assert orders["DESC"] == list(reversed(orders["ASC"]))
    assert len(orders["ASC"]) == 10
    if field == "PRICE":
        prices = [float(n["priceRange"]["min"]["amount"]) if n["priceRange"] else 0.0
                  for n in orders["ASC"]]
        assert prices == sorted(prices)
    if field == "NAME":
        assert orders["ASC"][0]["name"] == "Apple juice"
        assert [n["name"] for n in orders["ASC"][-3:]] == ["Tea"] * 3


async def test_drafts_are_visible_to_catalog_staff_only(db: Database, gql: GQL,
                                                        staff: str) -> None:
    await create_product(db, "Apple pie", status="DRAFT", variants=[variant("PIE", 100)])
    await create_product(db, "Apple tart", status="ARCHIVED")
    await create_product(db, "Apple cake", status="ACTIVE")
    customer = await create_customer(db)
    other_staff = await create_staff(db, [Permission.MANAGE_ORDERS])
    query = """{ products(filter: {search: "apple"}) { nodes { name } }
        product(slug: "apple-pie") { name } productVariant(sku: "PIE") { sku } }"""
    for token in (None, customer, other_staff):
        data = (await gql(query, token=token))["data"]
        assert data == {"products": {"nodes": [{"name": "Apple cake"}]}, "product": None,
                        "productVariant": None}
    data = (await gql(query, token=staff))["data"]
    assert [n["name"] for n in data["products"]["nodes"]] == [
        "Apple cake", "Apple pie", "Apple tart"]
    assert data["product"] == {"name": "Apple pie"}
    assert data["productVariant"] == {"sku": "PIE"}


async def test_cost_price_and_stock_levels_are_for_staff_only(db: Database, gql: GQL,
                                                             staff: str) -> None:
    await create_product(db, "Tea", variants=[variant("TEA", 500, cost_price=120)])
    customer = await create_customer(db)
    query = '{ productVariant(sku: "TEA") { sku costPrice { amount } } }'
    body = await gql(query, token=staff)
    assert body["data"]["productVariant"] == {"sku": "TEA", "costPrice": {"amount": "1.20"}}
    for token, code in ((customer, "FORBIDDEN"), (None, "UNAUTHENTICATED")):
        body = await gql(query, token=token, expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] == code
        assert body["errors"][0]["path"] == ["productVariant", "costPrice"]
        assert body["data"]["productVariant"] == {"sku": "TEA", "costPrice": None}
        body = await gql('{ productVariant(sku: "TEA") { stocks { quantity } } }',
                         token=token, expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] == code


async def test_node_finds_catalog_objects_by_id(db: Database, gql: GQL) -> None:
    collection = await create_collection(db, "Sale")
    category = await create_category(db, "Drinks")
    query = """query($id: ID!) { node(id: $id) { __typename ... on Collection { slug }
        ... on Category { slug } } }"""
    for pk, type_name in ((collection, "Collection"), (category, "Category")):
        body = await gql(query, {"id": gid(type_name, pk)})
        assert body["data"]["node"] == {"__typename": type_name, "slug": "sale" if
                                        type_name == "Collection" else "drinks"}
    warehouse = await create_warehouse(db)
    body = await gql("query($id: ID!) { node(id: $id) { id } }",
                     {"id": gid("Warehouse", warehouse)})
    assert body["data"]["node"] is None  # warehouses are staff-only


async def test_service_and_api_agree_on_the_shop_currency(db: Database, gql: GQL) -> None:
    pid = await service.product_create(db, service.ProductData(
        name="Tea", status="ACTIVE", variants=[variant("T", 1234)]), currency="USD")
    body = await gql("query($id: ID!) { product(id: $id) { priceRange { min { amount currency } } "
                     "variants { price { currency } } } }", {"id": gid("Product", pid)})
    assert body["data"]["product"] == {
        "priceRange": {"min": {"amount": "12.34", "currency": "USD"}},
        "variants": [{"price": {"currency": "USD"}}]}
