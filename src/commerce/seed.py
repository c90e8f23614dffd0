"""``commerce seed``: fill an empty database with the demo shop (the same shop every time).

The rows come from ``commerce.seed_plan``; here they are bulk-inserted in one write
transaction (executemany with RETURNING for the ids children need), which keeps seeding
well under a few seconds on SQLite.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.accounts.passwords import hash_password
from commerce.db.database import Database
from commerce.db.models import (
    Address,
    Category,
    Collection,
    CollectionProduct,
    Product,
    ProductImage,
    ProductVariant,
    Stock,
    User,
    Warehouse,
)
from commerce.seed_data import COLLECTIONS, LEAVES, ROOT_CATEGORIES, WAREHOUSES
from commerce.seed_plan import PlannedProduct, plan_shop
from commerce.settings import Settings
from commerce.shared.clock import utcnow
from commerce.shared.text import slugify

DEFAULT_SEED = 20240601
CATALOG_AGE = timedelta(days=90)

DEMO_USERS: tuple[dict[str, Any], ...] = (
    {"email": "admin@example.com", "password": "admin12345", "first_name": "Alex",
     "last_name": "Morgan", "is_staff": True, "is_superuser": True},
    {"email": "customer@example.com", "password": "customer12345", "first_name": "Sam",
     "last_name": "Rivera", "is_staff": False, "is_superuser": False},
)
CUSTOMER_ADDRESS = {
    "first_name": "Sam", "last_name": "Rivera", "street_address_1": "350 Fifth Avenue",
    "city": "New York", "postal_code": "10118", "country_code": "US", "country_area": "NY",
    "phone": "+12125550123", "is_default_shipping": True, "is_default_billing": True,
}


async def seed_demo_shop(db: Database, settings: Settings, seed: int = DEFAULT_SEED) -> bool:
    """Create the demo shop; False (and nothing written) when there are products already."""
    products = plan_shop(settings.currency, seed)
    # Hash before taking the write lock: argon2 is deliberately slow.
    hashes = {u["email"]: hash_password(u["password"]) for u in DEMO_USERS}
    async with db.transaction() as session:
        if await session.scalar(select(Product.id).limit(1)) is not None:
            return False
        categories = await _categories(session)
        warehouses = await _ids(session, Warehouse, [
            {"name": name, "code": code, "street_address_1": street, "city": city,
             "postal_code": postal, "country_code": "US", "priority": priority}
            for name, code, street, city, postal, priority in WAREHOUSES])
        product_ids = await _products(session, products, categories)
        await _variants_and_stock(session, products, product_ids,
                                  dict(zip([w[1] for w in WAREHOUSES], warehouses, strict=True)))
        await _collections(session, products, product_ids, random.Random(seed + 1))
        await _users(session, hashes)
    return True


async def _ids(session: AsyncSession, model: Any, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Bulk insert; the new primary keys in the order of ``rows``."""
    if not rows:
        return []
    result = await session.execute(
        insert(model).returning(model.id, sort_by_parameter_order=True), list(rows))
    return list(result.scalars().all())


async def _categories(session: AsyncSession) -> dict[str, int]:
    roots = [(name, description) for name, description in ROOT_CATEGORIES]
    roots += [(leaf.name, leaf.description) for leaf in LEAVES if leaf.parent is None]
    ids = await _ids(session, Category, [
        {"name": name, "slug": slugify(name), "description": description, "position": k,
         "parent_id": None} for k, (name, description) in enumerate(roots)])
    by_name = dict(zip([name for name, _ in roots], ids, strict=True))
    children = [leaf for leaf in LEAVES if leaf.parent is not None]
    child_ids = await _ids(session, Category, [
        {"name": leaf.name, "slug": slugify(leaf.name), "description": leaf.description,
         "position": k, "parent_id": by_name[leaf.parent]}
        for k, leaf in enumerate(children) if leaf.parent is not None])
    by_name.update(zip([leaf.name for leaf in children], child_ids, strict=True))
    return by_name


async def _products(session: AsyncSession, products: list[PlannedProduct],
                    categories: dict[str, int]) -> list[int]:
    # Spread creation times over the last few months so "newest first" means something.
    start = utcnow().replace(second=0, microsecond=0) - CATALOG_AGE
    gap = CATALOG_AGE / len(products)
    rows = []
    for k, product in enumerate(products):
        created = start + gap * k
        rows.append({**product.row, "category_id": categories[product.category],
                     "created_at": created, "updated_at": created})
    return await _ids(session, Product, rows)


async def _variants_and_stock(session: AsyncSession, products: list[PlannedProduct],
                              product_ids: list[int], warehouses: dict[str, int]) -> None:
    variant_rows: list[dict[str, Any]] = []
    image_rows: list[dict[str, Any]] = []
    for product, product_id in zip(products, product_ids, strict=True):
        variant_rows += [{**v.row, "product_id": product_id} for v in product.variants]
        image_rows += [{**image, "product_id": product_id} for image in product.images]
    variant_ids = await _ids(session, ProductVariant, variant_rows)
    planned = [v for p in products for v in p.variants]
    stock_rows = [
        {"variant_id": variant_id, "warehouse_id": warehouses[code], "quantity": on_hand,
         "allocated": allocated}
        for variant, variant_id in zip(planned, variant_ids, strict=True)
        for code, on_hand, allocated in variant.stock]
    await session.execute(insert(ProductImage), image_rows)
    await session.execute(insert(Stock), stock_rows)


async def _collections(session: AsyncSession, products: list[PlannedProduct],
                       product_ids: list[int], rng: random.Random) -> None:
    active = [pid for p, pid in zip(products, product_ids, strict=True)
              if p.row["status"] == "ACTIVE"]
    drafts = [pid for p, pid in zip(products, product_ids, strict=True)
              if p.row["status"] == "DRAFT"]
    gifty = {"Home fragrance", "Stationery", "Gift cards", "Knitwear", "Coffee", "Snacks"}
    members = {
        "Summer sale": [pid for p, pid in zip(products, product_ids, strict=True) if p.on_sale],
        "New arrivals": active[-24:][::-1],
        "Best sellers": rng.sample(active, 20),
        "Gift ideas": rng.sample([pid for p, pid in zip(products, product_ids, strict=True)
                                  if p.category in gifty and p.row["status"] == "ACTIVE"], 16),
        "Autumn preview": drafts[:4] + rng.sample(active, 4),
    }
    ids = await _ids(session, Collection, [
        {"name": name, "slug": slugify(name), "description": description,
         "is_published": published} for name, description, published in COLLECTIONS])
    await session.execute(insert(CollectionProduct), [
        {"collection_id": collection_id, "product_id": product_id, "position": k}
        for (name, _, _), collection_id in zip(COLLECTIONS, ids, strict=True)
        for k, product_id in enumerate(members[name])])


async def _users(session: AsyncSession, hashes: dict[str, str]) -> None:
    """The demo logins; an account that already exists (say, from create-staff) is kept."""
    existing = set((await session.scalars(
        select(User.email).where(User.email.in_(list(hashes))))).all())
    rows = [{**{k: v for k, v in user.items() if k != "password"},
             "password_hash": hashes[user["email"]], "permissions": []}
            for user in DEMO_USERS if user["email"] not in existing]
    ids = dict(zip([r["email"] for r in rows], await _ids(session, User, rows), strict=True))
    customer_id = ids.get("customer@example.com")
    if customer_id is not None:
        await session.execute(insert(Address), [{**CUSTOMER_ADDRESS, "user_id": customer_id}])
