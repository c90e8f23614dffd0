"""Staff use cases for tax rates: one rate per country, optionally overridden per region.

Checkout looks a destination up with ``shipping.lookup.tax_for`` (the region's rate when one
exists, else the country's, else none). Rates are stored in basis points; the region code is
stored upper-cased so it matches the address's ``countryArea`` however it was typed.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.database import Database
from commerce.db.integrity import unique_violations
from commerce.db.models import TaxRate
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, Problems
from commerce.shared.unset import UNSET
from commerce.shipping.rules import TaxRateChanges, TaxRateData, check_tax_rate

_FIELDS = ("country_code", "rate_bp", "country_area", "applies_to_shipping", "name")
_DUPLICATE = "this country (and region) already has a tax rate; update that one"


def _where(data: TaxRateData) -> str:
    return data.country_code + (f"-{data.country_area}" if data.country_area else "")


async def _taken(session: AsyncSession, data: TaxRateData, except_id: int | None = None) -> bool:
    statement = select(TaxRate.id).where(TaxRate.country_code == data.country_code,
                                         TaxRate.country_area == data.country_area)
    if except_id is not None:
        statement = statement.where(TaxRate.id != except_id)
    return await session.scalar(statement.limit(1)) is not None


async def tax_rate_create(db: Database, data: TaxRateData) -> int:
    problems = Problems()
    clean = check_tax_rate(problems, data)
    problems.raise_if_any()
    with unique_violations(_DUPLICATE, ["countryArea"]):
        async with db.transaction() as session:
            if await _taken(session, clean):
                raise DomainError.one(ErrorCode.DUPLICATE,
                                      f"{_where(clean)} already has a tax rate; update that one",
                                      ["countryArea"])
            rate = TaxRate(**{f: getattr(clean, f) for f in _FIELDS})
            session.add(rate)
            await session.flush()
            return rate.id


async def tax_rate_update(db: Database, rate_id: int, changes: TaxRateChanges) -> int:
    with unique_violations(_DUPLICATE, ["countryArea"]):
        async with db.transaction() as session:
            rate = await session.get(TaxRate, rate_id, with_for_update=True)
            if rate is None:
                raise DomainError.one(ErrorCode.NOT_FOUND, "no such tax rate", ["id"])
            problems = Problems()
            clean = check_tax_rate(problems, TaxRateData(**{
                f: getattr(rate, f) if getattr(changes, f) is UNSET else getattr(changes, f)
                for f in _FIELDS}))
            problems.raise_if_any()
            if await _taken(session, clean, rate.id):
                raise DomainError.one(ErrorCode.DUPLICATE,
                                      f"{_where(clean)} already has a tax rate; update that one",
                                      ["countryArea"])
            for f in _FIELDS:
                setattr(rate, f, getattr(clean, f))
            return rate.id


async def tax_rate_delete(db: Database, rate_id: int) -> None:
    async with db.transaction() as session:
        deleted = (await session.execute(
            delete(TaxRate).where(TaxRate.id == rate_id).returning(TaxRate.id))).first()
        if deleted is None:
            raise DomainError.one(ErrorCode.NOT_FOUND, "no such tax rate", ["id"])
