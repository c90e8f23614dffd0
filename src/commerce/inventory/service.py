"""Inventory use cases: warehouses, and staff changes to stock on hand (set, adjust).

Allocation for orders lives in ``inventory.allocation``. Staff changes never put on-hand
below what is allocated: the check and the write are one conditional UPDATE, so a
concurrent allocation cannot slip in between. Every change writes a journal row
(``inventory.journal``) and an outbox event with the quantities, in the same transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.catalog import rules
from commerce.db.database import Database
from commerce.db.integrity import unique_violations
from commerce.db.models import ProductVariant, Stock, Warehouse
from commerce.events.outbox import emit
from commerce.inventory.journal import MovementReason, record
from commerce.shared.countries import is_country
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, Problems
from commerce.shared.unset import UNSET, Maybe

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
MAX_CODE = 64
MAX_QUANTITY = 2**31 - 1  # the column is a 32-bit integer on PostgreSQL
MAX_PRIORITY = 1_000_000
MAX_REASON = 500


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
    if not is_country(country):
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


@dataclass(frozen=True, slots=True)
class StockChange:
    """A stock row after a staff change, and by how much its on-hand moved."""

    stock_id: int
    variant_id: int
    warehouse_id: int
    quantity_delta: int
    quantity: int
    allocated: int


_EVENT_TYPES = {MovementReason.SET: "stock.set", MovementReason.ADJUSTMENT: "stock.adjusted"}


async def _target(session: AsyncSession, problems: Problems, variant_id: int,
                  warehouse_id: int) -> ProductVariant | None:
    """The variant (for the event's unit cost); NOT_FOUND problems for a missing one."""
    variant = await session.get(ProductVariant, variant_id)
    if variant is None:
        problems.add(ErrorCode.NOT_FOUND, "no such variant", ["variantId"])
    if await session.get(Warehouse, warehouse_id) is None:
        problems.add(ErrorCode.NOT_FOUND, "no such warehouse", ["warehouseId"])
    problems.raise_if_any()
    return variant


async def _ensure_row(session: AsyncSession, dialect: str, variant_id: int,
                      warehouse_id: int) -> None:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(Stock).values(variant_id=variant_id, warehouse_id=warehouse_id,
                             quantity=0, allocated=0)
        .on_conflict_do_nothing(index_elements=["variant_id", "warehouse_id"]))


async def _journal(session: AsyncSession, change: StockChange, variant: ProductVariant,
                   reason: MovementReason, *, actor_id: int | None, note: str) -> None:
    await record(session, stock_id=change.stock_id, variant_id=change.variant_id,
                 sku=variant.sku,
                 warehouse_id=change.warehouse_id, reason=reason,
                 quantity_delta=change.quantity_delta, quantity_after=change.quantity,
                 allocated_after=change.allocated, actor_id=actor_id, note=note)
    if change.quantity_delta == 0:
        return  # a count that matched: journaled for the audit trail, but nothing changed
    payload: dict[str, Any] = {
        "stock_id": change.stock_id, "variant_id": change.variant_id,
        "warehouse_id": change.warehouse_id, "reason": reason.value,
        "quantity_delta": change.quantity_delta, "allocated_delta": 0,
        "quantity_after": change.quantity, "allocated_after": change.allocated,
        # The ledger values a write-off or a count difference at cost.
        "unit_cost": variant.cost_amount, "currency": variant.currency,
        "actor_id": actor_id, "note": note}
    await emit(session, _EVENT_TYPES[reason], "Stock", change.stock_id, payload)


async def stock_set(db: Database, variant_id: int, warehouse_id: int, quantity: int, *,
                    expected_quantity: int | None = None, actor_id: int | None = None
                    ) -> StockChange:
    """Set the units on hand of a variant in a warehouse (a stock count), creating the stock
    row if needed. With ``expected_quantity`` it is a compare-and-set: when on-hand is no
    longer what the caller saw, nothing changes and STOCK_CHANGED names the current count.
    """
    problems = Problems()
    if not 0 <= quantity <= MAX_QUANTITY:
        problems.add(ErrorCode.INVALID, "must be zero or more", ["quantity"])
    if expected_quantity is not None and not 0 <= expected_quantity <= MAX_QUANTITY:
        problems.add(ErrorCode.INVALID, "must be zero or more", ["expectedQuantity"])
    async with db.transaction() as session:
        variant = await _target(session, problems, variant_id, warehouse_id)
        assert variant is not None
        await _ensure_row(session, db.dialect, variant_id, warehouse_id)
        statement = select(Stock.id, Stock.quantity, Stock.allocated).where(
            Stock.variant_id == variant_id, Stock.warehouse_id == warehouse_id)
        if db.dialect == "postgresql":  # SQLite's write transaction already holds the lock
            statement = statement.with_for_update()
        before = (await session.execute(statement)).one()
        if expected_quantity is not None and before.quantity != expected_quantity:
            raise DomainError.one(
                ErrorCode.STOCK_CHANGED,
                f"on hand is now {before.quantity}, not {expected_quantity}: someone changed "
                "it meanwhile; count again or send the current quantity",
                ["expectedQuantity"])
        updated = (await session.execute(
            update(Stock).where(Stock.id == before.id, Stock.allocated <= quantity)
            .values(quantity=quantity).returning(Stock.quantity, Stock.allocated))).first()
        if updated is None:
            raise DomainError.one(
                ErrorCode.INVALID,
                f"{before.allocated} units are allocated to orders; on hand cannot go below "
                "that", ["quantity"])
        change = StockChange(before.id, variant_id, warehouse_id, quantity - before.quantity,
                             updated.quantity, updated.allocated)
        await _journal(session, change, variant, MovementReason.SET, actor_id=actor_id,
                       note="")
        return change


async def stock_adjust(db: Database, variant_id: int, warehouse_id: int, delta: int,
                       reason: str, *, actor_id: int | None = None) -> StockChange:
    """Add (goods found, returned to shelf) or remove (damaged, lost) units on hand.

    One conditional UPDATE: on-hand never drops below what is allocated, nor below zero, so
    concurrent adjustments and allocations cannot overdraw the row between check and write.
    """
    problems = Problems()
    if delta == 0 or abs(delta) > MAX_QUANTITY:
        problems.add(ErrorCode.INVALID, "must be a non-zero number of units", ["delta"])
    note = rules.check_text(problems, reason, ["reason"], max_length=MAX_REASON, required=True)
    async with db.transaction() as session:
        variant = await _target(session, problems, variant_id, warehouse_id)
        assert variant is not None
        if delta > 0:
            await _ensure_row(session, db.dialect, variant_id, warehouse_id)
        after = Stock.quantity + delta
        updated = (await session.execute(
            update(Stock)
            .where(Stock.variant_id == variant_id, Stock.warehouse_id == warehouse_id,
                   after >= Stock.allocated, after >= 0, after <= MAX_QUANTITY)
            .values(quantity=after)
            .returning(Stock.id, Stock.quantity, Stock.allocated))).first()
        if updated is None:
            raise await _adjust_refused(session, variant_id, warehouse_id, delta)
        change = StockChange(updated.id, variant_id, warehouse_id, delta, updated.quantity,
                             updated.allocated)
        await _journal(session, change, variant, MovementReason.ADJUSTMENT, actor_id=actor_id,
                       note=note)
        return change


async def _adjust_refused(session: AsyncSession, variant_id: int, warehouse_id: int,
                          delta: int) -> DomainError:
    row = (await session.execute(select(Stock.quantity, Stock.allocated).where(
        Stock.variant_id == variant_id, Stock.warehouse_id == warehouse_id))).first()
    quantity, allocated = (0, 0) if row is None else (row.quantity, row.allocated)
    if quantity + delta > MAX_QUANTITY:
        return DomainError.one(ErrorCode.INVALID, "on hand would be too large", ["delta"])
    return DomainError.one(
        ErrorCode.INSUFFICIENT_STOCK,
        f"{quantity} on hand and {allocated} allocated to orders: on hand can go down by at "
        f"most {quantity - allocated}", ["delta"])
