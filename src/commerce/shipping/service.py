"""Staff use cases for shipping zones and their methods (with price bands).

A method's bands are replaced as a whole when given: staff edit a price table, not rows.
Deleting a zone deletes its methods and bands (foreign keys cascade); carts and orders that
pointed at a deleted method keep their snapshot and lose only the link (SET NULL).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.database import Database
from commerce.db.models import ShippingMethod, ShippingRate, ShippingZone
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, Problems
from commerce.shared.unset import UNSET
from commerce.shipping.rules import (
    BandData,
    MethodChanges,
    MethodData,
    ZoneChanges,
    ZoneData,
    check_method,
    check_zone,
)

_METHOD_FIELDS = ("zone_id", "name", "description", "min_delivery_days", "max_delivery_days",
                  "free_over", "is_active")


async def zone_create(db: Database, data: ZoneData) -> int:
    problems = Problems()
    clean = check_zone(problems, data)
    problems.raise_if_any()
    async with db.transaction() as session:
        zone = ShippingZone(name=clean.name, countries=list(clean.countries))
        session.add(zone)
        await session.flush()
        return zone.id


async def zone_update(db: Database, zone_id: int, changes: ZoneChanges) -> int:
    async with db.transaction() as session:
        zone = await session.get(ShippingZone, zone_id, with_for_update=True)
        if zone is None:
            raise DomainError.one(ErrorCode.NOT_FOUND, "no such shipping zone", ["id"])
        problems = Problems()
        clean = check_zone(problems, ZoneData(
            name=zone.name if changes.name is UNSET else changes.name,
            countries=zone.countries if changes.countries is UNSET else changes.countries))
        problems.raise_if_any()
        zone.name, zone.countries = clean.name, list(clean.countries)
        return zone.id


async def zone_delete(db: Database, zone_id: int) -> None:
    async with db.transaction() as session:
        deleted = (await session.execute(
            delete(ShippingZone).where(ShippingZone.id == zone_id)
            .returning(ShippingZone.id))).first()
        if deleted is None:
            raise DomainError.one(ErrorCode.NOT_FOUND, "no such shipping zone", ["id"])


async def _replace_bands(session: AsyncSession, method_id: int, bands: Sequence[BandData]
                         ) -> None:
    await session.execute(delete(ShippingRate).where(ShippingRate.method_id == method_id))
    if bands:
        await session.execute(insert(ShippingRate), [
            {"method_id": method_id, "price": b.price, "min_weight_grams": b.min_weight_grams,
             "max_weight_grams": b.max_weight_grams, "min_order_value": b.min_order_value,
             "max_order_value": b.max_order_value} for b in bands])


async def _zone_exists(session: AsyncSession, zone_id: int) -> bool:
    return await session.get(ShippingZone, zone_id) is not None


async def method_create(db: Database, data: MethodData) -> int:
    problems = Problems()
    clean = check_method(problems, data)
    async with db.transaction() as session:
        if not await _zone_exists(session, clean.zone_id):
            problems.add(ErrorCode.NOT_FOUND, "no such shipping zone", ["zoneId"])
        problems.raise_if_any()
        # New methods go last in their zone; the position orders a cart's options.
        last = await session.scalar(select(func.max(ShippingMethod.position)).where(
            ShippingMethod.zone_id == clean.zone_id))
        method = ShippingMethod(**{f: getattr(clean, f) for f in _METHOD_FIELDS},
                                position=(last or 0) + 1)
        session.add(method)
        await session.flush()
        await _replace_bands(session, method.id, clean.rates)
        return method.id


async def method_update(db: Database, method_id: int, changes: MethodChanges) -> int:
    async with db.transaction() as session:
        method = await session.get(ShippingMethod, method_id, with_for_update=True)
        if method is None:
            raise DomainError.one(ErrorCode.NOT_FOUND, "no such shipping method", ["id"])
        merged = MethodData(
            **{f: getattr(method, f) if getattr(changes, f) is UNSET else getattr(changes, f)
               for f in _METHOD_FIELDS},
            rates=() if changes.rates is UNSET else changes.rates)
        problems = Problems()
        clean = check_method(problems, merged)
        if clean.zone_id != method.zone_id and not await _zone_exists(session, clean.zone_id):
            problems.add(ErrorCode.NOT_FOUND, "no such shipping zone", ["zoneId"])
        problems.raise_if_any()
        for f in _METHOD_FIELDS:
            setattr(method, f, getattr(clean, f))
        if changes.rates is not UNSET:
            await _replace_bands(session, method.id, clean.rates)
        return method.id


async def method_delete(db: Database, method_id: int) -> int:
    """Delete a method and its bands; returns the zone's id."""
    async with db.transaction() as session:
        deleted = (await session.execute(
            delete(ShippingMethod).where(ShippingMethod.id == method_id)
            .returning(ShippingMethod.zone_id))).first()
        if deleted is None:
            raise DomainError.one(ErrorCode.NOT_FOUND, "no such shipping method", ["id"])
        return int(deleted.zone_id)
