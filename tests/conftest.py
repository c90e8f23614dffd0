"""Test databases: created once per run from the migrations, emptied cheaply per test.

Without ``COMMERCE_TEST_POSTGRES_URL`` the database tests run on a SQLite file; with it they
run on a fresh PostgreSQL database created on that server for this run (and dropped after).
CI runs the suite once each way. An unreachable PostgreSQL fails the run, never skips it.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from commerce.app import create_app
from commerce.db.base import Base
from commerce.db.database import Database
from commerce.db.migrate import upgrade
from commerce.settings import Settings
from commerce.tracking import hub as tracking_hub

# Fixtures shared by several areas, kept in their own modules.
pytest_plugins = ["tests.stripe_fixtures", "tests.card_fixtures"]

POSTGRES_URL = os.environ.get("COMMERCE_TEST_POSTGRES_URL")
BACKEND = "postgresql" if POSTGRES_URL else "sqlite"


async def _create_postgres_database(server_url: str) -> str:
    url = make_url(server_url)
    name = f"commerce_test_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        raise RuntimeError(
            f"PostgreSQL at {url.render_as_string(hide_password=True)} is unreachable: {exc}"
        ) from exc
    finally:
        await admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


async def _drop_postgres_database(database_url: str) -> None:
    url = make_url(database_url)
    admin = create_async_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    finally:
        await admin.dispose()


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    if POSTGRES_URL:
        url = await _create_postgres_database(POSTGRES_URL)
        await upgrade(url)
        yield url
        await _drop_postgres_database(url)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'test.db'}"
            await upgrade(url)
            yield url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    # COMMERCE_SQLITE_DRIVER=aiosqlite runs the suite on the stock adapter (CI does both).
    # The outbox relay stays off: tests that need it run it themselves.
    return Settings(database_url=database_url, debug=True, login_max_attempts=5,
                    sqlite_driver=os.environ.get("COMMERCE_SQLITE_DRIVER", "inline"),
                    run_worker=False)


@pytest.fixture(scope="session")
async def database(settings: Settings) -> AsyncIterator[Database]:
    db = Database(settings.database_url, pool_size=20, sqlite_driver=settings.sqlite_driver)
    yield db
    await db.dispose()


_TABLES = [t.name for t in reversed(Base.metadata.sorted_tables)]


async def _empty(db: Database) -> None:
    async with db.write_engine.begin() as conn:
        if db.dialect == "postgresql":
            await conn.execute(text(
                "TRUNCATE " + ", ".join(f'"{t}"' for t in _TABLES) + " RESTART IDENTITY CASCADE"))
        else:
            # SQLite checks RESTRICT per row, so a parent category cannot go before its children.
            await conn.execute(text('UPDATE "categories" SET parent_id = NULL'))
            # The journal refuses DELETE by trigger (PostgreSQL's TRUNCATE fires no row
            # triggers): lift the triggers for the emptying, inside the same transaction.
            triggers = (await conn.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                " AND tbl_name IN ('journal_entries', 'journal_lines')"))).all()
            for name, _sql in triggers:
                await conn.execute(text(f'DROP TRIGGER "{name}"'))
            # A reversal RESTRICTs the deletion of the entry it reverses, row by row.
            await conn.execute(text('UPDATE "journal_entries" SET reverses_id = NULL'))
            for table in _TABLES:
                await conn.execute(text(f'DELETE FROM "{table}"'))
            for _name, sql in triggers:
                await conn.execute(text(sql))
            has_seq = await conn.scalar(text(
                "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'"))
            if has_seq:
                await conn.execute(text("DELETE FROM sqlite_sequence"))


@pytest.fixture
async def db(database: Database) -> Database:
    """The test database, emptied before the test."""
    await _empty(database)
    # A hub left by an earlier test (the event loop is per session) would keep that test's
    # cursor over a log whose ids start again: staff streams would skip the new rows.
    await tracking_hub.forget(database)
    return database


@pytest.fixture
def app(settings: Settings, db: Database) -> Any:
    return create_app(settings, db)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


GQL = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GQL:
    """POST a GraphQL document; returns the JSON body (asserting HTTP 200)."""

    async def run(query: str, variables: dict[str, Any] | None = None, *,
                  token: str | None = None, expect_errors: bool = False) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await client.post("/graphql", json={"query": query, "variables": variables},
                                     headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if not expect_errors:
            assert "errors" not in body, body["errors"]
        return body

    return run


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_statements(db: Database) -> Callable[[], Any]:
    """``with count_statements() as counter:`` counts SQL statements on both engines."""

    @contextmanager
    def counting() -> Iterator[StatementCounter]:
        counter = StatementCounter()

        def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA", "SAVEPOINT")):
                counter.statements.append(statement)

        engines = [db.read_engine.sync_engine, db.write_engine.sync_engine]
        for engine in engines:
            event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            for engine in engines:
                event.remove(engine, "before_cursor_execute", before)

    return counting
