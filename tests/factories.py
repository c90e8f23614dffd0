"""Test data: users with tokens (see ``account_helpers``), catalog through services."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Executable, Row, select

from commerce.accounts.permissions import Permission
from commerce.catalog import service
from commerce.db.database import Database
from commerce.db.models import ProductVariant
from commerce.inventory import service as inventory
from tests.account_helpers import make_token, make_user

_serial = itertools.count(1)


async def _user_with_token(db: Database, *, staff: bool, superuser: bool = False,
                           permissions: Sequence[Permission] = ()) -> str:
    user_id = await make_user(db, f"user{next(_serial)}@example.com", staff=staff,
                              superuser=superuser, permissions=permissions)
    return await make_token(db, user_id)


async def create_staff(db: Database, permissions: Sequence[Permission] = (),
                       superuser: bool = False) -> str:
    """A staff user's bearer token."""
    return await _user_with_token(db, staff=True, superuser=superuser, permissions=permissions)


async def create_customer(db: Database) -> str:
    """A customer's bearer token."""
    return await _user_with_token(db, staff=False)


async def create_category(db: Database, name: str, parent_id: int | None = None,
                          slug: str | None = None) -> int:
    return await service.category_create(
        db, service.CategoryData(name=name, slug=slug, parent_id=parent_id))


async def create_collection(db: Database, name: str, *, published: bool = True) -> int:
    return await service.collection_create(
        db, service.CollectionData(name=name, is_published=published))


def variant(sku: str, price: int, **fields: object) -> service.VariantData:
    return service.VariantData(sku=sku, price=price, **fields)  # type: ignore[arg-type]


async def create_product(db: Database, name: str, *, status: str = "ACTIVE",
                         variants: Sequence[service.VariantData] = (),
                         category_id: int | None = None,
                         collection_ids: Sequence[int] = (),
                         option_names: Sequence[str] = (),
                         images: Sequence[str] = ()) -> int:
    return await service.product_create(db, service.ProductData(
        name=name, status=status, variants=variants, category_id=category_id,
        collection_ids=collection_ids, option_names=option_names,
        images=[service.ImageData(url=url, alt=name) for url in images]), currency="USD")


async def create_warehouse(db: Database, code: str = "MAIN", *, priority: int = 0,
                           active: bool = True) -> int:
    return await inventory.warehouse_create(db, inventory.WarehouseData(
        name=f"Warehouse {code}", code=code, priority=priority, is_active=active))


async def fetch(db: Database, statement: Executable) -> Sequence[Row[Any]]:
    """Rows as committed, on a connection of its own."""
    async with db.read_engine.connect() as conn:
        return (await conn.execute(statement)).all()


async def variant_ids(db: Database, product_id: int) -> list[int]:
    rows = await fetch(db, select(ProductVariant.id).where(
        ProductVariant.product_id == product_id).order_by(ProductVariant.position,
                                                          ProductVariant.id))
    return [r.id for r in rows]
