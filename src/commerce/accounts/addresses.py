"""A customer's address book, with at most one default shipping and one billing address.

Each use case first locks the owner's user row (``FOR UPDATE``; on SQLite ``BEGIN
IMMEDIATE`` already serialises writers), so two concurrent "make this my default" calls
cannot leave two defaults behind, and the address-count limit cannot be raced past.
Another user's address is reported as not found, never as forbidden.
"""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.database import Database
from commerce.db.models import Address, User
from commerce.shared.addresses import AddressData, clean_address
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, Problems

MAX_ADDRESSES_PER_USER = 100
_PATH = ("address",)


def _not_found() -> DomainError:
    return DomainError.one(ErrorCode.NOT_FOUND, "no such address", ["id"])


async def _lock_owner(session: AsyncSession, user_id: int) -> None:
    await session.execute(select(User.id).where(User.id == user_id).with_for_update())


async def _set_defaults(session: AsyncSession, user_id: int, address_id: int,
                        shipping: bool | None, billing: bool | None) -> None:
    """True makes this address the default (clearing any other); False clears it."""
    for flag, column in ((shipping, Address.is_default_shipping),
                         (billing, Address.is_default_billing)):
        if flag is None:
            continue
        if flag:
            await session.execute(update(Address).where(
                Address.user_id == user_id, Address.id != address_id, column.is_(True),
            ).values({column: False}))
        await session.execute(update(Address).where(Address.id == address_id)
                              .values({column: flag}))


async def create_address(db: Database, user_id: int, data: AddressData, *,
                         default_shipping: bool = False, default_billing: bool = False) -> int:
    problems = Problems()
    data = clean_address(data, problems, _PATH)
    problems.raise_if_any()
    async with db.transaction() as session:
        await _lock_owner(session, user_id)
        count = (await session.execute(
            select(func.count()).select_from(Address).where(Address.user_id == user_id)
        )).scalar_one()
        if count >= MAX_ADDRESSES_PER_USER:
            raise DomainError.one(ErrorCode.INVALID,
                                  f"an address book holds at most {MAX_ADDRESSES_PER_USER} "
                                  "addresses; delete one first")
        address = Address(user_id=user_id, **asdict(data))
        session.add(address)
        await session.flush()
        await _set_defaults(session, user_id, address.id, default_shipping or None,
                            default_billing or None)
    return address.id


async def update_address(db: Database, user_id: int, address_id: int,
                         data: AddressData | None, *, default_shipping: bool | None = None,
                         default_billing: bool | None = None) -> None:
    """Replace the address fields when ``data`` is given; set or clear the default flags."""
    problems = Problems()
    if data is not None:
        data = clean_address(data, problems, _PATH)
    problems.raise_if_any()
    async with db.transaction() as session:
        await _lock_owner(session, user_id)
        owned = (await session.execute(select(Address.id).where(
            Address.id == address_id, Address.user_id == user_id))).first()
        if owned is None:
            raise _not_found()
        if data is not None:
            await session.execute(update(Address).where(Address.id == address_id)
                                  .values(**asdict(data)))
        await _set_defaults(session, user_id, address_id, default_shipping, default_billing)


async def delete_address(db: Database, user_id: int, address_id: int) -> None:
    async with db.transaction() as session:
        await _lock_owner(session, user_id)
        result = await session.execute(delete(Address).where(
            Address.id == address_id, Address.user_id == user_id))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise _not_found()
