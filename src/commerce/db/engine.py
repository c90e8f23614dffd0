"""Engines for both databases.

Two engines share one database: a *write* engine whose transactions take the write lock up
front (SQLite ``BEGIN IMMEDIATE``, so concurrent writers queue on the busy timeout instead of
failing on lock upgrade) and a *read* engine in autocommit, so request reads never hold a
snapshot that would hide a mutation committed in the same request.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.util.concurrency import await_

from commerce.db.sqlite_driver import INLINE_DBAPI
from commerce.settings import SQLITE_DRIVERS

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Statements run on the event loop's thread (see sqlite_driver). Reads in WAL mode do not wait
# for writers, so a read is busy only in rare cases (WAL recovery) and must not stall the loop.
SQLITE_READ_BUSY_TIMEOUT_MS = 1_000


def _sqlite_recipe(engine: AsyncEngine, begin_sql: str | None, busy_timeout_ms: int) -> None:
    """SQLAlchemy's documented pysqlite/aiosqlite transaction recipe plus our pragmas."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    if begin_sql is not None:

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(conn: Connection) -> None:
            _begin_waiting(conn, begin_sql)


def _begin_waiting(conn: Connection, begin_sql: str) -> None:
    """Take SQLite's write lock, waiting for another process without blocking the loop.

    Write statements run on the event loop's thread (see sqlite_driver), so SQLite's own
    busy handler, which sleeps in C, would freeze every request while another process
    writes. Write connections use busy_timeout=0 instead, and this retries ``BEGIN
    IMMEDIATE`` with asyncio sleeps (we run inside SQLAlchemy's greenlet, so ``await_``
    works). Once it succeeds the transaction holds the lock, and in WAL mode no later
    statement of it waits for anyone.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    delay = 0.001
    while True:
        try:
            conn.exec_driver_sql(begin_sql)
            return
        except OperationalError as exc:
            locked = "locked" in str(exc.orig).lower() or "busy" in str(exc.orig).lower()
            if not locked or time.monotonic() + delay > deadline:
                raise
        await_(asyncio.sleep(delay))
        delay = min(delay * 2, 0.05)


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


# orjson for JSON columns: measurably cheaper than the stdlib on listing pages.
_JSON = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}


def create_engines(url: str, pool_size: int = 10, sqlite_driver: str = "inline"
                   ) -> tuple[AsyncEngine, AsyncEngine]:
    """Return ``(write_engine, read_engine)`` for ``url``.

    ``sqlite_driver`` picks how SQLite statements run: ``inline`` (ours, on the event loop's
    thread, see sqlite_driver) or ``aiosqlite`` (SQLAlchemy's stock adapter, statements on
    aiosqlite's worker thread): the fallback should an upgrade of SQLAlchemy or aiosqlite
    break the private attributes the inline adapter relies on.
    """
    if url.startswith("sqlite"):
        if sqlite_driver not in SQLITE_DRIVERS:
            raise ValueError(f"unknown SQLite driver {sqlite_driver!r}")
        inline = sqlite_driver == "inline"
        module = {"module": INLINE_DBAPI} if inline else {}
        # Each SQLite connection is a thread; more than a few only contend for the GIL
        # (measured: CPU per listing page 16.6 ms at pool 10 vs 11.5 ms at pool 1, c=16).
        small = min(pool_size, 4)
        write = create_async_engine(url, pool_size=small, max_overflow=small, **module, **_JSON)
        read = create_async_engine(url, pool_size=small, max_overflow=small, **module,
                                   pool_reset_on_return=None, **_JSON)
        # Inline writers must never sleep in SQLite's busy handler on the loop's thread, so
        # they wait in _begin_waiting; the stock adapter waits on its worker thread.
        _sqlite_recipe(write, "BEGIN IMMEDIATE", 0 if inline else SQLITE_BUSY_TIMEOUT_MS)
        # No BEGIN: every read statement autocommits.
        _sqlite_recipe(read, None, SQLITE_READ_BUSY_TIMEOUT_MS)
        return write, read
    write = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size,
                                pool_pre_ping=True, **_JSON)
    read = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size,
                               pool_pre_ping=True, isolation_level="AUTOCOMMIT", **_JSON)
    return write, read
