"""Fraud read side: risks for a batch of orders, the review queue, the blocklist (staff only;
the API checks MANAGE_ORDERS before calling these)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, Row, bindparam, select

from commerce.db.database import Reader
from commerce.db.keyset import AnySelect, keyset
from commerce.db.models import BlocklistEntry, Order, OrderRisk
from commerce.fraud.screening import RiskStatus
from commerce.fraud.signals import BlocklistKind
from commerce.orders.queries import ORDER_COLUMNS
from commerce.orders.state import OrderStatus
from commerce.shared.pagination import Page, PaginationError, make_page, page_request

RISK_COLUMNS = (OrderRisk.order_id, OrderRisk.score, OrderRisk.level, OrderRisk.facts,
                OrderRisk.status, OrderRisk.decided_by_id, OrderRisk.decided_at,
                OrderRisk.note, OrderRisk.created_at)
BLOCKLIST_COLUMNS = (BlocklistEntry.id, BlocklistEntry.kind, BlocklistEntry.value,
                     BlocklistEntry.note, BlocklistEntry.created_by_id,
                     BlocklistEntry.created_at)
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_RISKS_BY_ORDER_IDS = select(*RISK_COLUMNS).where(OrderRisk.order_id.in_(_IDS))
QUEUE_SORT = "risk-review"
BLOCKLIST_SORT = "blocklist"


async def risks_by_order_ids(reader: Reader, ids: Sequence[int]) -> dict[int, Row[Any]]:
    return {r.order_id: r for r in await reader.all(_RISKS_BY_ORDER_IDS, {"ids": list(ids)})}


def _queue_after(values: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
    if values is None:
        return None
    try:
        if not isinstance(values[1], int):
            raise ValueError
        return (datetime.fromisoformat(str(values[0])), values[1])
    except ValueError:
        raise PaginationError("`after`: malformed cursor") from None


async def review_queue(reader: Reader, *, first: int | None,
                       after: str | None) -> Page[Row[Any]]:
    """Orders whose risk is IN_REVIEW, oldest assessment first (the index
    (status, created_at, order_id) serves it). Orders staff canceled meanwhile drop out."""
    request = page_request(first, after, QUEUE_SORT, 2)
    statement: AnySelect = (
        select(*ORDER_COLUMNS, OrderRisk.created_at.label("risk_created_at"))
        .join(OrderRisk, OrderRisk.order_id == Order.id)
        .where(OrderRisk.status == RiskStatus.IN_REVIEW,
               Order.status != OrderStatus.CANCELED.value))
    statement = keyset(statement, [OrderRisk.created_at, OrderRisk.order_id], False,
                       _queue_after(request.after), request.first + 1)
    rows = await reader.all(statement)
    return make_page(rows, request, QUEUE_SORT,
                     lambda r: (r.risk_created_at.isoformat(), r.id))


async def blocklist_entries(reader: Reader, *, kind: BlocklistKind | None,
                            first: int | None, after: str | None) -> Page[Row[Any]]:
    """Entries newest first, optionally of one kind."""
    request = page_request(first, after, BLOCKLIST_SORT + (kind.value if kind else ""), 1)
    if request.after is not None and not isinstance(request.after[0], int):
        raise PaginationError("`after`: malformed cursor")
    statement: AnySelect = select(*BLOCKLIST_COLUMNS)
    if kind is not None:
        statement = statement.where(BlocklistEntry.kind == kind.value)
    statement = keyset(statement, [BlocklistEntry.id], True, request.after, request.first + 1)
    rows = await reader.all(statement)
    return make_page(rows, request, BLOCKLIST_SORT + (kind.value if kind else ""),
                     lambda r: (r.id,))


async def blocklist_entries_by_ids(reader: Reader, ids: Sequence[int]) -> dict[int, Row[Any]]:
    return {r.id: r for r in await reader.all(
        select(*BLOCKLIST_COLUMNS).where(BlocklistEntry.id.in_(list(ids))))}
