from __future__ import annotations

from typing import Any

from commerce.db.database import Database
from commerce.db.models import Category, Product, ProductImage, ProductVariant, Stock, Warehouse


async def make_catalog(db: Database, products: int = 3) -> None:
    async with db.transaction() as s:
        cat = Category(name="Drinks", slug="drinks")
        wh = Warehouse(name="Main", code="MAIN")
        s.add_all([cat, wh])
        await s.flush()
        for i in range(products):
            p = Product(name=f"Apple juice {i}", slug=f"apple-juice-{i}", status="ACTIVE",
                        category_id=cat.id, currency="USD", min_price=100 + i, max_price=200 + i,
                        search_text=f"apple juice {i} sku-{i}-a")
            s.add(p)
            await s.flush()
            s.add(ProductImage(product_id=p.id, url=f"https://img.example/{i}.jpg", alt="x"))
            v = ProductVariant(product_id=p.id, sku=f"SKU-{i}-A", price_amount=100 + i,
                               currency="USD")
            s.add(v)
            await s.flush()
            s.add(Stock(variant_id=v.id, warehouse_id=wh.id, quantity=5, allocated=1))


Q = """query($first: Int) { products(first: $first) { edges { cursor node { name
 priceRange { min { amount currency } } category { name } images(first: 1) { url }
 variants { sku price { amount } quantityAvailable inStock } } } pageInfo { hasNextPage } } }"""


async def test_products_listing_shows_variants_and_availability(db: Database, gql: Any) -> None:
    await make_catalog(db)
    body = await gql(Q, {"first": 2})
    conn = body["data"]["products"]
    assert conn["pageInfo"]["hasNextPage"] is True
    node = conn["edges"][0]["node"]
    assert node["priceRange"]["min"] == {"amount": "1.00", "currency": "USD"}
    assert node["variants"][0]["quantityAvailable"] == 4
    assert node["category"]["name"] == "Drinks"
