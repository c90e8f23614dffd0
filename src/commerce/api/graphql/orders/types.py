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
from commerce.api.graphql.descriptions import describe_values
from commerce.api.graphql.fraud.types import OrderRisk
from commerce.api.graphql.fulfillment.shipments import Shipment
from commerce.api.graphql.fulfillment.types import Fulfillment
from commerce.api.graphql.money import Money
from commerce.api.graphql.node import Node
from commerce.api.graphql.pagination import Connection
from commerce.api.graphql.payments.types import Payment
from commerce.api.graphql.permissions import can_any
from commerce.api.graphql.prefetch import children, load_all, now_or_later
from commerce.api.graphql.returns.types import Return
from commerce.api.graphql.tracking.types import OrderTrackingEvent
from commerce.orders.events import OrderEventType
from commerce.orders.state import FulfillmentStatus, OrderStatus, PaymentStatus
from commerce.payments.rules import Movement, Totals, TransactionKind, amount_due, totals
from commerce.shared.channels import SalesChannel
from commerce.shared.ids import encode_id

strawberry.enum(OrderStatus, name="OrderStatus",
                description="OPEN may go ON_HOLD (and back), COMPLETED or CANCELED; "
                            "ON_HOLD may be CANCELED.")
strawberry.enum(PaymentStatus, name="PaymentStatus", description="How far an order is paid.")
strawberry.enum(FulfillmentStatus, name="FulfillmentStatus",
                description="How far an order has shipped.")
strawberry.enum(OrderEventType, name="OrderEventType",
                description="What an entry of an order's history records.")
describe_values(OrderStatus, {
    OrderStatus.OPEN: "Placed and being processed.",
    OrderStatus.ON_HOLD: "Paused by staff (orderHold); its stock stays allocated. orderRelease "
                         "makes it OPEN again.",
    OrderStatus.CANCELED: "Canceled; its allocated stock was released. Final.",
    OrderStatus.COMPLETED: "Done; nothing more happens to it. Final.",
})
describe_values(PaymentStatus, {
    PaymentStatus.NOT_PAID: "Nothing paid yet (pay-later orders start here).",
    PaymentStatus.PENDING: "A payment has started and awaits its outcome.",
    PaymentStatus.AUTHORIZED: "The amount is authorized but not yet captured.",
    PaymentStatus.PARTIALLY_PAID: "Part of the total is paid (e.g. a pay-later order paid "
                                  "in instalments); the rest is outstanding.",
    PaymentStatus.PAID: "Paid in full.",
    PaymentStatus.PARTIALLY_REFUNDED: "Paid, and part of it refunded.",
    PaymentStatus.REFUNDED: "Paid, and all of it refunded.",
    PaymentStatus.VOIDED: "An authorization or pending payment was canceled before capture.",
    PaymentStatus.FAILED: "The last payment attempt failed; it may be retried.",
})
describe_values(FulfillmentStatus, {
    FulfillmentStatus.UNFULFILLED: "Nothing has shipped yet.",
    FulfillmentStatus.PARTIALLY_FULFILLED: "Some units have shipped.",
    FulfillmentStatus.FULFILLED: "Every unit has shipped.",
    FulfillmentStatus.DELIVERED: "The shipment has been delivered.",
})
describe_values(OrderEventType, {
    OrderEventType.PLACED: "The order was placed (amount: its total).",
    OrderEventType.NOTE_ADDED: "Staff added an internal note (visible to MANAGE_ORDERS only).",
    OrderEventType.MARKED_AS_PAID: "Staff recorded the payment (amount: the amount paid).",
    OrderEventType.PAYMENT_RECORDED: "Staff recorded a manual payment, possibly part of the "
                                     "total (amount: the amount received).",
    OrderEventType.PAYMENT_REFUNDED: "Money given back on a payment: through the card "
                                     "gateway, or (manual payments) done or owed to the "
                                     "customer (amount: the amount refunded).",
    OrderEventType.PAYMENT_CAPTURED: "An authorized card payment was captured, all or part; "
                                     "any rest was released (amount: the amount captured).",
    OrderEventType.PAYMENT_VOIDED: "An authorized card payment was released without taking "
                                   "any money (amount: the amount released).",
    OrderEventType.CANCELED: "The order was canceled.",
    OrderEventType.STATUS_CHANGED: "The order's status changed (hold or release).",
    OrderEventType.ADDRESS_UPDATED: "Staff changed the shipping or billing address.",
    OrderEventType.STOCK_RELEASED: "Stock allocated to the order was released.",
    OrderEventType.DISPUTE_OPENED: "The customer's bank opened a card dispute; an open order "
                                   "was put on hold.",
    OrderEventType.DISPUTE_CLOSED: "A card dispute closed: won (the hold it caused is "
                                   "released) or lost (the chargeback is recorded).",
    OrderEventType.RISK_HELD: "Fraud screening put the new order on hold (MEDIUM risk: in "
                              "the review queue; HIGH: about to be canceled).",
    OrderEventType.RISK_APPROVED: "Staff approved an order held for fraud review; it is OPEN "
                                  "again.",
    OrderEventType.RISK_REJECTED: "Staff rejected an order held for fraud review; it was "
                                  "canceled and any payment returned.",
    OrderEventType.FULFILLMENT_CREATED: "Staff created a pick list (fulfillment) from the "
                                        "order's allocated stock (message: its number).",
    OrderEventType.FULFILLMENT_CANCELED: "Staff canceled a fulfillment before it shipped; "
                                         "its units may be fulfilled again.",
    OrderEventType.FULFILLMENT_SHIPPED: "A fulfillment was handed to a carrier: its stock "
                                        "left the warehouse (message: carrier and tracking "
                                        "number).",
})

# Staff who may see who placed an order and who acted on it.
_PEOPLE_VIEWERS = (Permission.MANAGE_ORDERS, Permission.MANAGE_CUSTOMERS)


@strawberry.enum(description="How the customer pays: later (bank transfer, cash on delivery: "
                             "the order awaits payment until staff record it), or by card at "
                             "checkout.")
class PaymentMethod(Enum):
    BANK_TRANSFER = "BANK_TRANSFER"
    CASH_ON_DELIVERY = "CASH_ON_DELIVERY"
    CARD = "CARD"


describe_values(PaymentMethod, {
    PaymentMethod.BANK_TRANSFER: "The customer pays by bank transfer (the default).",
    PaymentMethod.CARD: "The customer paid by card at checkout (`checkoutPaymentCreate`); "
                        "not accepted by `checkoutComplete` itself.",
    PaymentMethod.CASH_ON_DELIVERY: "The customer pays the carrier on delivery.",
})


@strawberry.type(description="One product line of an order: a snapshot taken at purchase.")
class OrderLine:
    id: strawberry.ID = strawberry.field(description="Opaque ID of the line.")
    product_name: str = strawberry.field(description="The product's name at purchase.")
    variant_name: str = strawberry.field(
        description="The variant's name at purchase; may be empty.")
    sku: str = strawberry.field(description="The variant's SKU at purchase.")
    quantity: int = strawberry.field(description="Units ordered.")
    quantity_fulfilled: int = strawberry.field(
        description="Units shipped so far, 0 to `quantity`.")
    unit_price: Money = strawberry.field(
        description="Price of one unit at purchase, in the order's currency.")
    subtotal: Money = strawberry.field(description="Unit price x quantity.")
    discount: Money = strawberry.field(description="This line's share of the order discount.")
    tax: Money = strawberry.field(description="This line's share of the tax.")
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
    id: strawberry.ID = strawberry.field(description="Opaque ID of the event.")
    type: OrderEventType = strawberry.field(description="What happened.")
    message: str = strawberry.field(
        description="A human-readable account (reason, note text...); may be empty.")
    created_at: datetime = strawberry.field(description="When it happened (UTC).")
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
    number: str = strawberry.field(
        description="Human-readable order number, unique; quote it to the shop.")
    email: str = strawberry.field(
        description="The buyer's e-mail address; confirmations go there.")
    channel: SalesChannel = strawberry.field(description="The sales channel the order came from.")
    attribution: Attribution = strawberry.field(
        description="Marketing attribution copied from the cart.")
    status: OrderStatus = strawberry.field(
        description="Where the order is in its life (see OrderStatus).")
    payment_status: PaymentStatus = strawberry.field(description="How far the order is paid.")
    fulfillment_status: FulfillmentStatus = strawberry.field(
        description="How far the order has shipped.")
    payment_method: PaymentMethod = strawberry.field(description="How the customer pays.")
    created_at: datetime = strawberry.field(description="When the order was placed (UTC).")
    updated_at: datetime = strawberry.field(description="When the order last changed (UTC).")
    subtotal: Money = strawberry.field(
        description="Sum of the lines' unit price x quantity, in the order's currency.")
    discount: Money = strawberry.field(
        description="Discount on the lines (a free-shipping code shows in `shipping` instead).")
    shipping: Money = strawberry.field(description="After any free-shipping discount.")
    tax: Money = strawberry.field(description="On lines and shipping.")
    total: Money = strawberry.field(
        description="What the customer pays: subtotal - discount + shipping + tax with "
                    "tax-exclusive prices, or subtotal - discount + shipping with tax-inclusive "
                    "prices.")
    amount_paid: Money = strawberry.field(description="How much has been paid so far.")
    amount_due: Money = strawberry.field(
        description="What is still to be paid: total - amountPaid, never below zero; zero once "
                    "anything was refunded (refunds settle, they do not reopen the balance).")
    shipping_method_name: str = strawberry.field(
        description="Name of the shipping method chosen at checkout.")
    shipping_address: AddressDetails | None = strawberry.field(
        description="Where the order ships; null when none was given.")
    billing_address: AddressDetails | None = strawberry.field(
        description="Where to bill (the shipping address when no billing address was "
                    "given); null when neither was given.")
    discount_code: str | None = strawberry.field(
        description="The discount code applied at checkout; null for none.")
    customer_note: str = strawberry.field(
        description="The customer's note to the shop; may be empty.")
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
            amount_due=Money.of(amount_due(row.total, row.amount_paid,
                                           PaymentStatus(row.payment_status)), c),
            shipping_method_name=row.shipping_method_name,
            shipping_address=AddressDetails.from_json(row.shipping_address),
            billing_address=AddressDetails.from_json(row.billing_address),
            discount_code=row.discount_code, customer_note=row.customer_note, pk=row.id,
            user_id=row.user_id, currency=c, secret=row.token, via_token=via_token)

    @strawberry.field(description="How much has been refunded (done, or owed to the customer "
                                  "for manual payments); amountPaid is net of it.")
    async def amount_refunded(self, info: Info) -> Money:
        return Money.of((await self._money(info)).refunded, self.currency)

    @strawberry.field(description="Held on cards and not yet captured or released (with "
                                  "`COMMERCE_PAYMENT_CAPTURE=MANUAL`, until staff capture it "
                                  "with `paymentCapture`).")
    async def amount_authorized(self, info: Info) -> Money:
        return Money.of((await self._money(info)).authorized, self.currency)

    async def _money(self, info: Info) -> Totals:
        rows = await info.context.loaders.payment_transactions_by_order_id.load(self.pk)
        # Pending and failed attempts moved nothing.
        return totals(Movement(TransactionKind(r.kind), r.amount, r.payment_id)
                      for r in rows if r.status == "SUCCESS")

    @strawberry.field(description="Payments recorded on the order, oldest first, with their "
                                  "transactions. Staff with MANAGE_ORDERS or MANAGE_PAYMENTS "
                                  "only; an empty list for anyone else.")
    async def payments(self, info: Info) -> list[Payment]:
        if not await can_any(info.context, Permission.MANAGE_ORDERS,
                             Permission.MANAGE_PAYMENTS):
            return []
        return await info.context.loaders.payments_by_order_id.load(self.pk)

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

    @strawberry.field(
        description="The order's lines, in the order they were added.",
        graphql_type=list[OrderLine])
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

    @strawberry.field(description="The fraud screening of the order and any staff decision on "
                                  "it; null for orders placed before screening existed, staff "
                                  "drafts, and for anyone but staff with MANAGE_ORDERS (a "
                                  "customer never sees it).")
    async def risk(self, info: Info) -> OrderRisk | None:
        if not await info.context.can(Permission.MANAGE_ORDERS):
            return None
        return await info.context.loaders.risk_by_order_id.load(self.pk)

    @strawberry.field(description="The order's tracking log, oldest first (version 1, PLACED, "
                                  "first): what its customer sees. `orderTracking` streams "
                                  "the same entries live.")
    async def tracking_events(self, info: Info) -> list[OrderTrackingEvent]:
        entries = await info.context.loaders.tracking_events_by_order_id.load(self.pk)
        return [OrderTrackingEvent.of(e, parent=self) for e in entries]

    @strawberry.field(description="The order's shipments, first shipped first, with tracking "
                                  "numbers, links and where each parcel is.")
    async def shipments(self, info: Info) -> list[Shipment]:
        return await info.context.loaders.shipments_by_order_id.load(self.pk)

    @strawberry.field(description="The order's returns, first made first: the customer's "
                                  "requests and those staff opened, with their lines and "
                                  "refunds.")
    async def returns(self, info: Info) -> list[Return]:
        return await info.context.loaders.returns_by_order_id.load(self.pk)

    @strawberry.field(description="The warehouse's fulfillments of the order (pick lists, "
                                  "packing, shipping), first created first. Empty for anyone "
                                  "but staff with MANAGE_FULFILLMENT or MANAGE_ORDERS.")
    async def fulfillments(self, info: Info) -> list[Fulfillment]:
        if not await can_any(info.context, Permission.MANAGE_FULFILLMENT,
                             Permission.MANAGE_ORDERS):
            return []
        return await info.context.loaders.fulfillments_by_order_id.load(self.pk)

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
