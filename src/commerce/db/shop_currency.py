"""The shop currency, recorded in the database so the setting cannot silently re-denominate it.

Prices and every other amount are stored as integer minor units of ``COMMERCE_CURRENCY``, with
nothing in an amount saying which currency it is. Were the setting changed on a shop with
data, 1999 cents would become 1999 yen. So the first start (or seed, or migration of a shop
with data) records the currency in ``shop_settings``, and every later start refuses to run
when the setting disagrees with it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.database import Database
from commerce.db.models import Order, ProductVariant, ShopSetting

KEY = "currency"


class CurrencyMismatchError(RuntimeError):
    """``COMMERCE_CURRENCY`` is not the currency the database's amounts are in."""


def _refusal(setting: str, stored: str) -> CurrencyMismatchError:
    return CurrencyMismatchError(
        f"COMMERCE_CURRENCY is {setting}, but this database's prices and orders are in "
        f"{stored} (amounts are stored in minor units of the shop currency, so running with "
        f"{setting} would re-denominate every price). Set COMMERCE_CURRENCY={stored}; a shop "
        "cannot change its currency in place.")


async def _currency_of_data(session: AsyncSession) -> str | None:
    """The currency of existing prices or orders, for a shop that never recorded one."""
    for column in (ProductVariant.currency, Order.currency):
        found = await session.scalar(select(column).limit(1))
        if found:
            return str(found)
    return None


async def ensure_shop_currency(db: Database, currency: str) -> None:
    """Record ``currency`` as the shop's on first use; raise ``CurrencyMismatchError`` when
    the database already holds another one."""
    async with db.transaction() as session:
        stored = await session.scalar(select(ShopSetting.value).where(ShopSetting.key == KEY))
        if stored is None:
            stored = await _currency_of_data(session) or currency
            insert = pg_insert if db.dialect == "postgresql" else sqlite_insert
            # Two processes starting at once both get here; the first row wins.
            await session.execute(insert(ShopSetting).values(key=KEY, value=stored)
                                  .on_conflict_do_nothing(index_elements=["key"]))
            stored = await session.scalar(
                select(ShopSetting.value).where(ShopSetting.key == KEY))
    if stored != currency:
        raise _refusal(currency, str(stored))
