"""``commerce seed``: fill an empty database with the demo shop (the same shop every time).

The catalog rows come from ``commerce.seed_plan`` and the shipping zones, tax rates and
discount codes from ``commerce.seed_shipping``; they are bulk-inserted in one write
transaction (executemany with RETURNING for the ids children need). Opening stock is
journaled like any stock count. Then ``commerce.seed_orders`` places a history of orders
through checkout. Seeding takes a few seconds on SQLite.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import asdict
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
    StockMovement,
    User,
    Warehouse,
)
from commerce.db.shop_currency import ensure_shop_currency
from commerce.inventory.journal import MovementReason
from commerce.seed_books import seed_books
from commerce.seed_data import COLLECTIONS, LEAVES, ROOT_CATEGORIES, WAREHOUSES
from commerce.seed_fulfillments import seed_fulfillments
from commerce.seed_orders import SHOPPERS, Candidate, place_orders, plan_orders
from commerce.seed_plan import PlannedProduct, plan_shop
from commerce.seed_returns import seed_returns
from commerce.seed_shipping import seed_shipping_and_pricing
from commerce.settings import Settings
from commerce.shared.clock import utcnow
from commerce.shared.money import exponent
from commerce.shared.text import slugify

DEFAULT_SEED = 20240601
CATALOG_AGE = timedelta(days=90)

DEMO_USERS: tuple[dict[str, Any], ...] = (
    {"email": "admin@example.com", "password": "admin12345", "first_name": "Alex",
     "last_name": "Morgan", "is_staff": True, "is_superuser": True},
    {"email": "customer@example.com", "password": "customer12345", "first_name": "Sam",
     "last_name": "Rivera", "is_staff": False, "is_superuser": False},
)
# Not an argon2 hash, so no password ever matches it: such an account cannot sign in.
NO_PASSWORD = "!"
CUSTOMER_ADDRESS = {
    "first_name": "Sam", "last_name": "Rivera", "street_address_1": "350 Fifth Avenue",
    "city": "New York", "postal_code": "10118", "country_code": "US", "country_area": "NY",
    "phone": "+12125550123", "is_default_shipping": True, "is_default_billing": True,
}


async def seed_demo_shop(db: Database, settings: Settings, seed: int = DEFAULT_SEED) -> bool:
    """Create the demo shop; False (and nothing written) when there are products already.
    Raises ``CurrencyMismatchError`` when the database is in another currency."""
    await ensure_shop_currency(db, settings.currency)
    products = plan_shop(settings.currency, seed)
    # Hash before taking the write lock: argon2 is deliberately slow.
    hashes = {u["email"]: hash_password(u["password"]) for u in DEMO_USERS}
    scale: int = 10 ** exponent(settings.currency)

    def minor(cents: int) -> int:
        return cents * scale // 100

    now = utcnow().replace(microsecond=0)
    async with db.transaction() as session:
        if await session.scalar(select(Product.id).limit(1)) is not None:
            return False
        categories = await _categories(session)
        warehouses = await _ids(session, Warehouse, [
            {"name": name, "code": code, "street_address_1": street, "city": city,
             "postal_code": postal, "country_code": "US", "priority": priority}
            for name, code, street, city, postal, priority in WAREHOUSES])
        product_ids = await _products(session, products, categories)
        variant_ids = await _variants_and_stock(
            session, products, product_ids,
            dict(zip([w[1] for w in WAREHOUSES], warehouses, strict=True)))
        await _collections(session, products, product_ids, random.Random(seed + 1))
        user_ids = await _users(session, hashes)
        methods = await seed_shipping_and_pricing(session, now, minor)
    await seed_books(db, settings, opened_at=now - CATALOG_AGE,
                     actor_id=user_ids.get("admin@example.com"))
    plan = plan_orders(_candidates(products), seed + 2, minor(5000))
    placed = await place_orders(db, settings, plan, variant_ids=variant_ids, methods=methods,
                                user_ids=user_ids, staff_id=user_ids.get("admin@example.com"),
                                now=now)
    await seed_fulfillments(db, settings, placed, staff_id=user_ids.get("admin@example.com"))
    await seed_returns(db, settings, staff_id=user_ids.get("admin@example.com"))
    return True


def _candidates(products: list[PlannedProduct]) -> list[Candidate]:
    """Variants of active products, with the units they start with (None: not tracked)."""
    found = []
    index = 0
    for product in products:
        for variant in product.variants:
            if product.row["status"] == "ACTIVE":
                tracked = variant.row["track_inventory"]
                found.append(Candidate(index, variant.row["price_amount"],
                                       sum(q - a for _, q, a in variant.stock)
                                       if tracked else None))
            index += 1
    return found


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
                              product_ids: list[int], warehouses: dict[str, int]) -> list[int]:
    """Insert variants, images and stock (journaled as opening counts); the variant ids in
    plan order."""
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
    stock_ids = await _ids(session, Stock, stock_rows)
    skus = {variant_id: variant.row["sku"]
            for variant, variant_id in zip(planned, variant_ids, strict=True)}
    # Orders allocate stock later, through checkout; the opening counts are journaled so
    # the movements journal sums to every stock row.
    await session.execute(insert(StockMovement), [
        {"stock_id": stock_id, "variant_id": row["variant_id"], "sku": skus[row["variant_id"]],
         "warehouse_id": row["warehouse_id"], "reason": MovementReason.SET.value,
         "quantity_delta": row["quantity"], "allocated_delta": 0,
         "quantity_after": row["quantity"], "allocated_after": 0, "note": "Opening stock",
         # Dated with the catalog, before the (backdated) order history.
         "created_at": utcnow().replace(second=0, microsecond=0) - CATALOG_AGE}
        for stock_id, row in zip(stock_ids, stock_rows, strict=True)])
    return variant_ids


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


async def _users(session: AsyncSession, hashes: dict[str, str]) -> dict[str, int]:
    """The demo logins, plus a few registered shoppers who cannot sign in (their password
    hash is unusable); an account that already exists (say, from create-staff) is kept.
    Returns every demo account's id by e-mail."""
    others = [s for s in SHOPPERS if s.registered and s.email not in hashes]
    emails = [*hashes, *(s.email for s in others)]
    existing = set((await session.scalars(
        select(User.email).where(User.email.in_(emails)))).all())
    rows = [{**{k: v for k, v in user.items() if k != "password"},
             "password_hash": hashes[user["email"]], "permissions": []}
            for user in DEMO_USERS if user["email"] not in existing]
    rows += [{"email": s.email, "first_name": s.address.first_name,
              "last_name": s.address.last_name, "is_staff": False, "is_superuser": False,
              "password_hash": NO_PASSWORD, "permissions": []}
             for s in others if s.email not in existing]
    ids = dict(zip([r["email"] for r in rows], await _ids(session, User, rows), strict=True))
    addresses = [{**CUSTOMER_ADDRESS, "user_id": ids["customer@example.com"]}] \
        if "customer@example.com" in ids else []
    addresses += [{**{k: v for k, v in asdict(s.address).items() if v},
                   "is_default_shipping": True, "is_default_billing": True,
                   "user_id": ids[s.email]} for s in others if s.email in ids]
    if addresses:
        await session.execute(insert(Address), addresses)
    found = (await session.execute(select(User.email, User.id).where(
        User.email.in_(emails)))).all()
    return {row.email: row.id for row in found}
