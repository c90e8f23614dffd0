"""Discount codes read side for staff: one statement per call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, func, not_, or_, select

from commerce.db.database import Reader
from commerce.db.keyset import AnySelect, keyset
from commerce.db.models import DiscountCode
from commerce.shared.pagination import Page, make_page, page_request
from commerce.shared.text import like_pattern

COLUMNS = (DiscountCode.id, DiscountCode.code, DiscountCode.kind, DiscountCode.value,
           DiscountCode.starts_at, DiscountCode.ends_at, DiscountCode.min_subtotal,
           DiscountCode.usage_limit, DiscountCode.usage_limit_per_customer,
           DiscountCode.times_used, DiscountCode.is_active, DiscountCode.created_at)
_BY_CODE = "code:asc"


@dataclass(frozen=True, slots=True)
class DiscountFilter:
    search: str | None = None  # part of the code, any case
    active: bool | None = None  # usable right now (switched on, in its window, not used up)


def usable_at(now: datetime) -> ColumnElement[bool]:
    """SQL for "a shopper could apply this code now" (the per-customer limit aside)."""
    return and_(
        DiscountCode.is_active.is_(True),
        or_(DiscountCode.starts_at.is_(None), DiscountCode.starts_at <= now),
        or_(DiscountCode.ends_at.is_(None), DiscountCode.ends_at > now),
        or_(DiscountCode.usage_limit.is_(None),
            DiscountCode.times_used < DiscountCode.usage_limit),
    )


async def list_discounts(reader: Reader, flt: DiscountFilter, *, now: datetime,
                         first: int | None, after: str | None) -> Page[Row[Any]]:
    """Codes in alphabetical order."""
    request = page_request(first, after, _BY_CODE, 2)
    statement: AnySelect = select(*COLUMNS)
    if flt.search and flt.search.strip():
        statement = statement.where(func.lower(DiscountCode.code).like(
            like_pattern(flt.search.strip()), escape="\\"))
    if flt.active is not None:
        usable = usable_at(now)
        statement = statement.where(usable if flt.active else not_(usable))
    statement = keyset(statement, [DiscountCode.code, DiscountCode.id], False, request.after,
                       request.first + 1)
    rows = await reader.all(statement)
    return make_page(rows, request, _BY_CODE, lambda r: (r.code, r.id))


async def discounts_by_ids(reader: Reader, ids: Sequence[int]) -> dict[int, Row[Any]]:
    rows = await reader.all(select(*COLUMNS).where(DiscountCode.id.in_(ids)))
    return {r.id: r for r in rows}
