"""Orders read side: rows for the API's listings and DataLoader batches.

Every function issues one statement whatever the number of keys, so a page of orders with
lines and events costs the same number of statements at any page size.

Object-level authorization is part of the query (DESIGN §4): an order by id is found only
when the viewer owns it or holds MANAGE_ORDERS (``reachable_orders``), so another customer's
order is "not found"; a guest reaches an order only through its token (``order_by_token``).
Lines and events are keyed by order id and served only for an order already reached.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Row, bindparam, select

from commerce.accounts.access import owned_by_viewer
from commerce.accounts.permissions import Permission
from commerce.accounts.viewer import Viewer
from commerce.db.database import Reader
from commerce.db.keyset import AnySelect, keyset
from commerce.db.models import Order, OrderEvent, OrderLine
from commerce.orders.filters import OrderFilter, OrderSort, OrderSortField
from commerce.shared.pagination import Page, PaginationError, make_page, page_request
from commerce.shared.text import like_pattern

ORDER_COLUMNS = (
    Order.id, Order.number, Order.token, Order.user_id, Order.email, Order.channel,
    Order.status, Order.payment_status, Order.fulfillment_status, Order.payment_method,
    Order.currency, Order.subtotal, Order.discount, Order.shipping, Order.shipping_tax,
    Order.tax, Order.included_tax, Order.total, Order.amount_paid,
    Order.shipping_method_name, Order.shipping_address, Order.billing_address,
    Order.discount_code, Order.customer_note, Order.attribution, Order.created_at, Order.updated_at,
)
LINE_COLUMNS = (
    OrderLine.id, OrderLine.order_id, OrderLine.variant_id, OrderLine.product_name,
    OrderLine.variant_name, OrderLine.sku, OrderLine.quantity, OrderLine.quantity_fulfilled,
    OrderLine.unit_price, OrderLine.subtotal, OrderLine.discount, OrderLine.tax,
    OrderLine.total, OrderLine.price_override_reason,
)
EVENT_COLUMNS = (OrderEvent.id, OrderEvent.order_id, OrderEvent.type, OrderEvent.actor_id,
                 OrderEvent.message, OrderEvent.data, OrderEvent.created_at)

# Loader statements are built once; ``:ids`` expands to the batch's keys at execution.
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_ORDERS_BY_IDS = select(*ORDER_COLUMNS).where(Order.id.in_(_IDS))
# Lines and events carry the order's currency so they convert to Money on their own.
_LINES_BY_ORDER_IDS = (select(*LINE_COLUMNS, Order.currency)
                       .join(Order, Order.id == OrderLine.order_id)
                       .where(OrderLine.order_id.in_(_IDS))
                       .order_by(OrderLine.order_id, OrderLine.id))
_EVENTS_BY_ORDER_IDS = (select(*EVENT_COLUMNS, Order.currency)
                        .join(Order, Order.id == OrderEvent.order_id)
                        .where(OrderEvent.order_id.in_(_IDS))
                        .order_by(OrderEvent.order_id, OrderEvent.id))


def _grouped(rows: Sequence[Row[Any]]) -> dict[int, list[Row[Any]]]:
    grouped: dict[int, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        grouped[row.order_id].append(row)
    return grouped


def reachable_orders(viewer: Viewer | None, *extra_staff: Permission) -> ColumnElement[bool]:
    """Orders ``viewer`` may reach by id: their own, or all for staff with MANAGE_ORDERS (or
    one of ``extra_staff``). Guest orders have no owner: only their token reaches them."""
    return owned_by_viewer(Order.user_id, viewer,
                           staff=[Permission.MANAGE_ORDERS, *extra_staff], unowned=False)


async def orders_by_ids(reader: Reader, ids: Sequence[int], viewer: Viewer | None
                        ) -> dict[int, Row[Any]]:
    """The orders among ``ids`` that ``viewer`` may reach (the others are simply absent)."""
    if viewer is None:  # no owner to match, no permission: nothing to ask the database
        return {}
    statement = _ORDERS_BY_IDS.where(reachable_orders(viewer))
    return {r.id: r for r in await reader.all(statement, {"ids": list(ids)})}


async def order_by_token(reader: Reader, token: str) -> Row[Any] | None:
    return await reader.first(select(*ORDER_COLUMNS).where(Order.token == token))


async def lines_by_order_ids(reader: Reader, ids: Sequence[int]) -> dict[int, list[Row[Any]]]:
    return _grouped(await reader.all(_LINES_BY_ORDER_IDS, {"ids": list(ids)}))


async def events_by_order_ids(reader: Reader, ids: Sequence[int]
                              ) -> dict[int, list[Row[Any]]]:
    return _grouped(await reader.all(_EVENTS_BY_ORDER_IDS, {"ids": list(ids)}))


def _sort_columns(sort: OrderSort) -> list[Any]:
    if sort.field is OrderSortField.TOTAL:
        return [Order.total, Order.id]
    if sort.field is OrderSortField.NUMBER:
        # Numbers come from a counter, so they grow with the id; the id is the exact order
        # (comparing the text column would put "999" after "1000").
        return [Order.id]
    return [Order.created_at, Order.id]


def _sort_key(sort: OrderSort, row: Row[Any]) -> tuple[Any, ...]:
    if sort.field is OrderSortField.TOTAL:
        return (row.total, row.id)
    if sort.field is OrderSortField.NUMBER:
        return (row.id,)
    return (row.created_at.isoformat(), row.id)


def _after(sort: OrderSort, values: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
    """Cursor values back into column types (a cursor carries JSON)."""
    if values is None:
        return None
    if not all(isinstance(v, int) for v in values[1:]) or (
            sort.field is not OrderSortField.CREATED_AT and not isinstance(values[0], int)):
        raise PaginationError("`after`: malformed cursor")
    if sort.field is OrderSortField.CREATED_AT:
        try:
            return (datetime.fromisoformat(str(values[0])), values[1])
        except ValueError:
            raise PaginationError("`after`: malformed cursor") from None
    return values


def _filters(flt: OrderFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if flt.status is not None:
        clauses.append(Order.status == flt.status)
    if flt.payment_status is not None:
        clauses.append(Order.payment_status == flt.payment_status)
    if flt.fulfillment_status is not None:
        clauses.append(Order.fulfillment_status == flt.fulfillment_status)
    if flt.customer_id is not None:
        clauses.append(Order.user_id == flt.customer_id)
    if flt.search:
        clauses.append(Order.search_text.like(like_pattern(flt.search), escape="\\"))
    if flt.created_from is not None:
        clauses.append(Order.created_at >= flt.created_from)
    if flt.created_to is not None:
        clauses.append(Order.created_at < flt.created_to)
    return clauses


async def list_orders(reader: Reader, *, flt: OrderFilter, sort: OrderSort,
                      first: int | None, after: str | None,
                      reachable: ColumnElement[bool]) -> Page[Row[Any]]:
    """Orders matching ``flt`` (and ``reachable``: the viewer's scope, see
    ``reachable_orders``) in ``sort`` order. Raises ``PaginationError`` on bad arguments."""
    columns = _sort_columns(sort)
    request = page_request(first, after, sort.key, len(columns))
    statement: AnySelect = select(*ORDER_COLUMNS).where(*_filters(flt), reachable)
    statement = keyset(statement, columns, sort.descending, _after(sort, request.after),
                       request.first + 1)
    rows = await reader.all(statement)
    return make_page(rows, request, sort.key, lambda r: _sort_key(sort, r))


async def orders_of_user(reader: Reader, user_id: int, viewer: Viewer | None, *,
                         first: int | None, after: str | None) -> Page[Row[Any]]:
    """A customer's orders, newest first: for the customer, and for staff with MANAGE_ORDERS
    or MANAGE_CUSTOMERS (anyone else gets an empty page)."""
    return await list_orders(reader, flt=OrderFilter(customer_id=user_id), sort=OrderSort(),
                             first=first, after=after,
                             reachable=reachable_orders(viewer, Permission.MANAGE_CUSTOMERS))
