"""Test data: users with tokens written straight to the database, catalog through services.

Argon2 is slow by design, so the one test password is hashed once per session.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Executable, Row, select

from commerce.accounts.passwords import hash_password
from commerce.accounts.permissions import Permission
from commerce.accounts.tokens import hash_token, new_token
from commerce.catalog import service
from commerce.db.database import Database
from commerce.db.models import AuthToken, ProductVariant, User
from commerce.inventory import service as inventory
from commerce.shared.clock import utcnow

PASSWORD = "test-password-123"
_serial = itertools.count(1)


@functools.cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


async def _user_with_token(db: Database, *, staff: bool, superuser: bool = False,
                           permissions: Sequence[Permission] = ()) -> str:
    token = new_token()
    async with db.transaction() as session:
        user = User(email=f"user{next(_serial)}@example.com", password_hash=_password_hash(),
                    is_staff=staff or superuser, is_superuser=superuser,
                    permissions=sorted(p.value for p in permissions))
        session.add(user)
        await session.flush()
        session.add(AuthToken(user_id=user.id, token_hash=hash_token(token),
                              expires_at=utcnow() + timedelta(hours=1)))
    return token


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
