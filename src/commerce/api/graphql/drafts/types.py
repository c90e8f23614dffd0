"""``DraftOrder``: a staff-built order in the making, priced by ONE cart quote per request.

Lines, cost, shipping methods, warnings and the discount error all read the same ``Quote``
(the first field that needs it starts it, the others await the same task). Line, cost and
warning types are the cart's; a draft line adds what a staff price override needs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import datetime
from typing import Any

import strawberry

from commerce.api.graphql.accounts.types import User
from commerce.api.graphql.address_details import AddressDetails
from commerce.api.graphql.cart.types import (
    AvailableShippingMethod,
    CartCost,
    CartLine,
    CartWarning,
)
from commerce.api.graphql.context import Info
from commerce.api.graphql.errors import UserError
from commerce.api.graphql.money import Money
from commerce.api.graphql.node import Node
from commerce.api.graphql.orders.types import Order
from commerce.cart.queries import cart_quote
from commerce.cart.quote import Quote
from commerce.shared.channels import SalesChannel
from commerce.shared.ids import encode_id


def draft_line_id(pk: int) -> strawberry.ID:
    return strawberry.ID(encode_id("DraftOrderLine", pk))


@strawberry.type(description="A line of a draft order. unitPrice is the price the order will "
                             "charge: the staff override when set, else the catalog price.")
class DraftOrderLine(CartLine):
    catalog_unit_price: Money = strawberry.field(description="The variant's price now.")
    price_override_reason: str | None = strawberry.field(
        description="Why staff set unitPrice; null when the catalog price applies.")


@strawberry.type(description="A manual order staff are taking (by phone, e-mail, in store). "
                             "Priced like a cart; draftOrderComplete turns it into an order "
                             "under the same stock rules. Needs MANAGE_ORDERS.")
class DraftOrder(Node):
    id: strawberry.ID
    channel: SalesChannel = strawberry.field(description="How the order was taken.")
    email: str | None = strawberry.field(
        description="The buyer's e-mail address; completing needs one.")
    shipping_address: AddressDetails | None = strawberry.field(
        description="Where to ship; null until set.")
    billing_address: AddressDetails | None = strawberry.field(
        description="Where to bill; null until set (the order then bills the shipping address).")
    discount_code: str | None = strawberry.field(
        description="The code entered; see discountError for whether it applies now.")
    customer_note: str = strawberry.field(
        description="The customer's note to the shop, copied to the order; may be empty.")
    is_completed: bool = strawberry.field(
        description="Whether the draft has become an order; a completed draft cannot change.")
    completed_at: datetime | None = strawberry.field(
        description="When it became an order (UTC); null until then.")
    created_at: datetime = strawberry.field(description="When the draft was started (UTC).")
    updated_at: datetime = strawberry.field(description="When the draft last changed (UTC).")
    pk: strawberry.Private[int]
    user_id: strawberry.Private[int | None]
    created_by_id: strawberry.Private[int | None]
    row: strawberry.Private[Any]
    quote_task: strawberry.Private[asyncio.Future[Quote] | None] = None

    @classmethod
    def from_row(cls, row: Any) -> DraftOrder:
        return cls(
            id=strawberry.ID(encode_id("DraftOrder", row.id)), channel=SalesChannel(row.channel),
            email=row.email, shipping_address=AddressDetails.from_json(row.shipping_address),
            billing_address=AddressDetails.from_json(row.billing_address),
            discount_code=row.discount_code, customer_note=row.customer_note,
            is_completed=row.completed_at is not None, completed_at=row.completed_at,
            created_at=row.created_at, updated_at=row.updated_at, pk=row.id,
            user_id=row.user_id, created_by_id=row.created_by_id, row=row)

    def quote(self, info: Info) -> Awaitable[Quote]:
        """The draft's quote, started by the first field that needs it and then shared."""
        if self.quote_task is None:
            ctx = info.context
            self.quote_task = asyncio.ensure_future(
                cart_quote(ctx.reader.all, self.row, ctx.settings))
        return self.quote_task

    @strawberry.field(graphql_type=User | None,
                      description="The customer account the order is for; null for a guest.")
    def customer(self, info: Info) -> Awaitable[User | None] | None:
        if self.user_id is None:
            return None
        return info.context.loaders.user_by_id.load(self.user_id)

    @strawberry.field(graphql_type=User | None, description="The staff member who started it.")
    def created_by(self, info: Info) -> Awaitable[User | None] | None:
        if self.created_by_id is None:
            return None
        return info.context.loaders.user_by_id.load(self.created_by_id)

    @strawberry.field(description="The order this draft became; null until completed.")
    async def order(self, info: Info) -> Order | None:
        if not self.is_completed:
            return None
        order_id = await info.context.loaders.order_id_by_draft_id.load(self.pk)
        return None if order_id is None else await info.context.loaders.order_by_id.load(order_id)

    @strawberry.field(description="Oldest first.")
    async def lines(self, info: Info) -> list[DraftOrderLine]:
        q = await self.quote(info)
        priced = {p.key: p for p in q.breakdown.lines}
        c = q.currency
        found = []
        for line in q.lines:
            p = priced[str(line.line_id)]
            found.append(DraftOrderLine(
                id=draft_line_id(line.line_id), quantity=line.quantity,
                unit_price=Money.of(p.unit_price, c), subtotal=Money.of(p.subtotal, c),
                discount=Money.of(p.discount, c), tax=Money.of(p.tax, c),
                total=Money.of(p.total, c), variant_id=line.variant_id,
                catalog_unit_price=Money.of(line.catalog_price, c),
                price_override_reason=line.override_reason or None))
        return found

    @strawberry.field(description="Methods that deliver this draft to its shipping address "
                                  "(empty until there is one), each priced for it.")
    async def available_shipping_methods(self, info: Info) -> list[AvailableShippingMethod]:
        q = await self.quote(info)
        return [AvailableShippingMethod.of(o, q.currency) for o in q.shipping_options]

    @strawberry.field(description="The chosen method; null when none is chosen or the chosen "
                                  "one does not serve this draft.")
    async def shipping_method(self, info: Info) -> AvailableShippingMethod | None:
        q = await self.quote(info)
        return None if q.shipping is None else AvailableShippingMethod.of(q.shipping, q.currency)

    @strawberry.field(description="What the order would cost now, in the shop currency.")
    async def cost(self, info: Info) -> CartCost:
        return CartCost.of(await self.quote(info), info.context.settings.prices_include_tax)

    @strawberry.field(description="Lines that are out of stock, short, or no longer for sale; "
                                  "lineId is the DraftOrderLine's ID.")
    async def warnings(self, info: Info) -> list[CartWarning]:
        q = await self.quote(info)
        return [CartWarning(line_id=draft_line_id(w.line_id), code=w.code, message=w.message,
                            quantity_available=w.quantity_available) for w in q.warnings]

    @strawberry.field(description="Why discountCode does not apply now; null when it applies "
                                  "or none is set.")
    async def discount_error(self, info: Info) -> UserError | None:
        q = await self.quote(info)
        if q.discount_error is None:
            return None
        return UserError(code=q.discount_error[0], message=q.discount_error[1])
