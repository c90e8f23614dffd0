"""Draft orders read side: the staff listing and rows for DataLoader batches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import BindParameter, Row, bindparam, select

from commerce.cart.queries import CART_COLUMNS
from commerce.db.database import Reader
from commerce.db.keyset import keyset
from commerce.db.models import Cart, Order
from commerce.shared.pagination import Page, PaginationError, make_page, page_request

DRAFT_COLUMNS = (*CART_COLUMNS, Cart.created_by_id, Cart.customer_note)
_SORT = "drafts:id:desc"

_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_DRAFTS_BY_IDS = select(*DRAFT_COLUMNS).where(Cart.id.in_(_IDS), Cart.kind == "DRAFT")
_ORDERS_BY_CART_IDS = select(Order.cart_id, Order.id).where(Order.cart_id.in_(_IDS))


async def drafts_by_ids(reader: Reader, ids: Sequence[int]) -> dict[int, Row[Any]]:
    return {r.id: r for r in await reader.all(_DRAFTS_BY_IDS, {"ids": list(ids)})}


async def order_ids_by_draft_ids(reader: Reader, ids: Sequence[int]) -> dict[int, int]:
    """The order each completed draft became."""
    return {r.cart_id: r.id for r in await reader.all(_ORDERS_BY_CART_IDS, {"ids": list(ids)})}


async def list_drafts(reader: Reader, *, first: int | None, after: str | None
                      ) -> Page[Row[Any]]:
    """Open (not yet completed) drafts, newest first. Raises ``PaginationError``."""
    request = page_request(first, after, _SORT, 1)
    if request.after is not None and not isinstance(request.after[0], int):
        raise PaginationError("`after`: malformed cursor")
    statement = select(*DRAFT_COLUMNS).where(Cart.kind == "DRAFT", Cart.completed_at.is_(None))
    rows = await reader.all(keyset(statement, [Cart.id], True, request.after,
                                   request.first + 1))
    return make_page(rows, request, _SORT, lambda r: (r.id,))
