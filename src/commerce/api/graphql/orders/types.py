"""Order object types, built from lightweight rows (see ``orders.queries``).

Who sees what: anyone who can read an order sees its contents; its ``token`` only the owner,
staff with MANAGE_ORDERS, or whoever reached it through the token (the guest's confirmation
link, or the checkout that placed it); ``customer`` and event actors only staff; internal
notes only staff with MANAGE_ORDERS.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from enum import Enum
from typing import Any

import orjson
import strawberry
from strawberry.types.nodes import SelectedField

from commerce.accounts.permissions import Permission
from commerce.api.graphql.accounts.types import User
from commerce.api.graphql.address_details import AddressDetails
from commerce.api.graphql.catalog.types import ProductVariant
from commerce.api.graphql.channels import Attribution
from commerce.api.graphql.context import Info
from commerce.api.graphql.money import Money
from commerce.api.graphql.node import Node
from commerce.api.graphql.pagination import Connection
from commerce.api.graphql.permissions import can_any
from commerce.api.graphql.prefetch import children, load_all, now_or_later
from commerce.orders.events import OrderEventType
from commerce.orders.state import FulfillmentStatus, OrderStatus, PaymentStatus
from commerce.shared.channels import SalesChannel
from commerce.shared.ids import encode_id

strawberry.enum(OrderStatus, name="OrderStatus",
                description="OPEN may go ON_HOLD (and back), COMPLETED or CANCELED; "
                            "ON_HOLD may be CANCELED.")
strawberry.enum(PaymentStatus, name="PaymentStatus")
strawberry.enum(FulfillmentStatus, name="FulfillmentStatus")
strawberry.enum(OrderEventType, name="OrderEventType")

# Staff who may see who placed an order and who acted on it.
_PEOPLE_VIEWERS = (Permission.MANAGE_ORDERS, Permission.MANAGE_CUSTOMERS)


@strawberry.enum(description="How the customer pays. Both are \"pay later\": the order awaits "
                             "payment until staff mark it as paid.")
class PaymentMethod(Enum):
    BANK_TRANSFER = "BANK_TRANSFER"
    CASH_ON_DELIVERY = "CASH_ON_DELIVERY"


@strawberry.type(description="One product line of an order: a snapshot taken at purchase.")
class OrderLine:
    id: strawberry.ID
    product_name: str
    variant_name: str
    sku: str
    quantity: int
    quantity_fulfilled: int
    unit_price: Money
    subtotal: Money = strawberry.field(description="Unit price x quantity.")
    discount: Money = strawberry.field(description="This line's share of the order discount.")
    tax: Money
    total: Money = strawberry.field(description="Subtotal - discount + tax (prices excluding "
                                                "tax), or subtotal - discount (including).")
    price_override_reason: str | None = strawberry.field(
        description="Why staff set this line's unit price on a draft order; null when the "
                    "catalog price applied.")
    pk: strawberry.Private[int]
    variant_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> OrderLine:
        currency = row.currency
        return cls(
            id=strawberry.ID(encode_id("OrderLine", row.id)), product_name=row.product_name,
            variant_name=row.variant_name, sku=row.sku, quantity=row.quantity,
            quantity_fulfilled=row.quantity_fulfilled,
            unit_price=Money.of(row.unit_price, currency),
            subtotal=Money.of(row.subtotal, currency),
            discount=Money.of(row.discount, currency), tax=Money.of(row.tax, currency),
            total=Money.of(row.total, currency),
            price_override_reason=row.price_override_reason or None,
            pk=row.id, variant_id=row.variant_id)

    @strawberry.field(graphql_type=ProductVariant | None,
                      description="The variant as it is now; null once deleted, or while "
                                  "its product is not visible to the viewer (not ACTIVE).")
    def variant(self, info: Info
                ) -> ProductVariant | Awaitable[ProductVariant | None] | None:
        if self.variant_id is None:
            return None
        return now_or_later(info.context.loaders.variant_by_id, self.variant_id)


@strawberry.type(description="One entry of an order's history.")
class OrderEvent:
    id: strawberry.ID
    type: OrderEventType
    message: str
    created_at: datetime
    amount: Money | None = strawberry.field(
        description="The amount involved (placed: total; paid: amount paid), if any.")
    data: str = strawberry.field(description="Details as a JSON object; amounts in minor "
                                             "units of the order's currency.")
    actor_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> OrderEvent:
        data: dict[str, Any] = row.data or {}
        minor = data.get("amount", data.get("total"))
        return cls(
            id=strawberry.ID(encode_id("OrderEvent", row.id)), type=OrderEventType(row.type),
            message=row.message, created_at=row.created_at,
            amount=Money.of(minor, row.currency) if isinstance(minor, int) else None,
            data=orjson.dumps(data).decode(), actor_id=row.actor_id)

    @strawberry.field(description="Who did it; null for the system or a guest, and for anyone "
                                  "but staff with MANAGE_ORDERS or MANAGE_CUSTOMERS.")
    async def actor(self, info: Info) -> User | None:
        if self.actor_id is None or not await can_any(info.context, *_PEOPLE_VIEWERS):
            return None
        return await info.context.loaders.user_by_id.load(self.actor_id)


@strawberry.type(description="A placed order.")
class Order(Node):
    id: strawberry.ID
    number: str
    email: str
    channel: SalesChannel
    attribution: Attribution
    status: OrderStatus
    payment_status: PaymentStatus
    fulfillment_status: FulfillmentStatus
    payment_method: PaymentMethod
    created_at: datetime
    updated_at: datetime
    subtotal: Money
    discount: Money
    shipping: Money = strawberry.field(description="After any free-shipping discount.")
    tax: Money = strawberry.field(description="On lines and shipping.")
    total: Money
    amount_paid: Money
    amount_due: Money
    shipping_method_name: str
    shipping_address: AddressDetails | None
    billing_address: AddressDetails | None
    discount_code: str | None
    customer_note: str
    pk: strawberry.Private[int]
    user_id: strawberry.Private[int | None]
    currency: strawberry.Private[str]
    secret: strawberry.Private[str]
    # True when the viewer reached this object through the token (or placed the order).
    via_token: strawberry.Private[bool]

    @classmethod
    def from_row(cls, row: Any, *, via_token: bool = False) -> Order:
        c = row.currency
        return cls(
            id=strawberry.ID(encode_id("Order", row.id)), number=row.number, email=row.email,
            channel=SalesChannel(row.channel),
            attribution=Attribution.from_json(row.attribution), status=OrderStatus(row.status),
            payment_status=PaymentStatus(row.payment_status),
            fulfillment_status=FulfillmentStatus(row.fulfillment_status),
            payment_method=PaymentMethod(row.payment_method), created_at=row.created_at,
            updated_at=row.updated_at, subtotal=Money.of(row.subtotal, c),
            discount=Money.of(row.discount, c), shipping=Money.of(row.shipping, c),
            tax=Money.of(row.tax, c), total=Money.of(row.total, c),
            amount_paid=Money.of(row.amount_paid, c),
            amount_due=Money.of(max(row.total - row.amount_paid, 0), c),
            shipping_method_name=row.shipping_method_name,
            shipping_address=AddressDetails.from_json(row.shipping_address),
            billing_address=AddressDetails.from_json(row.billing_address),
            discount_code=row.discount_code, customer_note=row.customer_note, pk=row.id,
            user_id=row.user_id, currency=c, secret=row.token, via_token=via_token)

    @strawberry.field(description="The guest's key to the order (use with `orderByToken`). "
                                  "Shown to the customer, to staff with MANAGE_ORDERS and "
                                  "to whoever read the order through it; null otherwise.")
    async def token(self, info: Info) -> str | None:
        if self.via_token:
            return self.secret
        viewer = await info.context.viewer()
        if viewer is not None and (viewer.user_id == self.user_id
                                   or viewer.has(Permission.MANAGE_ORDERS)):
            return self.secret
        return None

    @strawberry.field(graphql_type=list[OrderLine])
    def lines(self, info: Info) -> list[OrderLine] | Awaitable[list[OrderLine]]:
        return now_or_later(info.context.loaders.lines_by_order_id, self.pk)

    @strawberry.field(description="History, oldest first. Internal notes (NOTE_ADDED) only for "
                                  "staff with MANAGE_ORDERS.")
    async def events(self, info: Info) -> list[OrderEvent]:
        events = await info.context.loaders.events_by_order_id.load(self.pk)
        if all(e.type is not OrderEventType.NOTE_ADDED for e in events) or \
                await info.context.can(Permission.MANAGE_ORDERS):
            return events
        return [e for e in events if e.type is not OrderEventType.NOTE_ADDED]

    @strawberry.field(description="The customer account; null for guest orders, and for anyone "
                                  "but staff with MANAGE_ORDERS or MANAGE_CUSTOMERS.")
    async def customer(self, info: Info) -> User | None:
        if self.user_id is None or not await can_any(info.context, *_PEOPLE_VIEWERS):
            return None
        return await info.context.loaders.user_by_id.load(self.user_id)


@strawberry.type(name="OrderConnection",
                 description="A page of orders; pass `pageInfo.endCursor` as `after`.")
class OrderConnection(Connection[Order]):
    """A named class (not just ``Connection[Order]``) so ``User.orders`` can refer to it
    lazily from the accounts module, which this module imports."""

    @classmethod
    def of(cls, page: Connection[Order]) -> OrderConnection:
        return cls(edges=page.edges, nodes=page.nodes, page_info=page.page_info)


async def prefetch_orders(info: Info, orders: list[Order],
                          selected: list[SelectedField]) -> None:
    """Load what ``selected`` asks of ``orders`` for the whole page in a fixed number of
    statements: lines and events first, then their variants and the people involved."""
    if not orders:
        return
    loaders = info.context.loaders
    names = {f.name for f in selected}
    first: list[Awaitable[Any]] = []
    if "lines" in names:
        first.append(loaders.lines_by_order_id.load_many([o.pk for o in orders]))
    if "events" in names:
        first.append(loaders.events_by_order_id.load_many([o.pk for o in orders]))
    await load_all(first)
    then: list[Awaitable[Any]] = []
    if children(selected, "lines", "variant"):
        lines = [line for lines in await loaders.lines_by_order_id.load_many(
            [o.pk for o in orders]) for line in lines]
        ids = sorted({line.variant_id for line in lines if line.variant_id is not None})
        then.append(loaders.variant_by_id.load_many(ids))
    people: set[int] = set()
    if "customer" in names:
        people.update(o.user_id for o in orders if o.user_id is not None)
    if children(selected, "events", "actor"):
        events = await loaders.events_by_order_id.load_many([o.pk for o in orders])
        people.update(e.actor_id for es in events for e in es if e.actor_id is not None)
    if people and await can_any(info.context, *_PEOPLE_VIEWERS):
        then.append(loaders.user_by_id.load_many(sorted(people)))
    await load_all(then)
