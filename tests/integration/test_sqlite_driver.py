"""Both SQLite drivers (our inline adapter and SQLAlchemy's stock aiosqlite adapter, the
fallback chosen by ``COMMERCE_SQLITE_DRIVER``) behave alike, each on its own SQLite file.

The inline adapter uses private attributes of SQLAlchemy's aiosqlite adapter and of
aiosqlite; re-run this module after upgrading either (pyproject bounds both)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from commerce.db.engine import create_engines


@pytest.fixture(params=["inline", "aiosqlite"])
def driver(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def engines(tmp_path: Path, driver: str) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    write, read = create_engines(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}",
                                 sqlite_driver=driver)
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


@pytest.mark.parametrize("driver", ["inline"])
async def test_statements_run_on_the_loop_thread_and_reads_see_committed_writes(
        engines: tuple[AsyncEngine, AsyncEngine], monkeypatch: pytest.MonkeyPatch) -> None:
    write, read = engines
    async with read.connect() as reader, write.connect() as writer:
        await reader.execute(text("SELECT 1"))  # both connections are open now
        await writer.execute(text("SELECT 1"))
        await writer.rollback()

        async def no_trips(*args: object, **kwargs: object) -> object:
            raise AssertionError("a statement went to aiosqlite's worker thread")

        monkeypatch.setattr(aiosqlite.Connection, "_execute", no_trips)
        assert (await reader.execute(text("SELECT count(*) FROM t"))).scalar() == 0
        await writer.execute(text("INSERT INTO t (v) VALUES ('new')"))
        await writer.commit()
        # Autocommit reads hold no snapshot: the write is visible at once.
        assert (await reader.execute(text("SELECT count(*) FROM t"))).scalar() == 1


async def test_a_writer_waits_for_another_process_without_blocking_the_loop(
        tmp_path: Path, driver: str) -> None:
    # Two Database objects on one file behave like two server processes.
    from commerce.db.database import Database

    url = f"sqlite+aiosqlite:///{tmp_path / 'two.db'}"
    first, second = Database(url, sqlite_driver=driver), Database(url, sqlite_driver=driver)
    async with first.write_engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
    ticks = 0
    holding = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async def hold_the_lock() -> None:
        async with first.transaction() as s:
            await s.execute(text("INSERT INTO t (v) VALUES ('first')"))
            holding.set()
            await asyncio.sleep(0.3)

    tick_task = asyncio.create_task(ticker())
    holder = asyncio.create_task(hold_the_lock())
    await holding.wait()
    before = ticks
    async with second.transaction() as s:  # must wait ~0.3 s, with the loop running
        await s.execute(text("INSERT INTO t (v) VALUES ('second')"))
    waited_ticks = ticks - before
    await holder
    tick_task.cancel()
    async with second.read_engine.connect() as conn:
        values = (await conn.execute(text("SELECT v FROM t ORDER BY id"))).scalars().all()
    await first.dispose()
    await second.dispose()
    assert values == ["first", "second"]
    assert waited_ticks >= 10  # the event loop kept running while the writer waited
