"""The demo shop: seeded once, with the shape the README and the issue promise."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from commerce.accounts.passwords import verify_password
from commerce.db.database import Database
from commerce.db.models import (
    Category,
    Collection,
    CollectionProduct,
    Product,
    ProductImage,
    ProductVariant,
    Stock,
    User,
)
from commerce.seed import seed_demo_shop
from commerce.seed_plan import plan_shop
from commerce.settings import Settings
from tests.conftest import _empty


@pytest.fixture(scope="module")
async def shop(database: Database, settings: Settings) -> AsyncIterator[Database]:
    """One seeded database shared by this module's read-only tests (seeding takes ~1 s)."""
    await _empty(database)
    assert await seed_demo_shop(database, settings) is True
    yield database
    await _empty(database)


async def _rows(db: Database, statement: Any) -> list[Any]:
    reader = db.reader()
    try:
        return list(await reader.all(statement))
    finally:
        await reader.close()


def test_the_demo_shop_plan_is_the_same_every_time() -> None:
    first, second = plan_shop("USD", 7), plan_shop("USD", 7)
    assert [(p.row, [v.row for v in p.variants]) for p in first] == \
        [(p.row, [v.row for v in p.variants]) for p in second]


async def test_seeding_twice_creates_the_shop_only_once(shop: Database,
                                                        settings: Settings) -> None:
    before = (await _rows(shop, select(func.count()).select_from(Product)))[0][0]
    assert await seed_demo_shop(shop, settings) is False
    after = (await _rows(shop, select(func.count()).select_from(Product)))[0][0]
    assert before == after


async def test_the_shop_has_enough_active_products_and_nested_categories(
        shop: Database) -> None:
    statuses = Counter(r.status for r in await _rows(shop, select(Product.status)))
    assert statuses["ACTIVE"] >= 200
    assert statuses["DRAFT"] > 0
    categories = await _rows(shop, select(Category.id, Category.parent_id))
    assert len(categories) >= 8
    assert any(c.parent_id is not None for c in categories)
    used = {r.category_id for r in await _rows(shop, select(Product.category_id))}
    assert len(used) >= 8 and None not in used


async def test_every_product_has_one_to_five_variants_and_consistent_denormalised_columns(
        shop: Database, settings: Settings) -> None:
    variants: dict[int, list[Any]] = defaultdict(list)
    for v in await _rows(shop, select(ProductVariant).order_by(
            ProductVariant.product_id, ProductVariant.position, ProductVariant.id)):
        variants[v.product_id].append(v)
    products = await _rows(shop, select(Product.id, Product.name, Product.min_price,
                                        Product.max_price, Product.search_text,
                                        Product.currency))
    for p in products:
        own = variants[p.id]
        assert 1 <= len(own) <= 5, p.name
        prices = [v.price_amount for v in own]
        assert (p.min_price, p.max_price) == (min(prices), max(prices)), p.name
        assert p.search_text == " ".join([p.name, *(v.sku for v in own)]).lower()
        assert p.currency == settings.currency
        assert all(v.currency == settings.currency for v in own)
        assert all(v.compare_at_amount is None or v.compare_at_amount > v.price_amount
                   for v in own)
    barcodes = [v.barcode for own in variants.values() for v in own if v.barcode]
    assert len(barcodes) == len(set(barcodes))


async def test_stock_includes_sold_out_low_and_untracked_variants(shop: Database) -> None:
    tracked = {r.id: r.track_inventory for r in await _rows(
        shop, select(ProductVariant.id, ProductVariant.track_inventory))}
    available: Counter[int] = Counter()
    for s in await _rows(shop, select(Stock.variant_id, Stock.quantity, Stock.allocated)):
        available[s.variant_id] += s.quantity - s.allocated
    levels = [available[vid] for vid, is_tracked in tracked.items() if is_tracked]
    assert any(level == 0 for level in levels)
    assert any(1 <= level <= 3 for level in levels)
    assert sum(level > 3 for level in levels) > len(levels) / 2
    assert any(not is_tracked for is_tracked in tracked.values())
    warehouses = {r.warehouse_id for r in await _rows(shop, select(Stock.warehouse_id))}
    assert len(warehouses) == 2


async def test_products_have_images_and_the_sale_collection_has_discounts(
        shop: Database) -> None:
    images = Counter(r.product_id for r in await _rows(
        shop, select(ProductImage.product_id, ProductImage.url)))
    product_ids = [r.id for r in await _rows(shop, select(Product.id))]
    assert all(1 <= images[pid] <= 3 for pid in product_ids)
    urls = await _rows(shop, select(ProductImage.url, ProductImage.alt))
    assert all(u.url.startswith("https://") and u.alt for u in urls)
    on_sale = await _rows(shop, select(ProductVariant.compare_at_amount).join(
        CollectionProduct, CollectionProduct.product_id == ProductVariant.product_id).join(
        Collection, Collection.id == CollectionProduct.collection_id).where(
        Collection.slug == "summer-sale"))
    assert on_sale and all(r.compare_at_amount is not None for r in on_sale)
    slugs = {r.slug for r in await _rows(shop, select(Collection.slug))}
    assert {"summer-sale", "new-arrivals", "best-sellers"} <= slugs


@pytest.mark.parametrize(("email", "password", "staff"), [
    ("admin@example.com", "admin12345", True),
    ("customer@example.com", "customer12345", False),
])
async def test_the_demo_logins_exist_with_their_passwords(
        shop: Database, email: str, password: str, staff: bool) -> None:
    rows = await _rows(shop, select(User).where(User.email == email))
    assert len(rows) == 1
    user = rows[0]
    assert verify_password(user.password_hash, password)
    assert (user.is_staff, user.is_superuser) == (staff, staff)
