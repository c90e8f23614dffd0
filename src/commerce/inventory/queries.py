"""Inventory read side: warehouses, stock rows, the movements journal and low stock;
one statement per call."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, func, select

from commerce.catalog.queries import VARIANT_COLUMNS
from commerce.db.database import Reader
from commerce.db.keyset import AnySelect, keyset
from commerce.db.models import Product, ProductVariant, Stock, StockMovement, Warehouse
from commerce.inventory.availability import reserved_units, sellable_units
from commerce.shared.pagination import Page, make_page, page_request

WAREHOUSE_COLUMNS = (
    Warehouse.id, Warehouse.name, Warehouse.code, Warehouse.street_address_1, Warehouse.city,
    Warehouse.postal_code, Warehouse.country_code, Warehouse.priority, Warehouse.is_active,
)
STOCK_COLUMNS = (Stock.id, Stock.variant_id, Stock.warehouse_id, Stock.quantity,
                 Stock.allocated, reserved_units(Stock.id).label("reserved"))
_BY_PRIORITY = "priority:asc"


async def list_warehouses(reader: Reader, *, first: int | None, after: str | None
                          ) -> Page[Row[Any]]:
    """Warehouses in the order stock is taken from them: priority, then age."""
    request = page_request(first, after, _BY_PRIORITY, 2)
    statement: AnySelect = select(*WAREHOUSE_COLUMNS)
    statement = keyset(statement, [Warehouse.priority, Warehouse.id], False, request.after,
                       request.first + 1)
    rows = await reader.all(statement)
    return make_page(rows, request, _BY_PRIORITY, lambda r: (r.priority, r.id))


async def warehouses_by_ids(reader: Reader, ids: Sequence[int]) -> dict[int, Row[Any]]:
    rows = await reader.all(select(*WAREHOUSE_COLUMNS).where(Warehouse.id.in_(ids)))
    return {r.id: r for r in rows}


async def stocks_by_variant_ids(reader: Reader, ids: Sequence[int]
                                ) -> dict[int, list[Row[Any]]]:
    """Each variant's stock rows, in warehouse priority order."""
    rows = await reader.all(
        select(*STOCK_COLUMNS)
        .join(Warehouse, Warehouse.id == Stock.warehouse_id)
        .where(Stock.variant_id.in_(ids))
        .order_by(Stock.variant_id, Warehouse.priority, Warehouse.id))
    grouped: dict[int, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        grouped[row.variant_id].append(row)
    return grouped


MOVEMENT_COLUMNS = (
    StockMovement.id, StockMovement.stock_id, StockMovement.variant_id, StockMovement.sku,
    StockMovement.warehouse_id, StockMovement.reason, StockMovement.quantity_delta,
    StockMovement.allocated_delta, StockMovement.quantity_after, StockMovement.allocated_after,
    StockMovement.actor_id, StockMovement.order_id, StockMovement.note, StockMovement.created_at,
)
_NEWEST = "id:desc"


@dataclass(frozen=True, slots=True)
class MovementFilter:
    variant_id: int | None = None
    warehouse_id: int | None = None
    reason: str | None = None
    order_id: int | None = None


async def list_movements(reader: Reader, flt: MovementFilter, *, first: int | None,
                         after: str | None) -> Page[Row[Any]]:
    """The journal newest first (ids grow with time, so the id alone orders it)."""
    request = page_request(first, after, _NEWEST, 1)
    statement: AnySelect = select(*MOVEMENT_COLUMNS)
    for column, value in ((StockMovement.variant_id, flt.variant_id),
                          (StockMovement.warehouse_id, flt.warehouse_id),
                          (StockMovement.reason, flt.reason),
                          (StockMovement.order_id, flt.order_id)):
        if value is not None:
            statement = statement.where(column == value)
    statement = keyset(statement, [StockMovement.id], True, request.after, request.first + 1)
    rows = await reader.all(statement)
    return make_page(rows, request, _NEWEST, lambda r: (r.id,))


_LOW = "available:asc"


async def list_low_stock(reader: Reader, *, default_threshold: int, first: int | None,
                         after: str | None) -> Page[Row[Any]]:
    """Tracked variants (of products not archived) whose availability — on hand minus
    allocated minus live reservations, over active warehouses — is at or below their own
    threshold, or ``default_threshold`` when they have none; the scarcest first."""
    request = page_request(first, after, _LOW, 2)
    available = (
        select(Stock.variant_id, func.sum(sellable_units()).label("units"))
        .join(Warehouse, Warehouse.id == Stock.warehouse_id)
        .where(Warehouse.is_active.is_(True))
        .group_by(Stock.variant_id)
        .subquery())
    units = func.coalesce(available.c.units, 0)
    threshold = func.coalesce(ProductVariant.low_stock_threshold, default_threshold)
    statement: AnySelect = (
        select(*VARIANT_COLUMNS, threshold.label("threshold"))
        .join(Product, Product.id == ProductVariant.product_id)
        .outerjoin(available, available.c.variant_id == ProductVariant.id)
        .where(ProductVariant.track_inventory.is_(True), Product.status != "ARCHIVED",
               units <= threshold))
    statement = keyset(statement, [units, ProductVariant.id], False, request.after,
                       request.first + 1)
    rows = await reader.all(statement)
    return make_page(rows, request, _LOW, lambda r: (int(r.available), r.id))
