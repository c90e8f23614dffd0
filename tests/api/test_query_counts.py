"""The number of SQL statements for a page does not grow with the page size."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from commerce.accounts.permissions import Permission
from commerce.db.database import Database
from commerce.db.models import Cart, ProductVariant, Stock, StockReservation
from commerce.shared.clock import utcnow
from tests.factories import (
    create_category,
    create_collection,
    create_product,
    create_staff,
    create_warehouse,
    variant,
)

PRODUCTS = 55
LISTING = """query($first: Int) { products(first: $first) { edges { cursor node {
  name priceRange { min { amount currency } max { amount } }
  category { name }
  images(first: 1) { url alt }
  variants { sku price { amount } quantityAvailable inStock } } } } }"""

STAFF_LISTING = """query($first: Int) { products(first: $first) { nodes {
  name category { name parent { name } children { name } } collections { name }
  variants { sku costPrice { amount }
             stocks { quantity reserved available warehouse { code } } } } } }"""


async def seed(db: Database) -> None:
    drinks = await create_category(db, "Drinks")
    categories = [await create_category(db, f"Category {i}", parent_id=drinks)
                  for i in range(5)]
    collections = [await create_collection(db, f"Collection {i}") for i in range(3)]
    warehouses = [await create_warehouse(db, "MAIN"), await create_warehouse(db, "BACK")]
    for i in range(PRODUCTS):
        await create_product(
            db, f"Product {i:03d}", category_id=categories[i % len(categories)],
            collection_ids=collections[: i % 3],
            images=[f"https://img.example/{i}-{n}.jpg" for n in range(2)],
            variants=[variant(f"P{i}-V{n}", 100 * (n + 1), cost_price=50)
                      for n in range(1 + i % 4)])
    async with db.transaction() as session:
        ids = (await session.scalars(select(ProductVariant.id))).all()
        session.add_all(Stock(variant_id=vid, warehouse_id=w, quantity=vid % 7)
                        for vid in ids for w in warehouses)
        # Carts paying by card hold some of it: availability reads subtract them in the
        # same statements (a correlated subquery), never per row.
        cart = Cart(token="paying")
        session.add(cart)
        await session.flush()
        stocks = (await session.execute(select(Stock.id, Stock.variant_id)
                                        .where(Stock.quantity > 1))).all()
        session.add_all(StockReservation(cart_id=cart.id, stock_id=row.id,
                                         variant_id=row.variant_id, quantity=1,
                                         expires_at=utcnow() + timedelta(minutes=15))
                        for row in stocks[::2])


async def statements_for(gql: Any, count_statements: Callable[[], Any], query: str,
                         first: int, token: str | None = None) -> int:
    with count_statements() as counter:
        body = await gql(query, {"first": first}, token=token)
    assert len(body["data"]["products"].get("edges") or body["data"]["products"]["nodes"]) \
        == first
    return int(counter.count)


async def test_a_listing_page_costs_the_same_statements_at_5_and_50_products(
        db: Database, gql: Any, count_statements: Callable[[], Any]) -> None:
    await seed(db)
    small = await statements_for(gql, count_statements, LISTING, 5)
    large = await statements_for(gql, count_statements, LISTING, 50)
    assert small == large
    assert small <= 5  # products, variants (with availability), images, categories


async def test_the_staff_listing_with_stock_and_collections_is_constant_too(
        db: Database, gql: Any, count_statements: Callable[[], Any]) -> None:
    await seed(db)
    token = await create_staff(db, [Permission.MANAGE_CATALOG])
    small = await statements_for(gql, count_statements, STAFF_LISTING, 5, token)
    large = await statements_for(gql, count_statements, STAFF_LISTING, 50, token)
    assert small == large
