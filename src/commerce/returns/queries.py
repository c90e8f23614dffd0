"""Return read side: returns and their lines for batches of keys (one statement per batch;
the API decides who may ask), and keyset pages of returns (the staff queue, a customer's
own)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import BindParameter, Row, bindparam, select

from commerce.db.database import Reader
from commerce.db.models import Order, OrderLine, Return, ReturnLine
from commerce.shared.pagination import Page, PaginationError, make_page, page_request

_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
RETURN_COLUMNS = (Return.id, Return.order_id, Return.sequence, Return.status,
                  Return.requested_by, Return.photo_urls, Return.instructions,
                  Return.decline_reason, Return.decline_note, Return.return_shipping_fee,
                  Return.restocking_fee_bp, Return.refund_status, Return.refund_amount,
                  Return.refund_shipping, Return.created_at, Return.updated_at,
                  Return.approved_at, Return.declined_at, Return.canceled_at,
                  Return.refunded_at, Return.closed_at,
                  Order.number.label("order_number"), Order.currency)
_RETURNS = select(*RETURN_COLUMNS).join(Order, Order.id == Return.order_id)
_BY_IDS = _RETURNS.where(Return.id.in_(_IDS))
_BY_ORDER_IDS = _RETURNS.where(Return.order_id.in_(_IDS)).order_by(Return.sequence)
_LINES_BY_RETURN_IDS = (
    select(ReturnLine.id, ReturnLine.return_id, ReturnLine.order_line_id, ReturnLine.quantity,
           ReturnLine.reason, ReturnLine.note, ReturnLine.quantity_received,
           ReturnLine.quantity_restocked, ReturnLine.quantity_not_restocked,
           ReturnLine.quantity_damaged, ReturnLine.quantity_missing,
           ReturnLine.refund_quantity, ReturnLine.refund_amount, ReturnLine.refund_tax,
           ReturnLine.refund_discount, OrderLine.sku, OrderLine.product_name,
           OrderLine.variant_name, OrderLine.order_id)
    .join(OrderLine, OrderLine.id == ReturnLine.order_line_id)
    .where(ReturnLine.return_id.in_(_IDS)).order_by(ReturnLine.id))
QUEUE_SORT = "returns"


def _group(rows: Sequence[Row[Any]], key: str) -> dict[int, list[Row[Any]]]:
    grouped: dict[int, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


async def returns_by_ids(reader: Reader, ids: Sequence[int]) -> dict[int, Row[Any]]:
    return {r.id: r for r in await reader.all(_BY_IDS, {"ids": list(ids)})}


async def returns_by_order_ids(reader: Reader,
                               ids: Sequence[int]) -> dict[int, list[Row[Any]]]:
    """Each order's returns, first made first."""
    return _group(await reader.all(_BY_ORDER_IDS, {"ids": list(ids)}), "order_id")


async def lines_by_return_ids(reader: Reader,
                              ids: Sequence[int]) -> dict[int, list[Row[Any]]]:
    return _group(await reader.all(_LINES_BY_RETURN_IDS, {"ids": list(ids)}), "return_id")


async def return_page(reader: Reader, *, status: str | None, user_id: int | None,
                      first: int | None, after: str | None) -> Page[Row[Any]]:
    """Returns oldest first (the staff queue), optionally of one status or of one customer's
    orders."""
    sort = f"{QUEUE_SORT}:{status or ''}:{user_id or ''}"
    request = page_request(first, after, sort, 1)
    statement = _RETURNS
    if request.after is not None:
        if not isinstance(request.after[0], int):
            raise PaginationError("`after`: malformed cursor")
        statement = statement.where(Return.id > request.after[0])
    if status is not None:
        statement = statement.where(Return.status == status)
    if user_id is not None:
        statement = statement.where(Order.user_id == user_id)
    rows = await reader.all(statement.order_by(Return.id).limit(request.first + 1))
    return make_page(rows, request, sort, lambda r: (r.id,))
