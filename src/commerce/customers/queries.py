"""Customers read side: the staff listing, and rows for DataLoader batches.

A customer is a non-staff user. Order aggregates (count, total spent, last order) for any
number of customers come from one grouped statement; the listing joins the same aggregate
only when it sorts by one of them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Row,
    bindparam,
    case,
    exists,
    func,
    literal,
    or_,
    select,
)

from commerce.customers.filters import CustomerFilter, CustomerSort, CustomerSortField
from commerce.db.base import UTCDateTime
from commerce.db.database import Reader
from commerce.db.keyset import AnySelect, keyset
from commerce.db.models import CustomerNote, Order, User
from commerce.shared.pagination import Page, PaginationError, make_page, page_request
from commerce.shared.text import like_pattern

CUSTOMER_COLUMNS = (User.id, User.email, User.first_name, User.last_name, User.is_active,
                    User.note, User.created_at)
NOTE_COLUMNS = (CustomerNote.id, CustomerNote.user_id, CustomerNote.author_id,
                CustomerNote.message, CustomerNote.created_at)

# Customers without orders sort as if their last order were at the epoch (first ascending).
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)


def _stats() -> AnySelect:
    """Per customer: orders placed (any status), total of those not canceled, latest one."""
    return (
        select(Order.user_id.label("user_id"),
               func.count(Order.id).label("order_count"),
               func.coalesce(func.sum(case((Order.status != "CANCELED", Order.total),
                                           else_=0)), 0).label("total_spent"),
               func.max(Order.created_at).label("last_order_at"))
        .where(Order.user_id.is_not(None))
        .group_by(Order.user_id)
    )


_CUSTOMERS_BY_IDS = select(*CUSTOMER_COLUMNS).where(User.id.in_(_IDS), User.is_staff.is_(False))
_STATS_BY_USER_IDS = _stats().where(Order.user_id.in_(_IDS))
_NOTES_BY_USER_IDS = (select(*NOTE_COLUMNS).where(CustomerNote.user_id.in_(_IDS))
                      .order_by(CustomerNote.user_id, CustomerNote.id.desc()))


async def customers_by_ids(reader: Reader, ids: Sequence[int]) -> dict[int, Row[Any]]:
    """Non-staff users only: a staff account is not a customer."""
    return {r.id: r for r in await reader.all(_CUSTOMERS_BY_IDS, {"ids": list(ids)})}


async def stats_by_user_ids(reader: Reader, ids: Sequence[int]) -> dict[int, Row[Any]]:
    """Aggregates for the customers that have orders; absent keys have none."""
    return {r.user_id: r for r in await reader.all(_STATS_BY_USER_IDS, {"ids": list(ids)})}


async def notes_by_user_ids(reader: Reader, ids: Sequence[int]) -> dict[int, list[Row[Any]]]:
    """Staff notes per customer, newest first."""
    grouped: dict[int, list[Row[Any]]] = defaultdict(list)
    for row in await reader.all(_NOTES_BY_USER_IDS, {"ids": list(ids)}):
        grouped[row.user_id].append(row)
    return grouped


def _filters(flt: CustomerFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [User.is_staff.is_(False)]
    if flt.search:
        pattern = like_pattern(flt.search)
        full_name = func.lower(User.first_name + literal(" ") + User.last_name)
        clauses.append(or_(func.lower(User.email).like(pattern, escape="\\"),
                           full_name.like(pattern, escape="\\")))
    if flt.is_active is not None:
        clauses.append(User.is_active.is_(flt.is_active))
    if flt.has_orders is not None:
        placed = exists().where(Order.user_id == User.id)
        clauses.append(placed if flt.has_orders else ~placed)
    return clauses


def _after(sort: CustomerSort, values: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
    """Cursor values (JSON) back into column types."""
    if values is None:
        return None
    first, pk = values
    if not isinstance(pk, int):
        raise PaginationError("`after`: malformed cursor")
    if sort.field is CustomerSortField.EMAIL and isinstance(first, str):
        return (first, pk)
    if sort.field is CustomerSortField.TOTAL_SPENT and isinstance(first, int):
        return (first, pk)
    if sort.field in (CustomerSortField.CREATED_AT, CustomerSortField.LAST_ORDER_AT) \
            and isinstance(first, str):
        try:
            moment = datetime.fromisoformat(first)
        except ValueError:
            raise PaginationError("`after`: malformed cursor") from None
        if moment.tzinfo is not None:
            return (moment, pk)
    raise PaginationError("`after`: malformed cursor")


def _key(sort: CustomerSort, row: Row[Any]) -> tuple[Any, ...]:
    if sort.field is CustomerSortField.EMAIL:
        return (row.email, row.id)
    if sort.field is CustomerSortField.CREATED_AT:
        return (row.created_at.isoformat(), row.id)
    if sort.field is CustomerSortField.TOTAL_SPENT:
        return (int(row.sort_value), row.id)
    return (row.sort_value.isoformat(), row.id)


async def list_customers(reader: Reader, *, flt: CustomerFilter, sort: CustomerSort,
                         first: int | None, after: str | None) -> Page[Row[Any]]:
    """Customers matching ``flt`` in ``sort`` order. Raises ``PaginationError``."""
    request = page_request(first, after, sort.key, 2)
    statement: AnySelect
    sort_column: Any
    if sort.field is CustomerSortField.EMAIL:
        statement, sort_column = select(*CUSTOMER_COLUMNS), User.email
    elif sort.field is CustomerSortField.CREATED_AT:
        statement, sort_column = select(*CUSTOMER_COLUMNS), User.created_at
    else:
        stats = _stats().subquery("customer_stats")
        if sort.field is CustomerSortField.TOTAL_SPENT:
            sort_column = func.coalesce(stats.c.total_spent, 0)
        else:
            sort_column = func.coalesce(stats.c.last_order_at,
                                        bindparam("epoch", _EPOCH, type_=UTCDateTime))
        statement = (select(*CUSTOMER_COLUMNS, sort_column.label("sort_value"))
                     .outerjoin(stats, stats.c.user_id == User.id))
    statement = keyset(statement.where(*_filters(flt)), [sort_column, User.id],
                       sort.descending, _after(sort, request.after), request.first + 1)
    rows = await reader.all(statement)
    return make_page(rows, request, sort.key, lambda r: _key(sort, r))
