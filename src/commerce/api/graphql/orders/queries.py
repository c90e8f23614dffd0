"""Order queries: a guest's order by token, a customer's own orders, the staff listing.

Object-level authorization: a customer reaches only their own orders (another customer's
order is "not found", i.e. null); a guest only through the order's token. The owner filter is
in the queries (``orders.queries.reachable_orders``, applied by the ``order_by_id`` loader),
not here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError

from commerce.accounts.permissions import Permission
from commerce.api.graphql.catalog.queries import SortDirection
from commerce.api.graphql.context import Context, Info
from commerce.api.graphql.descriptions import describe_values
from commerce.api.graphql.orders.types import Order, OrderConnection, prefetch_orders
from commerce.api.graphql.pagination import After, First, bad_argument, connection
from commerce.api.graphql.permissions import require_any
from commerce.api.graphql.prefetch import connection_nodes
from commerce.orders import queries as orders
from commerce.orders.filters import OrderFilter, OrderSort, OrderSortField
from commerce.orders.state import FulfillmentStatus, OrderStatus, PaymentStatus
from commerce.shared.ids import InvalidIdError, decode_int_id
from commerce.shared.pagination import Page, PaginationError

strawberry.enum(OrderSortField, name="OrderSortField", description="What orders are sorted by.")
describe_values(OrderSortField, {
    OrderSortField.CREATED_AT: "When the order was placed.",
    OrderSortField.NUMBER: "The order number.",
    OrderSortField.TOTAL: "The order total.",
})

MAX_TOKEN_LENGTH = 64  # the column's width; longer input cannot match


@strawberry.input(description="How to order orders; ties are broken by ID.")
class OrderSortInput:
    field: OrderSortField = strawberry.field(
        default=OrderSortField.CREATED_AT, description="What to sort by (default CREATED_AT).")
    direction: SortDirection = strawberry.field(
        default=SortDirection.DESC, description="Descending (default) or ascending.")


@strawberry.input(description="All given conditions must hold.")
class OrderFilterInput:
    status: OrderStatus | None = strawberry.field(
        default=None, description="Only orders in this status.")
    payment_status: PaymentStatus | None = strawberry.field(
        default=None, description="Only orders with this payment status.")
    fulfillment_status: FulfillmentStatus | None = strawberry.field(
        default=None, description="Only orders with this fulfillment status.")
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="A customer's User ID.")
    search: str | None = strawberry.field(
        default=None, description="Part of the order number, the e-mail or a name on the "
                                  "order's addresses, any case.")
    created_from: datetime | None = strawberry.field(
        default=None, description="Placed at or after this instant (UTC when no offset).")
    created_to: datetime | None = strawberry.field(
        default=None, description="Placed before this instant (UTC when no offset).")


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _filter(flt: OrderFilterInput | None) -> OrderFilter:
    if flt is None:
        return OrderFilter()
    try:
        customer = None if flt.customer_id is None else decode_int_id(str(flt.customer_id),
                                                                      "User")
    except InvalidIdError as exc:
        raise bad_argument(exc) from None
    search = (flt.search or "").strip()
    if len(search) > 254:
        raise GraphQLError("`search` is at most 254 characters",
                           extensions={"code": "INVALID_ARGUMENT"})
    return OrderFilter(
        status=flt.status.value if flt.status else None,
        payment_status=flt.payment_status.value if flt.payment_status else None,
        fulfillment_status=flt.fulfillment_status.value if flt.fulfillment_status else None,
        customer_id=customer, search=search or None,
        created_from=_utc(flt.created_from), created_to=_utc(flt.created_to))


async def _page(info: Info, page: Page[Any]) -> OrderConnection:
    result = OrderConnection.of(connection(page, Order.from_row))
    await prefetch_orders(info, result.nodes, connection_nodes(info))
    return result


async def order_via_token(ctx: Context, token: str) -> Order | None:
    """The order whose token the viewer holds (or just received from checkout)."""
    row = await orders.order_by_token(ctx.reader, token)
    return None if row is None else Order.from_row(row, via_token=True)


async def orders_of_user(info: Info, user_id: int, first: int | None,
                         after: str | None) -> OrderConnection:
    """``User.orders``: a customer's own, or any customer's for order/customer staff."""
    viewer = await info.context.viewer()
    if viewer is None or viewer.user_id != user_id:
        # A clear FORBIDDEN rather than an empty page; the query filters by viewer anyway.
        await require_any(info.context, Permission.MANAGE_ORDERS, Permission.MANAGE_CUSTOMERS)
    try:
        page = await orders.orders_of_user(info.context.reader, user_id, viewer, first=first,
                                           after=after)
    except PaginationError as exc:
        raise bad_argument(exc) from None
    return await _page(info, page)


@strawberry.type
class OrdersQuery:
    @strawberry.field(description="An order by the token given at checkout (the guest's "
                                  "confirmation link). Anyone holding the token may read it.")
    async def order_by_token(self, info: Info, token: Annotated[str, strawberry.argument(
            description="The order's token, as returned by checkoutComplete.")]
                             ) -> Order | None:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        return await order_via_token(info.context, token)

    @strawberry.field(description="One of your orders by ID, or any order for staff with "
                                  "MANAGE_ORDERS; null when not found or not yours.")
    async def order(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="The order's ID.")]) -> Order | None:
        try:
            pk = decode_int_id(str(id), "Order")
        except InvalidIdError:
            return None
        return await info.context.loaders.order_by_id.load(pk)

    @strawberry.field(description="All orders, newest first unless `sortBy` says otherwise. "
                                  "Needs MANAGE_ORDERS. At most 100 per page.")
    async def orders(self, info: Info, first: First = 20, after: After = None,
                     filter: Annotated[OrderFilterInput | None, strawberry.argument(
                         description="Conditions the orders must meet.")] = None,
                     sort_by: Annotated[OrderSortInput | None, strawberry.argument(
                         description="Order of the results (default: newest first).")] = None,
                     ) -> OrderConnection:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_ORDERS)
        sort = OrderSort() if sort_by is None else OrderSort(
            field=OrderSortField(sort_by.field),
            descending=sort_by.direction is SortDirection.DESC)
        try:
            page = await orders.list_orders(ctx.reader, flt=_filter(filter), sort=sort,
                                            first=first, after=after,
                                            reachable=orders.reachable_orders(viewer))
        except PaginationError as exc:
            raise bad_argument(exc) from None
        return await _page(info, page)


