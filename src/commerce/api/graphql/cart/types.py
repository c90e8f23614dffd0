"""The ``Cart`` type: the cart row plus ONE quote, computed at most once per cart per request.

Every priced or stock-dependent field (lines, cost, shipping methods, warnings, discount
error) reads the same ``Quote``; the first such field starts it and the others await the
same task, so a whole cart costs a constant number of statements whatever its size.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import datetime
from typing import Any

import strawberry

from commerce.api.graphql.address_details import AddressDetails
from commerce.api.graphql.catalog.types import ProductVariant
from commerce.api.graphql.channels import Attribution
from commerce.api.graphql.context import Info
from commerce.api.graphql.errors import UserError
from commerce.api.graphql.money import Money
from commerce.cart.queries import cart_quote
from commerce.cart.quote import Quote
from commerce.shared.channels import SalesChannel
from commerce.shared.error_codes import ErrorCode
from commerce.shared.ids import encode_id
from commerce.shipping.lookup import ShippingOption


def cart_id(token: str) -> strawberry.ID:
    return strawberry.ID(encode_id("Cart", token))


def line_id(pk: int) -> strawberry.ID:
    return strawberry.ID(encode_id("CartLine", pk))


@strawberry.type(description="A line of a cart: a variant, how many, and its price now.")
class CartLine:
    id: strawberry.ID = strawberry.field(
        description="Opaque ID of the line; use it to change or remove the line.")
    quantity: int = strawberry.field(description="Units of the variant, 1-999.")
    unit_price: Money = strawberry.field(
        description="Price of one unit now, in the shop currency.")
    subtotal: Money = strawberry.field(description="unitPrice x quantity.")
    discount: Money = strawberry.field(description="This line's share of the discount.")
    tax: Money = strawberry.field(description="This line's share of the tax.")
    total: Money = strawberry.field(
        description="subtotal - discount + tax (tax-exclusive prices) or subtotal - discount "
                    "(tax-inclusive prices, where the tax is already inside).")
    variant_id: strawberry.Private[int]

    @strawberry.field(graphql_type=ProductVariant | None,
                      description="Null if the variant was deleted meanwhile or its product "
                                  "is no longer for sale (see warnings).")
    def variant(self, info: Info) -> Awaitable[ProductVariant | None]:
        return info.context.loaders.variant_by_id.load(self.variant_id)


@strawberry.type(description="A shipping method that delivers this cart to its address, "
                             "priced for it.")
class AvailableShippingMethod:
    id: strawberry.ID = strawberry.field(description="The ShippingMethod ID to choose it by.")
    name: str = strawberry.field(
        description="The method's name, e.g. \"Standard\".")
    description: str = strawberry.field(
        description="What the shopper should know about it; may be empty.")
    price: Money = strawberry.field(description="For this cart, before any free-shipping "
                                                "discount.")
    min_delivery_days: int = strawberry.field(description="Fewest days to deliver.")
    max_delivery_days: int = strawberry.field(description="Most days to deliver.")

    @classmethod
    def of(cls, option: ShippingOption, currency: str) -> AvailableShippingMethod:
        return cls(id=strawberry.ID(encode_id("ShippingMethod", option.method_id)),
                   name=option.name, description=option.description,
                   price=Money.of(option.price, currency),
                   min_delivery_days=option.min_delivery_days,
                   max_delivery_days=option.max_delivery_days)


@strawberry.type(description="What the cart costs now. With tax-exclusive prices total = "
                             "subtotal - discount + shipping + tax; with tax-inclusive prices "
                             "total = subtotal - discount + shipping and tax is the part "
                             "already inside.")
class CartCost:
    subtotal: Money = strawberry.field(description="Sum of the lines' unit price x quantity.")
    discount: Money = strawberry.field(description="Discount on the lines.")
    shipping: Money = strawberry.field(description="After any free-shipping discount.")
    shipping_discount: Money = strawberry.field(
        description="What a free-shipping code took off shipping (already out of shipping).")
    tax: Money = strawberry.field(description="On lines and, where taxed, shipping.")
    total: Money = strawberry.field(
        description="What the shopper pays (see the type's description).")
    prices_include_tax: bool = strawberry.field(
        description="Whether the shop's prices include tax (COMMERCE_PRICES_INCLUDE_TAX).")

    @classmethod
    def of(cls, q: Quote, prices_include_tax: bool) -> CartCost:
        b, c = q.breakdown, q.currency
        return cls(
            subtotal=Money.of(b.subtotal, c), discount=Money.of(b.discount, c),
            shipping=Money.of(b.shipping, c), shipping_discount=Money.of(b.shipping_discount, c),
            tax=Money.of(b.tax, c), total=Money.of(b.total, c),
            prices_include_tax=prices_include_tax)


@strawberry.type(description="Why a line cannot be checked out as it is. The cart still "
                             "shows; checkout refuses until the line is fixed.")
class CartWarning:
    line_id: strawberry.ID = strawberry.field(description="The cart line concerned.")
    code: ErrorCode = strawberry.field(
        description="OUT_OF_STOCK, INSUFFICIENT_STOCK or PRODUCT_UNAVAILABLE.")
    message: str = strawberry.field(description="What is wrong, for people (English).")
    quantity_available: int = strawberry.field(
        description="How many units can be ordered now (0 when none or no longer for sale).")


@strawberry.type(description="A shopping cart. Its ID is its secret: anyone holding a guest "
                             "cart's ID can read and change it, so share it only with its "
                             "shopper. A signed-in customer's cart is reachable only by that "
                             "customer (and staff with MANAGE_ORDERS).")
class Cart:
    id: strawberry.ID = strawberry.field(
        description="The cart's ID; it carries the cart's secret token, so treat it like a "
                    "password.")
    email: str | None = strawberry.field(
        description="The buyer's e-mail address; checkout needs one.")
    channel: SalesChannel = strawberry.field(description="The sales channel the cart came from.")
    attribution: Attribution = strawberry.field(
        description="Marketing attribution recorded when the cart was created.")
    shipping_address: AddressDetails | None = strawberry.field(
        description="Where to ship; null until set.")
    billing_address: AddressDetails | None = strawberry.field(
        description="Where to bill; null until set (orders then bill the shipping address).")
    discount_code: str | None = strawberry.field(
        description="The code entered; see discountError for whether it applies now.")
    is_completed: bool = strawberry.field(
        description="Whether checkout has turned the cart into an order; a completed cart cannot "
                    "change.")
    completed_at: datetime | None = strawberry.field(
        description="When checkout completed (UTC); null while open.")
    created_at: datetime = strawberry.field(description="When the cart was created (UTC).")
    updated_at: datetime = strawberry.field(description="When the cart last changed (UTC).")
    row: strawberry.Private[Any]
    quote_task: strawberry.Private[asyncio.Future[Quote] | None] = None

    @classmethod
    def from_row(cls, row: Any) -> Cart:
        return cls(
            id=cart_id(row.token), email=row.email, channel=SalesChannel(row.channel),
            attribution=Attribution.from_json(row.attribution),
            shipping_address=AddressDetails.from_json(row.shipping_address),
            billing_address=AddressDetails.from_json(row.billing_address),
            discount_code=row.discount_code, is_completed=row.completed_at is not None,
            completed_at=row.completed_at, created_at=row.created_at,
            updated_at=row.updated_at, row=row)

    def quote(self, info: Info) -> Awaitable[Quote]:
        """The cart's quote, started by the first field that needs it and then shared."""
        if self.quote_task is None:
            ctx = info.context
            self.quote_task = asyncio.ensure_future(
                cart_quote(ctx.reader.all, self.row, ctx.settings))
        return self.quote_task

    @strawberry.field(description="Oldest first.")
    async def lines(self, info: Info) -> list[CartLine]:
        q = await self.quote(info)
        priced = {p.key: p for p in q.breakdown.lines}
        found = []
        for line in q.lines:
            p = priced[str(line.line_id)]
            found.append(CartLine(
                id=line_id(line.line_id), quantity=line.quantity,
                unit_price=Money.of(p.unit_price, q.currency),
                subtotal=Money.of(p.subtotal, q.currency),
                discount=Money.of(p.discount, q.currency), tax=Money.of(p.tax, q.currency),
                total=Money.of(p.total, q.currency), variant_id=line.variant_id))
        return found

    @strawberry.field(description="Methods that deliver this cart to its shipping address "
                                  "(empty until there is one), each priced for this cart.")
    async def available_shipping_methods(self, info: Info) -> list[AvailableShippingMethod]:
        q = await self.quote(info)
        return [AvailableShippingMethod.of(o, q.currency) for o in q.shipping_options]

    @strawberry.field(description="The chosen method; null when none is chosen or the chosen "
                                  "one no longer serves this cart.")
    async def shipping_method(self, info: Info) -> AvailableShippingMethod | None:
        q = await self.quote(info)
        return None if q.shipping is None else AvailableShippingMethod.of(q.shipping, q.currency)

    @strawberry.field(description="What the cart costs now, in the shop currency.")
    async def cost(self, info: Info) -> CartCost:
        return CartCost.of(await self.quote(info), info.context.settings.prices_include_tax)

    @strawberry.field(description="Lines that are out of stock, short, or no longer for sale.")
    async def warnings(self, info: Info) -> list[CartWarning]:
        q = await self.quote(info)
        return [CartWarning(line_id=line_id(w.line_id), code=w.code, message=w.message,
                            quantity_available=w.quantity_available) for w in q.warnings]

    @strawberry.field(description="Why discountCode does not apply now (expired, subtotal "
                                  "too low, used up...); null when it applies or none is set.")
    async def discount_error(self, info: Info) -> UserError | None:
        q = await self.quote(info)
        if q.discount_error is None:
            return None
        return UserError(code=q.discount_error[0], message=q.discount_error[1])
