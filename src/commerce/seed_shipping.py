"""Demo shipping zones and methods, tax rates and discount codes (data, and their insertion).

Prices are cents of a two-decimal currency, converted to the shop currency's minor units.
Tax figures are typical standard rates, good enough for a demo and not tax advice: staff
change them with ``taxRateUpdate``. US prices are taxed by state and shipping is not; in
Canada, the UK and the EU shipping is taxed like goods.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.models import DiscountCode, ShippingMethod, ShippingRate, ShippingZone, TaxRate

EU = ("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
      "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE")

# Weight bands in grams, [min, max): light parcels, medium, heavy.
BANDS = ((None, 1000), (1000, 5000), (5000, None))

# zone name, countries, [(method, description, min days, max days, free over (cents) or
# None, band prices in cents)]
ZONES: tuple[tuple[str, tuple[str, ...], tuple[tuple[str, str, int, int, int | None,
                                                     tuple[int, int, int]], ...]], ...] = (
    ("United States", ("US",), (
        ("Standard", "Ground delivery with tracking.", 3, 5, 7500, (599, 899, 1499)),
        ("Express", "Two-day air, signature on delivery.", 1, 2, None, (1499, 1999, 2999)),
    )),
    ("Canada", ("CA",), (
        ("Standard", "Tracked parcel.", 5, 8, 10000, (999, 1499, 2499)),
        ("Express", "Priority parcel.", 2, 3, None, (2499, 3499, 4999)),
    )),
    ("United Kingdom", ("GB",), (
        ("Standard", "Tracked international parcel.", 4, 7, 10000, (999, 1499, 2499)),
        ("Express", "Courier, duties prepaid.", 2, 3, None, (2499, 3499, 4999)),
    )),
    ("European Union", EU, (
        ("Standard", "Tracked international parcel.", 5, 9, 10000, (1199, 1699, 2699)),
        ("Express", "Courier, duties prepaid.", 2, 4, None, (2699, 3699, 5499)),
    )),
)

# country, area ("" = whole country), percent in basis points, taxes shipping, name
TAX_RATES: tuple[tuple[str, str, int, bool, str], ...] = (
    ("GB", "", 2000, True, "VAT"),
    ("CA", "", 500, True, "GST"),
    ("CA", "ON", 1300, True, "HST"),
    ("CA", "NS", 1500, True, "HST"),
    ("CA", "NB", 1500, True, "HST"),
    ("CA", "BC", 1200, True, "GST + PST"),
    ("US", "CA", 725, False, "California sales tax"),
    ("US", "NY", 400, False, "New York sales tax"),
    ("US", "TX", 625, False, "Texas sales tax"),
    ("US", "WA", 650, False, "Washington sales tax"),
    ("US", "FL", 600, False, "Florida sales tax"),
    *((country, "", rate, True, "VAT") for country, rate in (
        ("AT", 2000), ("BE", 2100), ("BG", 2000), ("HR", 2500), ("CY", 1900), ("CZ", 2100),
        ("DK", 2500), ("EE", 2200), ("FI", 2400), ("FR", 2000), ("DE", 1900), ("GR", 2400),
        ("HU", 2700), ("IE", 2300), ("IT", 2200), ("LV", 2100), ("LT", 2100), ("LU", 1700),
        ("MT", 1800), ("NL", 2100), ("PL", 2300), ("PT", 2300), ("RO", 1900), ("SK", 2000),
        ("SI", 2200), ("ES", 2100), ("SE", 2500))),
)


def discount_rows(now: datetime, minor: Callable[[int], int]) -> list[dict[str, Any]]:
    """The demo codes: live ones, an expired one and one that has not started yet."""
    day = timedelta(days=1)
    return [
        {"code": "WELCOME10", "kind": "PERCENTAGE", "value": 1000,
         "usage_limit_per_customer": 1, "created_at": now - 90 * day},
        {"code": "FREESHIP", "kind": "FREE_SHIPPING", "value": 0, "min_subtotal": minor(5000),
         "created_at": now - 60 * day},
        {"code": "SUMMER5", "kind": "FIXED_AMOUNT", "value": minor(500),
         "min_subtotal": minor(2500), "starts_at": now - 30 * day, "ends_at": now + 60 * day,
         "usage_limit": 500, "created_at": now - 31 * day},
        {"code": "SPRING20", "kind": "PERCENTAGE", "value": 2000, "starts_at": now - 120 * day,
         "ends_at": now - 45 * day, "created_at": now - 121 * day},
        {"code": "AUTUMN15", "kind": "PERCENTAGE", "value": 1500, "starts_at": now + 30 * day,
         "created_at": now - 2 * day},
    ]


async def seed_shipping_and_pricing(session: AsyncSession, now: datetime,
                                    minor: Callable[[int], int]) -> dict[tuple[str, str], int]:
    """Insert zones, methods, bands, tax rates and codes; returns method ids by
    (zone name, method name)."""
    methods: dict[tuple[str, str], int] = {}
    for zone_name, countries, zone_methods in ZONES:
        zone_id = (await session.execute(insert(ShippingZone).values(
            name=zone_name, countries=list(countries)).returning(ShippingZone.id))).scalar_one()
        for position, (name, description, low, high, free, prices) in \
                enumerate(zone_methods, start=1):
            method_id = (await session.execute(insert(ShippingMethod).values(
                zone_id=zone_id, name=name, description=description, min_delivery_days=low,
                max_delivery_days=high, free_over=None if free is None else minor(free),
                is_active=True, position=position).returning(ShippingMethod.id))).scalar_one()
            methods[zone_name, name] = method_id
            await session.execute(insert(ShippingRate), [
                {"method_id": method_id, "price": minor(price), "min_weight_grams": lo,
                 "max_weight_grams": hi} for price, (lo, hi) in zip(prices, BANDS, strict=True)])
    await session.execute(insert(TaxRate), [
        {"country_code": country, "country_area": area, "rate_bp": rate,
         "applies_to_shipping": shipping, "name": name}
        for country, area, rate, shipping, name in TAX_RATES])
    await session.execute(insert(DiscountCode), discount_rows(now, minor))
    return methods


def zone_of(country: str) -> str:
    for zone_name, countries, _ in ZONES:
        if country in countries:
            return zone_name
    raise KeyError(country)
