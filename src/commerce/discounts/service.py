"""Staff use cases for discount codes.

Checkout counts uses (``checkout.service``); here staff create and change the terms. The
code's row is locked while it changes, so a usage limit is never set below the uses a
concurrent checkout has just counted (the database CHECK backs this). A code that has been
used is kept for its history: it can be deactivated, not deleted.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.cart.pricing import DiscountKind
from commerce.db.database import Database
from commerce.db.integrity import unique_violations
from commerce.db.models import DiscountCode
from commerce.discounts.validation import (
    FIELDS,
    DiscountChanges,
    DiscountData,
    check_discount,
    value_text,
)
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, Problems
from commerce.shared.unset import UNSET

_DUPLICATE = "this code is already used by another discount"


async def _taken(session: AsyncSession, code: str, except_id: int | None = None) -> bool:
    statement = select(DiscountCode.id).where(DiscountCode.code == code)
    if except_id is not None:
        statement = statement.where(DiscountCode.id != except_id)
    return await session.scalar(statement.limit(1)) is not None


async def discount_create(db: Database, data: DiscountData, *, currency: str) -> int:
    problems = Problems()
    clean = check_discount(problems, data, currency=currency)
    code = str(clean["code"])
    with unique_violations(_DUPLICATE, ["code"]):
        async with db.transaction() as session:
            if code and await _taken(session, code):
                problems.add(ErrorCode.DUPLICATE, f"the code {code} already exists", ["code"])
            problems.raise_if_any()
            row = DiscountCode(**clean)
            session.add(row)
            await session.flush()
            return row.id


async def discount_update(db: Database, discount_id: int, changes: DiscountChanges, *,
                          currency: str) -> int:
    with unique_violations(_DUPLICATE, ["code"]):
        async with db.transaction() as session:
            row = await session.get(DiscountCode, discount_id, with_for_update=True)
            if row is None:
                raise DomainError.one(ErrorCode.NOT_FOUND, "no such discount code", ["id"])
            kind = DiscountKind(row.kind)
            stored = {f: getattr(row, f) for f in FIELDS}
            stored["kind"] = kind
            # A new kind needs its own value, never the old one's.
            stored["value"] = None if changes.kind not in (UNSET, kind) else \
                value_text(kind, row.value, currency)
            merged = DiscountData(**{
                f: stored[f] if getattr(changes, f) is UNSET else getattr(changes, f)
                for f in FIELDS})
            problems = Problems()
            clean = check_discount(problems, merged, currency=currency,
                                   times_used=row.times_used)
            code = str(clean["code"])
            if code != row.code and await _taken(session, code, row.id):
                problems.add(ErrorCode.DUPLICATE, f"the code {code} already exists", ["code"])
            problems.raise_if_any()
            for column, value in clean.items():
                setattr(row, column, value)
            return row.id


async def discount_delete(db: Database, discount_id: int) -> None:
    async with db.transaction() as session:
        row = await session.get(DiscountCode, discount_id, with_for_update=True)
        if row is None:
            raise DomainError.one(ErrorCode.NOT_FOUND, "no such discount code", ["id"])
        if row.times_used:
            raise DomainError.one(
                ErrorCode.IN_USE, f"the code {row.code} has been used {row.times_used} times; "
                "deactivate it (isActive: false) to keep its history", ["id"])
        await session.execute(delete(DiscountCode).where(DiscountCode.id == discount_id))
