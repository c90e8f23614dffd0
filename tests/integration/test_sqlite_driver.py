"""The one-hop aiosqlite adapter behaves like aiosqlite (runs on its own SQLite file)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from commerce.db.engine import create_engines


@pytest.fixture
async def engines(tmp_path: Path) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    write, read = create_engines(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with write.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"))
    yield write, read
    await write.dispose()
    await read.dispose()


@pytest.fixture
def engine(engines: tuple[AsyncEngine, AsyncEngine]) -> AsyncEngine:
    return engines[0]


async def test_rows_rowcount_lastrowid_and_returning(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        inserted = await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
        assert inserted.lastrowid == 1
        await conn.execute(text("INSERT INTO t (v) VALUES (:v)"), [{"v": "b"}, {"v": "c"}])
        updated = await conn.execute(text("UPDATE t SET v = v || '!' WHERE id > 1"))
        assert updated.rowcount == 2
        returned = await conn.execute(text("UPDATE t SET v = 'z' WHERE id = 1 RETURNING id, v"))
        assert returned.all() == [(1, "z")]
        rows = await conn.execute(text("SELECT v FROM t ORDER BY id"))
        assert rows.scalars().all() == ["z", "b!", "c!"]


async def test_errors_are_the_usual_dbapi_errors(engine: AsyncEngine) -> None:
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (v) VALUES ('dup'), ('dup')"))
    async with engine.connect() as conn:  # the failed transaction left nothing behind
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 0


async def test_each_statement_is_one_trip_to_the_worker_thread(
        engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    trips = 0
    original = aiosqlite.Connection._execute

    async def counting(self: aiosqlite.Connection, fn: object, *args: object,
                       **kwargs: object) -> object:
        nonlocal trips
        trips += 1
        return await original(self, fn, *args, **kwargs)  # type: ignore[arg-type]

    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))  # connection set up
        monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
        for _ in range(5):
            await conn.execute(text("SELECT v FROM t"))
        assert trips == 5  # SQLAlchemy's own adapter takes four per statement


async def test_reads_run_on_the_loop_thread_and_see_committed_writes(
        engines: tuple[AsyncEngine, AsyncEngine], monkeypatch: pytest.MonkeyPatch) -> None:
    write, read = engines
    async with read.connect() as reader:
        await reader.execute(text("SELECT 1"))
        trips = 0

        async def counting(*args: object, **kwargs: object) -> object:
            nonlocal trips
            trips += 1
            raise AssertionError("a read went to the worker thread")

        monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
        assert (await reader.execute(text("SELECT count(*) FROM t"))).scalar() == 0
        monkeypatch.undo()
        async with write.begin() as conn:
            await conn.execute(text("INSERT INTO t (v) VALUES ('new')"))
        # Autocommit reads hold no snapshot: the write is visible at once.
        assert (await reader.execute(text("SELECT count(*) FROM t"))).scalar() == 1
        assert trips == 0
