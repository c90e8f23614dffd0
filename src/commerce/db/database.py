"""The database handle given to the app: engines, units of work and request readers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Executable, Row, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from commerce.db.engine import create_engines
from commerce.settings import Settings


class Database:
    def __init__(self, url: str, pool_size: int = 10, sqlite_driver: str = "inline") -> None:
        self.url = url
        self.write_engine, self.read_engine = create_engines(url, pool_size, sqlite_driver)
        # SQLite runs one write transaction at a time anyway. Queuing writers of this
        # process here wakes the next one the moment the lock frees, where SQLite's busy
        # handler would poll with sleeps of up to 100 ms; other processes still queue on
        # the busy timeout.
        self._write_lock = asyncio.Lock() if self.dialect == "sqlite" else None

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        return cls(settings.database_url, settings.db_pool_size, settings.sqlite_driver)

    @property
    def dialect(self) -> str:
        return self.write_engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One write transaction: commits on success, rolls back on any exception."""
        if self._write_lock is None:
            async with AsyncSession(self.write_engine, expire_on_commit=False) as session, \
                    session.begin():
                yield session
            return
        async with self._write_lock, \
                AsyncSession(self.write_engine, expire_on_commit=False) as session, \
                session.begin():
            yield session

    def reader(self, *, hold: bool = True) -> Reader:
        return Reader(self.read_engine, hold=hold)

    async def ping(self) -> None:
        async with self.read_engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.write_engine.dispose()
        await self.read_engine.dispose()


class Reader:
    """A request's read connection: opened on first use, one statement at a time.

    DataLoader batches run as concurrent tasks; a lock keeps them from interleaving on the
    one connection (asyncpg forbids that), which is what one connection does anyway.
    With ``hold=False`` (long-lived WebSocket contexts) the connection goes back to the pool
    after every statement instead of staying checked out for the socket's lifetime.
    """

    def __init__(self, engine: AsyncEngine, *, hold: bool = True) -> None:
        self._engine = engine
        self._hold = hold
        self._conn: AsyncConnection | None = None
        self._lock = asyncio.Lock()

    async def all(self, statement: Executable, params: dict[str, Any] | None = None
                  ) -> Sequence[Row[Any]]:
        async with self._lock:
            if self._conn is None:
                self._conn = await self._engine.connect()
            try:
                result = await self._conn.execute(statement, params)
                return result.all()
            finally:
                if not self._hold:
                    conn, self._conn = self._conn, None
                    await conn.close()

    async def first(self, statement: Executable, params: dict[str, Any] | None = None
                    ) -> Row[Any] | None:
        rows = await self.all(statement, params)
        return rows[0] if rows else None

    async def scalar(self, statement: Executable, params: dict[str, Any] | None = None) -> Any:
        row = await self.first(statement, params)
        return None if row is None else row[0]

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()
