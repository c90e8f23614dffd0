"""Inventory read side: warehouses and stock rows, one statement per call."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, select

from commerce.db.database import Reader
from commerce.db.keyset import AnySelect, keyset
from commerce.db.models import Stock, Warehouse
from commerce.shared.pagination import Page, make_page, page_request

WAREHOUSE_COLUMNS = (
    Warehouse.id, Warehouse.name, Warehouse.code, Warehouse.street_address_1, Warehouse.city,
    Warehouse.postal_code, Warehouse.country_code, Warehouse.priority, Warehouse.is_active,
)
STOCK_COLUMNS = (Stock.id, Stock.variant_id, Stock.warehouse_id, Stock.quantity,
                 Stock.allocated)
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
