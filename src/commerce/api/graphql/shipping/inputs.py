"""Shipping and tax mutation inputs and their decoding into service commands.

Amounts are ``Decimal`` strings in the shop currency; a tax rate is a percent string with at
most two decimals ("20", "7.25") stored in basis points. Every bad value is reported at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import strawberry

from commerce.api.graphql.catalog.inputs import Decoder
from commerce.api.graphql.scalars import Decimal
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import Problems
from commerce.shared.percent import PercentError, parse_percent
from commerce.shared.unset import UNSET, Maybe
from commerce.shipping import rules


def percent(d: Decoder, text: str, path: Sequence[str]) -> int:
    try:
        return parse_percent(text)
    except PercentError as exc:
        d.problems.add(ErrorCode.INVALID, str(exc), path)
        return 0


def finish(d: Decoder, check: Callable[[Problems], object]) -> None:
    """Raise the decoding problems together with what the rules say about the rest, so a
    create reports every problem at once (values that failed to decode are not re-judged)."""
    if d.problems:
        rules_say = Problems()
        check(rules_say)
        seen = {p.field for p in d.problems.items}
        d.problems.items.extend(p for p in rules_say.items if p.field not in seen)
    d.done()


@strawberry.input(description="A new shipping zone.")
class ShippingZoneCreateInput:
    name: str = strawberry.field(description="Staff-facing name, 1-250 characters.")
    countries: list[str] = strawberry.field(
        default_factory=list,
        description="ISO 3166-1 alpha-2 codes. A country in several zones gets the methods "
                    "of all of them.")


@strawberry.input(description="Fields left out stay as they are.")
class ShippingZoneUpdateInput:
    id: strawberry.ID = strawberry.field(description="The zone to change.")
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="Staff-facing name, 1-250 characters.")
    countries: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces the whole list.")


@strawberry.input(description="Deletes the zone with its methods and rates.")
class ShippingZoneDeleteInput:
    id: strawberry.ID = strawberry.field(description="The zone to delete.")


@strawberry.input(description="A price band; minimums inclusive, maximums exclusive, "
                              "null = open.")
class ShippingRateInput:
    price: Decimal = strawberry.field(
        description="The shipping price when the band applies, in the shop currency.")
    min_weight_grams: int | None = strawberry.field(
        default=None, description="Lowest cart weight in grams (inclusive); null: no minimum.")
    max_weight_grams: int | None = strawberry.field(
        default=None, description="Highest cart weight in grams (exclusive); greater than the "
                                  "minimum; null: no maximum.")
    min_order_value: Decimal | None = strawberry.field(
        default=None, description="Lowest cart value after discounts (inclusive), in the shop "
                                  "currency; null: no minimum.")
    max_order_value: Decimal | None = strawberry.field(
        default=None, description="Highest cart value after discounts (exclusive), in the shop "
                                  "currency; null: no maximum.")


@strawberry.input(description="A new shipping method of a zone.")
class ShippingMethodCreateInput:
    zone_id: strawberry.ID = strawberry.field(description="The zone it ships to.")
    name: str = strawberry.field(description="Name shown to shoppers, 1-250 characters.")
    description: str = strawberry.field(
        default="", description="What shoppers should know, at most 1000 characters.")
    min_delivery_days: int = strawberry.field(
        default=1, description="Fewest days to deliver, 0-365 (default 1).")
    max_delivery_days: int = strawberry.field(
        default=5, description="Most days to deliver, 0-365, not below the minimum "
                               "(default 5).")
    free_over: Decimal | None = strawberry.field(
        default=None, description="Carts worth at least this (after discounts) ship free.")
    is_active: bool = strawberry.field(
        default=True, description="Whether carts are offered it (default true).")
    rates: list[ShippingRateInput] = strawberry.field(
        default_factory=list,
        description="Without a band that covers the cart, the method is not offered "
                    "(unless the cart ships free).")


@strawberry.input(description="Fields left out stay as they are.")
class ShippingMethodUpdateInput:
    id: strawberry.ID = strawberry.field(description="The method to change.")
    zone_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Move it to another zone.")
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="Name shown to shoppers, 1-250 characters.")
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="What shoppers should know, at most 1000 "
                                              "characters.")
    min_delivery_days: int | None = strawberry.field(
        default=strawberry.UNSET, description="Fewest days to deliver, 0-365.")
    max_delivery_days: int | None = strawberry.field(
        default=strawberry.UNSET, description="Most days to deliver, 0-365, not below "
                                              "the minimum.")
    free_over: Decimal | None = strawberry.field(
        default=strawberry.UNSET, description="null: never free.")
    is_active: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Whether carts are offered it.")
    rates: list[ShippingRateInput] | None = strawberry.field(
        default=strawberry.UNSET, description="Given: replaces every band of the method.")


@strawberry.input(description="A shipping method to delete.")
class ShippingMethodDeleteInput:
    id: strawberry.ID = strawberry.field(
        description="The method; carts that chose it must choose again.")


@strawberry.input(description="A new tax rate.")
class TaxRateCreateInput:
    country_code: str = strawberry.field(description="ISO 3166-1 alpha-2.")
    rate: Decimal = strawberry.field(
        description="Percent with at most two decimals, e.g. \"20\" or \"7.25\".")
    country_area: str = strawberry.field(
        default="", description="A region code (e.g. \"CA\" in the US) whose rate overrides "
                                "the country's; \"\" = the whole country.")
    applies_to_shipping: bool = strawberry.field(
        default=True, description="Whether shipping is taxed too (default true).")
    name: str = strawberry.field(
        default="", description="Staff-facing name, e.g. \"VAT\".")


@strawberry.input(description="Fields left out stay as they are.")
class TaxRateUpdateInput:
    id: strawberry.ID = strawberry.field(description="The tax rate to change.")
    country_code: str | None = strawberry.field(
        default=strawberry.UNSET, description="ISO 3166-1 alpha-2 country code.")
    rate: Decimal | None = strawberry.field(
        default=strawberry.UNSET, description="Percent with at most two decimals, e.g. \"20\" or "
                                              "\"7.25\".")
    country_area: str | None = strawberry.field(
        default=strawberry.UNSET, description="Region code whose rate overrides the country's; "
                                              "\"\" for the whole country.")
    applies_to_shipping: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Whether shipping is taxed too.")
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="Staff-facing name, e.g. \"VAT\".")


@strawberry.input(description="A tax rate to delete.")
class TaxRateDeleteInput:
    id: strawberry.ID = strawberry.field(description="The tax rate.")


def zone_data(data: ShippingZoneCreateInput) -> rules.ZoneData:
    return rules.ZoneData(name=data.name, countries=list(data.countries))


def zone_changes(data: ShippingZoneUpdateInput) -> tuple[int, rules.ZoneChanges]:
    d = Decoder("")
    pk = d.pk(data.id, "ShippingZone", ["id"])
    changes = rules.ZoneChanges(name=d.given(data.name, "name"),
                                countries=d.given(data.countries, "countries"))
    d.done()
    return pk, changes


def _bands(d: Decoder, rates: Sequence[ShippingRateInput]) -> list[rules.BandData]:
    return [rules.BandData(
        price=d.money(r.price, ["rates", str(i), "price"]),
        min_weight_grams=r.min_weight_grams, max_weight_grams=r.max_weight_grams,
        min_order_value=d.optional_money(r.min_order_value, ["rates", str(i), "minOrderValue"]),
        max_order_value=d.optional_money(r.max_order_value, ["rates", str(i), "maxOrderValue"]))
        for i, r in enumerate(rates)]


def method_data(data: ShippingMethodCreateInput, currency: str) -> rules.MethodData:
    d = Decoder(currency)
    result = rules.MethodData(
        zone_id=d.pk(data.zone_id, "ShippingZone", ["zoneId"]), name=data.name,
        description=data.description, min_delivery_days=data.min_delivery_days,
        max_delivery_days=data.max_delivery_days,
        free_over=d.optional_money(data.free_over, ["freeOver"]), is_active=data.is_active,
        rates=_bands(d, data.rates))
    finish(d, lambda problems: rules.check_method(problems, result))
    return result


def method_changes(data: ShippingMethodUpdateInput, currency: str
                   ) -> tuple[int, rules.MethodChanges]:
    d = Decoder(currency)
    pk = d.pk(data.id, "ShippingMethod", ["id"])
    zone = d.given(data.zone_id, "zoneId")
    rates = d.given(data.rates, "rates")
    changes = rules.MethodChanges(
        zone_id=UNSET if zone is UNSET else d.pk(zone, "ShippingZone", ["zoneId"]),
        name=d.given(data.name, "name"), description=d.given(data.description, "description"),
        min_delivery_days=d.given(data.min_delivery_days, "minDeliveryDays"),
        max_delivery_days=d.given(data.max_delivery_days, "maxDeliveryDays"),
        free_over=d.nullable_money(data.free_over, ["freeOver"]),
        is_active=d.given(data.is_active, "isActive"),
        rates=UNSET if rates is UNSET else _bands(d, rates))
    d.done()
    return pk, changes


def tax_rate_data(data: TaxRateCreateInput) -> rules.TaxRateData:
    d = Decoder("")
    result = rules.TaxRateData(
        country_code=data.country_code, rate_bp=percent(d, data.rate, ["rate"]),
        country_area=data.country_area, applies_to_shipping=data.applies_to_shipping,
        name=data.name)
    finish(d, lambda problems: rules.check_tax_rate(problems, result))
    return result


def tax_rate_changes(data: TaxRateUpdateInput) -> tuple[int, rules.TaxRateChanges]:
    d = Decoder("")
    pk = d.pk(data.id, "TaxRate", ["id"])
    rate: Maybe[str] = d.given(data.rate, "rate")
    changes = rules.TaxRateChanges(
        country_code=d.given(data.country_code, "countryCode"),
        rate_bp=UNSET if rate is UNSET else percent(d, rate, ["rate"]),
        country_area=d.given(data.country_area, "countryArea"),
        applies_to_shipping=d.given(data.applies_to_shipping, "appliesToShipping"),
        name=d.given(data.name, "name"))
    d.done()
    return pk, changes


def one_id(global_id: strawberry.ID, type_name: str) -> int:
    d = Decoder("")
    pk = d.pk(global_id, type_name, ["id"])
    d.done()
    return pk
