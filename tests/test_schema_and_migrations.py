"""The committed SDL matches the code, and the migrations match the models."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

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
