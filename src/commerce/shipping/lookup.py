"""Shipping options and tax rates for a destination (two statements)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from commerce.db.fetch import Fetch
from commerce.db.models import ShippingMethod, ShippingRate, ShippingZone, TaxRate
from commerce.shared.addresses import match_area
from commerce.shipping.rates import RateBand, method_price


@dataclass(frozen=True, slots=True)
class MethodTerms:
    id: int
    name: str
    description: str
    min_delivery_days: int
    max_delivery_days: int
    free_over: int | None
    bands: tuple[RateBand, ...]


@dataclass(frozen=True, slots=True)
class ShippingOption:
    method_id: int
    name: str
    description: str
    min_delivery_days: int
    max_delivery_days: int
    price: int


@dataclass(frozen=True, slots=True)
class TaxTerms:
    rate_bp: int
    applies_to_shipping: bool
    name: str


async def methods_for_country(fetch: Fetch, country_code: str) -> list[MethodTerms]:
    """Active methods of every zone that serves the country, in display order."""
    rows = await fetch(
        select(ShippingMethod.id, ShippingMethod.name, ShippingMethod.description,
               ShippingMethod.min_delivery_days, ShippingMethod.max_delivery_days,
               ShippingMethod.free_over, ShippingZone.countries,
               ShippingRate.price, ShippingRate.min_weight_grams, ShippingRate.max_weight_grams,
               ShippingRate.min_order_value, ShippingRate.max_order_value)
        .join(ShippingZone, ShippingZone.id == ShippingMethod.zone_id)
        .outerjoin(ShippingRate, ShippingRate.method_id == ShippingMethod.id)
        .where(ShippingMethod.is_active.is_(True))
        .order_by(ShippingMethod.position, ShippingMethod.id, ShippingRate.id))
    # Zone countries are a JSON list; filtering here keeps the SQL identical on both databases.
    heads: dict[int, tuple[str, str, int, int, int | None]] = {}
    bands: dict[int, list[RateBand]] = defaultdict(list)
    for row in rows:
        if country_code not in (row.countries or ()):
            continue
        heads[row.id] = (row.name, row.description, row.min_delivery_days,
                         row.max_delivery_days, row.free_over)
        if row.price is not None:
            bands[row.id].append(RateBand(row.price, row.min_weight_grams, row.max_weight_grams,
                                          row.min_order_value, row.max_order_value))
    return [MethodTerms(method_id, *head, bands=tuple(bands[method_id]))
            for method_id, head in heads.items()]


def options(methods: list[MethodTerms], *, weight_grams: int, order_value: int
            ) -> list[ShippingOption]:
    """The methods this cart can use, with their price for it."""
    found = []
    for m in methods:
        price = method_price(m.bands, weight_grams=weight_grams, order_value=order_value,
                             free_over=m.free_over)
        if price is not None:
            found.append(ShippingOption(m.id, m.name, m.description, m.min_delivery_days,
                                        m.max_delivery_days, price))
    return found


async def tax_for(fetch: Fetch, country_code: str, country_area: str) -> TaxTerms | None:
    """The region's rate when one is set, else the country's, else none.

    Addresses are stored with their area's key ("CA"); matching again here also finds the
    region of an address stored before areas were normalised ("California")."""
    area = (match_area(country_code, country_area) or country_area).strip().upper()
    rows = await fetch(
        select(TaxRate.country_area, TaxRate.rate_bp, TaxRate.applies_to_shipping, TaxRate.name)
        .where(TaxRate.country_code == country_code, TaxRate.country_area.in_(["", area])))
    by_area = {row.country_area: row for row in rows}
    row = by_area.get(area) if area else None
    row = row or by_area.get("")
    return None if row is None else TaxTerms(row.rate_bp, row.applies_to_shipping, row.name)
