"""aiosqlite, with statements run on the event loop's own thread.

SQLAlchemy's aiosqlite adapter runs each statement as four hops to aiosqlite's worker thread
(create cursor, execute, fetch, close), each a queue put, a thread wake-up and an event-loop
wake-up, and the worker threads then contend with the loop for the GIL. Measured on this
2-core machine: ~0.47 ms of CPU per statement, most of a checkout's cost on SQLite, and
14 ms instead of 10 per listing page under concurrency.

SQLite statements on a local file take microseconds to a millisecond, less than those
hand-offs, so this adapter runs them (and commit/rollback) directly on the loop's thread.
It never waits on a lock there: reads in WAL mode do not wait for writers, this process's
writers queue on an asyncio lock (``Database.transaction``), and another process's write
lock is waited for with asyncio sleeps around ``BEGIN IMMEDIATE`` (``engine._begin_waiting``;
write connections use busy_timeout=0). aiosqlite still opens and closes connections off the
loop. Connections are opened with check_same_thread=False and used by one caller at a time
(the adapter's mutex). SQL, transactions and error types are exactly sqlite3's.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from threading import Thread
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

Description = tuple[tuple[Any, ...], ...] | None


class _InlineCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:
        # No sqlite cursor is kept: each execute opens and closes its own.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Description = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        async with self._adapt_connection._execute_mutex:
            cursor = self._connection._conn.cursor()
            try:
                cursor.execute(operation, () if parameters is None else parameters)
                self._description = cursor.description
                self._rows = collections.deque(cursor.fetchall() if self._description else ())
                self._rowcount, self._lastrowid = cursor.rowcount, cursor.lastrowid
            finally:
                cursor.close()
        return None

    async def _executemany_async(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        async with self._adapt_connection._execute_mutex:
            cursor = self._connection._conn.cursor()
            try:
                cursor.executemany(operation, seq_of_parameters)
                self._rowcount = cursor.rowcount
            finally:
                cursor.close()
        self._description = None
        self._rows = collections.deque()
        return None

    async def _async_soft_close(self) -> None:
        return None

    def close(self) -> None:
        self._rows.clear()


class _InlineConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = _InlineCursor

    def commit(self) -> None:
        try:
            self._connection._conn.commit()
        except Exception as error:  # translated to DBAPI errors as SQLAlchemy does
            self._handle_exception(error)

    def rollback(self) -> None:
        try:
            if self._connection._connection is not None:
                self._connection._conn.rollback()
        except Exception as error:
            self._handle_exception(error)


class _InlineDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> _InlineConnection:
        kw["check_same_thread"] = False
        creator_fn = kw.pop("async_creator_fn", None)
        connection = creator_fn(*arg, **kw) if creator_fn else self.aiosqlite.connect(*arg, **kw)
        if not creator_fn:
            # As SQLAlchemy does: the worker thread must not keep the process alive.
            thread = connection if isinstance(connection, Thread) else connection._thread
            thread.daemon = True
        return _InlineConnection(self, await_(connection))


INLINE_DBAPI = _InlineDBAPI(aiosqlite, sqlite3)
