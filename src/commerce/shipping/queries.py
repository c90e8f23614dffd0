"""Shipping and tax read side for staff: one statement per call."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, select

from commerce.db.database import Reader
from commerce.db.keyset import AnySelect, keyset
from commerce.db.models import ShippingMethod, ShippingRate, ShippingZone, TaxRate
from commerce.shared.pagination import Page, make_page, page_request

ZONE_COLUMNS = (ShippingZone.id, ShippingZone.name, ShippingZone.countries)
METHOD_COLUMNS = (
    ShippingMethod.id, ShippingMethod.zone_id, ShippingMethod.name, ShippingMethod.description,
    ShippingMethod.min_delivery_days, ShippingMethod.max_delivery_days,
    ShippingMethod.free_over, ShippingMethod.is_active, ShippingMethod.position,
)
RATE_COLUMNS = (ShippingRate.id, ShippingRate.method_id, ShippingRate.price,
                ShippingRate.min_weight_grams, ShippingRate.max_weight_grams,
                ShippingRate.min_order_value, ShippingRate.max_order_value)
TAX_COLUMNS = (TaxRate.id, TaxRate.name, TaxRate.country_code, TaxRate.country_area,
               TaxRate.rate_bp, TaxRate.applies_to_shipping)

_BY_ID = "id:asc"
_BY_COUNTRY = "country:asc"


async def list_zones(reader: Reader, *, first: int | None, after: str | None
                     ) -> Page[Row[Any]]:
    """Zones oldest first."""
    request = page_request(first, after, _BY_ID, 1)
    statement: AnySelect = select(*ZONE_COLUMNS)
    statement = keyset(statement, [ShippingZone.id], False, request.after, request.first + 1)
    rows = await reader.all(statement)
    return make_page(rows, request, _BY_ID, lambda r: (r.id,))


async def zones_by_ids(reader: Reader, ids: Sequence[int]) -> dict[int, Row[Any]]:
    rows = await reader.all(select(*ZONE_COLUMNS).where(ShippingZone.id.in_(ids)))
    return {r.id: r for r in rows}


async def methods_by_ids(reader: Reader, ids: Sequence[int]) -> dict[int, Row[Any]]:
    rows = await reader.all(select(*METHOD_COLUMNS).where(ShippingMethod.id.in_(ids)))
    return {r.id: r for r in rows}


async def methods_by_zone_ids(reader: Reader, ids: Sequence[int]
                              ) -> dict[int, list[Row[Any]]]:
    """Each zone's methods in the order a cart offers them."""
    rows = await reader.all(
        select(*METHOD_COLUMNS).where(ShippingMethod.zone_id.in_(ids))
        .order_by(ShippingMethod.zone_id, ShippingMethod.position, ShippingMethod.id))
    grouped: dict[int, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        grouped[row.zone_id].append(row)
    return grouped


async def rates_by_method_ids(reader: Reader, ids: Sequence[int]
                              ) -> dict[int, list[Row[Any]]]:
    rows = await reader.all(
        select(*RATE_COLUMNS).where(ShippingRate.method_id.in_(ids))
        .order_by(ShippingRate.method_id, ShippingRate.id))
    grouped: dict[int, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        grouped[row.method_id].append(row)
    return grouped


async def list_tax_rates(reader: Reader, *, first: int | None, after: str | None
                         ) -> Page[Row[Any]]:
    """Tax rates by country, the country-wide rate ("" area) before its regions."""
    request = page_request(first, after, _BY_COUNTRY, 3)
    statement: AnySelect = select(*TAX_COLUMNS)
    statement = keyset(statement, [TaxRate.country_code, TaxRate.country_area, TaxRate.id],
                       False, request.after, request.first + 1)
    rows = await reader.all(statement)
    return make_page(rows, request, _BY_COUNTRY,
                     lambda r: (r.country_code, r.country_area, r.id))


async def tax_rates_by_ids(reader: Reader, ids: Sequence[int]) -> dict[int, Row[Any]]:
    rows = await reader.all(select(*TAX_COLUMNS).where(TaxRate.id.in_(ids)))
    return {r.id: r for r in rows}
