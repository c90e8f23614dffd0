"""``INSERT ... ON CONFLICT`` for the session's database: both dialects spell it the same in
SQLAlchemy, but through their own ``insert`` construct."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession


def insert_for(session: AsyncSession, table: Any) -> Any:
    """An INSERT into ``table`` that has ``on_conflict_do_nothing/do_update``."""
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert(table)
    return sqlite_insert(table)
