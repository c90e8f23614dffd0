"""Shipping zones, methods and tax rates on a real database, as checkout then sees them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import Executable, Row, func, select

from commerce.db.database import Database
from commerce.db.fetch import Fetch
from commerce.db.models import ShippingMethod, ShippingRate
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError
from commerce.shipping import lookup, service, taxes
from commerce.shipping.rules import (
    BandData,
    MethodChanges,
    MethodData,
    TaxRateChanges,
    TaxRateData,
    ZoneChanges,
    ZoneData,
)


def _fetch(db: Database) -> Fetch:
    async def fetch(statement: Executable) -> Sequence[Row[Any]]:
        reader = db.reader()
        try:
            return await reader.all(statement)
        finally:
            await reader.close()

    return fetch


async def _count(db: Database, model: Any) -> int:
    async with db.transaction() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def _zone_with_standard(db: Database) -> tuple[int, int]:
    zone = await service.zone_create(db, ZoneData(name="North America", countries=["US", "CA"]))
    method = await service.method_create(db, MethodData(
        zone_id=zone, name="Standard", min_delivery_days=3, max_delivery_days=5, free_over=5000,
        rates=[BandData(price=499, max_weight_grams=1000),
               BandData(price=899, min_weight_grams=1000)]))
    return zone, method


async def test_a_new_method_is_offered_to_carts_in_its_zone_at_its_band_price(
        db: Database) -> None:
    _, method = await _zone_with_standard(db)
    methods = await lookup.methods_for_country(_fetch(db), "CA")
    light = lookup.options(methods, weight_grams=500, order_value=1000)
    heavy = lookup.options(methods, weight_grams=2500, order_value=1000)
    free = lookup.options(methods, weight_grams=2500, order_value=5000)
    assert [(o.method_id, o.price) for o in light] == [(method, 499)]
    assert [o.price for o in heavy] == [899]
    assert [o.price for o in free] == [0]
    assert await lookup.methods_for_country(_fetch(db), "GB") == []


async def test_methods_go_last_in_their_zone(db: Database) -> None:
    zone, first = await _zone_with_standard(db)
    second = await service.method_create(db, MethodData(zone_id=zone, name="Express",
                                                        rates=[BandData(price=1999)]))
    methods = await lookup.methods_for_country(_fetch(db), "US")
    assert [m.id for m in methods] == [first, second]


async def test_updating_rates_replaces_every_band_and_leaving_them_out_keeps_them(
        db: Database) -> None:
    _, method = await _zone_with_standard(db)
    await service.method_update(db, method, MethodChanges(name="Economy", free_over=None))
    assert await _count(db, ShippingRate) == 2
    await service.method_update(db, method, MethodChanges(rates=[BandData(price=300)]))
    methods = await lookup.methods_for_country(_fetch(db), "US")
    assert [(m.name, m.free_over, [b.price for b in m.bands]) for m in methods] == \
        [("Economy", None, [300])]


async def test_an_invalid_update_changes_nothing(db: Database) -> None:
    _, method = await _zone_with_standard(db)
    with pytest.raises(DomainError) as caught:
        await service.method_update(db, method, MethodChanges(
            max_delivery_days=1, rates=[BandData(price=100, min_weight_grams=5,
                                                 max_weight_grams=5)]))
    assert {p.field for p in caught.value.problems} == {
        ("maxDeliveryDays",), ("rates", "0", "maxWeightGrams")}
    assert await _count(db, ShippingRate) == 2


async def test_a_method_needs_an_existing_zone(db: Database) -> None:
    with pytest.raises(DomainError) as caught:
        await service.method_create(db, MethodData(zone_id=999, name="Standard"))
    assert [(p.code, p.field) for p in caught.value.problems] == \
        [(ErrorCode.NOT_FOUND, ("zoneId",))]


async def test_a_zone_change_of_countries_moves_its_methods_with_it(db: Database) -> None:
    zone, _ = await _zone_with_standard(db)
    await service.zone_update(db, zone, ZoneChanges(countries=["gb"]))
    assert await lookup.methods_for_country(_fetch(db), "US") == []
    assert len(await lookup.methods_for_country(_fetch(db), "GB")) == 1


async def test_deleting_a_zone_deletes_its_methods_and_bands(db: Database) -> None:
    zone, _ = await _zone_with_standard(db)
    await service.zone_delete(db, zone)
    assert await _count(db, ShippingMethod) == 0
    assert await _count(db, ShippingRate) == 0
    with pytest.raises(DomainError):
        await service.zone_delete(db, zone)


async def test_deleting_a_method_returns_its_zone(db: Database) -> None:
    zone, method = await _zone_with_standard(db)
    assert await service.method_delete(db, method) == zone
    assert await _count(db, ShippingRate) == 0


async def test_a_region_rate_overrides_its_country_rate(db: Database) -> None:
    await taxes.tax_rate_create(db, TaxRateData(country_code="US", rate_bp=0))
    await taxes.tax_rate_create(db, TaxRateData(country_code="us", country_area="ca",
                                                rate_bp=725, applies_to_shipping=False))
    ca = await lookup.tax_for(_fetch(db), "US", "CA")
    ny = await lookup.tax_for(_fetch(db), "US", "NY")
    assert ca is not None and (ca.rate_bp, ca.applies_to_shipping) == (725, False)
    assert ny is not None and ny.rate_bp == 0


async def test_one_rate_per_country_and_region(db: Database) -> None:
    await taxes.tax_rate_create(db, TaxRateData(country_code="DE", rate_bp=1900))
    other = await taxes.tax_rate_create(db, TaxRateData(country_code="FR", rate_bp=2000))
    with pytest.raises(DomainError) as caught:
        await taxes.tax_rate_create(db, TaxRateData(country_code="de", rate_bp=700))
    assert caught.value.problems[0].code is ErrorCode.DUPLICATE
    with pytest.raises(DomainError) as caught:
        await taxes.tax_rate_update(db, other, TaxRateChanges(country_code="DE"))
    assert caught.value.problems[0].code is ErrorCode.DUPLICATE
    await taxes.tax_rate_update(db, other, TaxRateChanges(rate_bp=550, name="Reduced"))
    fr = await lookup.tax_for(_fetch(db), "FR", "")
    assert fr is not None and (fr.rate_bp, fr.name) == (550, "Reduced")


async def test_a_deleted_tax_rate_no_longer_applies(db: Database) -> None:
    rate = await taxes.tax_rate_create(db, TaxRateData(country_code="GB", rate_bp=2000))
    await taxes.tax_rate_delete(db, rate)
    assert await lookup.tax_for(_fetch(db), "GB", "") is None
    with pytest.raises(DomainError):
        await taxes.tax_rate_delete(db, rate)
