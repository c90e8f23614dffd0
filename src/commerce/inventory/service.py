"""Inventory use cases for now: warehouses and setting a variant's stock on hand.

Allocation (orders taking stock) arrives with the order workflow; ``stock_set`` already
respects it by never putting on-hand below what is allocated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.catalog import rules
from commerce.db.database import Database
from commerce.db.integrity import unique_violations
from commerce.db.models import ProductVariant, Stock, Warehouse
from commerce.shared.countries import COUNTRIES
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, Problems
from commerce.shared.unset import UNSET, Maybe

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
MAX_CODE = 64
MAX_QUANTITY = 2**31 - 1  # the column is a 32-bit integer on PostgreSQL
MAX_PRIORITY = 1_000_000


@dataclass(frozen=True, slots=True)
class WarehouseData:
    name: str
    code: str
    street_address_1: str = ""
    city: str = ""
    postal_code: str = ""
    country_code: str = "US"
    priority: int = 0  # lower = preferred
    is_active: bool = True


@dataclass(frozen=True, slots=True)
class WarehouseChanges:
    name: Maybe[str] = UNSET
    code: Maybe[str] = UNSET
    street_address_1: Maybe[str] = UNSET
    city: Maybe[str] = UNSET
    postal_code: Maybe[str] = UNSET
    country_code: Maybe[str] = UNSET
    priority: Maybe[int] = UNSET
    is_active: Maybe[bool] = UNSET


def _check(problems: Problems, data: WarehouseData) -> WarehouseData:
    """Validate every field of a warehouse as it will be stored; returns it cleaned."""
    code = rules.check_text(problems, data.code, ["code"], max_length=MAX_CODE, required=True)
    if code and not _CODE.match(code):
        problems.add(ErrorCode.INVALID, "use letters, digits, '-' and '_' only", ["code"])
    country = data.country_code.strip().upper()
    if country not in COUNTRIES:
        problems.add(ErrorCode.INVALID, "must be an ISO 3166-1 alpha-2 code such as \"US\"",
                     ["countryCode"])
    if not 0 <= data.priority <= MAX_PRIORITY:
        problems.add(ErrorCode.INVALID, f"must be between 0 and {MAX_PRIORITY}", ["priority"])
    return WarehouseData(
        name=rules.check_text(problems, data.name, ["name"], max_length=rules.MAX_NAME,
                              required=True),
        code=code,
        street_address_1=rules.check_text(problems, data.street_address_1,
                                          ["streetAddress1"], max_length=256),
        city=rules.check_text(problems, data.city, ["city"], max_length=256),
        postal_code=rules.check_text(problems, data.postal_code, ["postalCode"], max_length=32),
        country_code=country, priority=data.priority, is_active=data.is_active)


async def _code_taken(session: AsyncSession, code: str, except_id: int | None = None) -> bool:
    statement = select(Warehouse.id).where(Warehouse.code == code)
    if except_id is not None:
        statement = statement.where(Warehouse.id != except_id)
    return await session.scalar(statement.limit(1)) is not None


_FIELDS = ("name", "code", "street_address_1", "city", "postal_code", "country_code",
           "priority", "is_active")


async def warehouse_create(db: Database, data: WarehouseData) -> int:
    problems = Problems()
    clean = _check(problems, data)
    with unique_violations("this warehouse code is already used", ["code"]):
        async with db.transaction() as session:
            if clean.code and await _code_taken(session, clean.code):
                problems.add(ErrorCode.DUPLICATE, f"code {clean.code!r} is already used",
                             ["code"])
            problems.raise_if_any()
            warehouse = Warehouse(**{f: getattr(clean, f) for f in _FIELDS})
            session.add(warehouse)
            await session.flush()
            return warehouse.id


async def warehouse_update(db: Database, warehouse_id: int, changes: WarehouseChanges) -> int:
    with unique_violations("this warehouse code is already used", ["code"]):
        async with db.transaction() as session:
            warehouse = await session.get(Warehouse, warehouse_id, with_for_update=True)
            if warehouse is None:
                raise DomainError.one(ErrorCode.NOT_FOUND, "no such warehouse", ["id"])
            merged = WarehouseData(**{
                f: getattr(warehouse, f) if getattr(changes, f) is UNSET else getattr(changes, f)
                for f in _FIELDS})
            problems = Problems()
            clean = _check(problems, merged)
            if clean.code != warehouse.code and await _code_taken(session, clean.code,
                                                                  warehouse.id):
                problems.add(ErrorCode.DUPLICATE, f"code {clean.code!r} is already used",
                             ["code"])
            problems.raise_if_any()
            for f in _FIELDS:
                setattr(warehouse, f, getattr(clean, f))
            return warehouse.id


async def stock_set(db: Database, variant_id: int, warehouse_id: int, quantity: int) -> None:
    """Set the units on hand of a variant in a warehouse, creating the stock row if needed.

    The quantity may not go below what is allocated; the check and the write are one
    conditional UPDATE, so a concurrent allocation cannot slip in between.
    """
    problems = Problems()
    if not 0 <= quantity <= MAX_QUANTITY:
        problems.add(ErrorCode.INVALID, "must be zero or more", ["quantity"])
    async with db.transaction() as session:
        if await session.get(ProductVariant, variant_id) is None:
            problems.add(ErrorCode.NOT_FOUND, "no such variant", ["variantId"])
        if await session.get(Warehouse, warehouse_id) is None:
            problems.add(ErrorCode.NOT_FOUND, "no such warehouse", ["warehouseId"])
        problems.raise_if_any()
        insert = pg_insert if db.dialect == "postgresql" else sqlite_insert
        await session.execute(
            insert(Stock).values(variant_id=variant_id, warehouse_id=warehouse_id,
                                 quantity=0, allocated=0)
            .on_conflict_do_nothing(index_elements=["variant_id", "warehouse_id"]))
        updated = await session.execute(
            update(Stock)
            .where(Stock.variant_id == variant_id, Stock.warehouse_id == warehouse_id,
                   Stock.allocated <= quantity)
            .values(quantity=quantity).returning(Stock.id))
        if updated.first() is None:
            allocated = await session.scalar(select(Stock.allocated).where(
                Stock.variant_id == variant_id, Stock.warehouse_id == warehouse_id))
            raise DomainError.one(
                ErrorCode.INVALID,
                f"{allocated} units are allocated to orders; on hand cannot go below that",
                ["quantity"])
