"""The committed SDL matches the code, and the migrations match the models."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from commerce.api.graphql.schema import sdl
from commerce.db.base import Base
from commerce.db.database import Database

ROOT = Path(__file__).resolve().parents[1]


def test_committed_schema_graphql_matches_the_code() -> None:
    assert (ROOT / "schema.graphql").read_text() == sdl(), \
        "schema.graphql is out of date: run `commerce schema > schema.graphql`"


async def test_migrations_create_exactly_the_tables_the_models_describe(db: Database) -> None:
    def diff(connection: object) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})  # type: ignore[arg-type]
        return list(compare_metadata(context, Base.metadata))

    async with db.read_engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []


def _check_constraints(connection: Connection, schema: str | None = None
                       ) -> dict[tuple[str, str | None], str]:
    """(table, constraint name) -> its SQL as the database reports it, spacing normalised."""
    inspector = inspect(connection)
    found: dict[tuple[str, str | None], str] = {}
    for table in inspector.get_table_names(schema=schema):
        for check in inspector.get_check_constraints(table, schema=schema):
            found[table, check["name"]] = " ".join(re.sub(r"\s+", " ", check["sqltext"])
                                                   .split()).lower()
    return found


async def _model_check_constraints(db: Database) -> dict[tuple[str, str | None], str]:
    """The CHECK constraints the models create, reported by the same kind of database (which
    rewrites the SQL its own way, so both sides are compared in its words)."""
    if db.dialect == "sqlite":
        engine = create_async_engine("sqlite+aiosqlite://")
        try:
            async with engine.connect() as conn:
                await conn.run_sync(Base.metadata.create_all)
                return await conn.run_sync(_check_constraints)
        finally:
            await engine.dispose()
    # PostgreSQL: build the models in a scratch schema inside a transaction never committed.
    async with db.write_engine.connect() as conn:
        await conn.execute(text("CREATE SCHEMA models_reference"))
        translated = await conn.execution_options(
            schema_translate_map={None: "models_reference"})

        def build(sync: Connection) -> Any:
            Base.metadata.create_all(sync)
            return _check_constraints(sync, "models_reference")

        try:
            return await translated.run_sync(build)  # type: ignore[no-any-return]
        finally:
            await conn.rollback()


async def test_migrations_create_exactly_the_check_constraints_the_models_describe(
        db: Database) -> None:
    """Alembic's comparison ignores CHECK constraints; a missing or different one would leave
    the database without the guard the code relies on (e.g. 0 <= allocated <= on hand)."""
    async with db.read_engine.connect() as conn:
        migrated = await conn.run_sync(_check_constraints)
    expected = await _model_check_constraints(db)
    assert ("stocks", "ck_stocks_allocated_within") in expected
    assert None not in {name for _, name in expected}, "every CHECK needs a name"
    assert sorted(set(expected) - set(migrated)) == [], "CHECKs the migrations lack"
    assert sorted(set(migrated) - set(expected)) == [], "CHECKs the models lack"
    assert {k: v for k, v in migrated.items() if expected[k] != v} == {}, \
        "CHECKs whose SQL differs"
