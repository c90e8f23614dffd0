"""Gap-free named counters (order numbers), safe under concurrent transactions.

One upsert statement: the row is created on first use and bumped after that; the row lock it
takes serialises concurrent callers on PostgreSQL, and SQLite's write lock does the same.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.models import Counter
from commerce.db.upsert import insert_for


async def next_value(session: AsyncSession, name: str, start: int = 1) -> int:
    upsert = insert_for(session, Counter).values(name=name, value=start).on_conflict_do_update(
        index_elements=[Counter.name], set_={"value": Counter.value + 1})
    return int((await session.execute(upsert.returning(Counter.value))).scalar_one())
