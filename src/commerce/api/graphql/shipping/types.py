"""Shipping zones, methods, rate bands and tax rates as staff see them.

Amounts are minor units in the shop currency (the tables carry none), turned into ``Money``
by small resolvers that read the currency from the request's settings.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any

import strawberry

from commerce.api.graphql.context import Info
from commerce.api.graphql.money import Money
from commerce.api.graphql.node import Node
from commerce.api.graphql.scalars import Decimal
from commerce.shared.ids import encode_id
from commerce.shared.percent import format_percent


@strawberry.type(description="A price band of a shipping method: it applies when the cart's "
                             "weight and value (after discounts) fall inside it. Minimums are "
                             "inclusive, maximums exclusive, null is open; when several bands "
                             "match, the cheapest wins.")
class ShippingRate:
    min_weight_grams: int | None = strawberry.field(
        description="Lowest cart weight in grams, inclusive; null: no minimum.")
    max_weight_grams: int | None = strawberry.field(
        description="Highest cart weight in grams, exclusive; null: no maximum.")
    price_minor: strawberry.Private[int]
    min_value: strawberry.Private[int | None]
    max_value: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> ShippingRate:
        return cls(min_weight_grams=row.min_weight_grams, max_weight_grams=row.max_weight_grams,
                   price_minor=row.price, min_value=row.min_order_value,
                   max_value=row.max_order_value)

    @strawberry.field(description="The shipping price when this band applies, in the shop "
                                  "currency.")
    def price(self, info: Info) -> Money:
        return Money.of(self.price_minor, info.context.settings.currency)

    @strawberry.field(description="Lowest cart value after discounts, inclusive; null: no "
                                  "minimum.")
    def min_order_value(self, info: Info) -> Money | None:
        return Money.maybe(self.min_value, info.context.settings.currency)

    @strawberry.field(description="Highest cart value after discounts, exclusive; null: no "
                                  "maximum.")
    def max_order_value(self, info: Info) -> Money | None:
        return Money.maybe(self.max_value, info.context.settings.currency)


@strawberry.type(description="A way to ship to a zone (e.g. Standard, Express). Staff only.")
class ShippingMethod(Node):
    id: strawberry.ID
    name: str = strawberry.field(
        description="Name shown to shoppers, e.g. \"Standard\".")
    description: str = strawberry.field(
        description="What shoppers should know about it; may be empty.")
    min_delivery_days: int = strawberry.field(description="Fewest days to deliver.")
    max_delivery_days: int = strawberry.field(description="Most days to deliver.")
    is_active: bool = strawberry.field(description="Inactive methods are not offered to carts.")
    position: int = strawberry.field(description="Order among the zone's methods.")
    pk: strawberry.Private[int]
    zone_id: strawberry.Private[int]
    free_over_minor: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> ShippingMethod:
        return cls(id=strawberry.ID(encode_id("ShippingMethod", row.id)), name=row.name,
                   description=row.description, min_delivery_days=row.min_delivery_days,
                   max_delivery_days=row.max_delivery_days, is_active=row.is_active,
                   position=row.position, pk=row.id, zone_id=row.zone_id,
                   free_over_minor=row.free_over)

    @strawberry.field(description="Carts worth at least this much (after discounts) ship free.")
    def free_over(self, info: Info) -> Money | None:
        return Money.maybe(self.free_over_minor, info.context.settings.currency)

    @strawberry.field(
        description="The method's price bands.",
        graphql_type=list[ShippingRate])
    def rates(self, info: Info) -> Awaitable[list[ShippingRate]]:
        return info.context.loaders.shipping_rates_by_method_id.load(self.pk)

    @strawberry.field(
        description="The zone the method ships to.",
        graphql_type=Annotated["ShippingZone", strawberry.lazy(__name__)] | None)
    def zone(self, info: Info) -> Awaitable[ShippingZone | None]:
        return info.context.loaders.shipping_zone_by_id.load(self.zone_id)


@strawberry.type(description="Countries served by the same shipping methods. Staff only.")
class ShippingZone(Node):
    id: strawberry.ID
    name: str = strawberry.field(
        description="Staff-facing name, e.g. \"Europe\".")
    countries: list[str] = strawberry.field(description="ISO 3166-1 alpha-2 codes.")
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> ShippingZone:
        return cls(id=strawberry.ID(encode_id("ShippingZone", row.id)), name=row.name,
                   countries=list(row.countries or ()), pk=row.id)

    @strawberry.field(graphql_type=list[ShippingMethod],
                      description="Active and inactive, in the order carts see them.")
    def methods(self, info: Info) -> Awaitable[list[ShippingMethod]]:
        return info.context.loaders.shipping_methods_by_zone_id.load(self.pk)


@strawberry.type(description="The tax rate of a country, or of one region of it (which then "
                             "overrides the country's). Staff only.")
class TaxRate(Node):
    id: strawberry.ID
    name: str = strawberry.field(
        description="Staff-facing name, e.g. \"VAT\"; may be empty.")
    country_code: str = strawberry.field(
        description="ISO 3166-1 alpha-2 country code, e.g. \"DE\".")
    country_area: str = strawberry.field(description="Region code; \"\" = the whole country.")
    rate: Decimal = strawberry.field(description="Percent, e.g. \"20\" or \"7.25\".")
    applies_to_shipping: bool = strawberry.field(description="Whether shipping is taxed too.")
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> TaxRate:
        return cls(id=strawberry.ID(encode_id("TaxRate", row.id)), name=row.name,
                   country_code=row.country_code, country_area=row.country_area,
                   rate=Decimal(format_percent(row.rate_bp)),
                   applies_to_shipping=row.applies_to_shipping, pk=row.id)
