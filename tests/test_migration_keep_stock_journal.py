"""Migration 0004 on a database holding data: SKUs are backfilled and the journal outlives
a deleted variant (on SQLite the table is rebuilt in batch mode; on PostgreSQL altered)."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from commerce.db.migrate import upgrade
from tests.conftest import POSTGRES_URL, _create_postgres_database, _drop_postgres_database

BEFORE = "0003"  # the rows below are as of 0002; 0003 only added shop_settings
REVISION = "0004"


@pytest.fixture
async def fresh_url() -> AsyncIterator[str]:
    if POSTGRES_URL:
        url = await _create_postgres_database(POSTGRES_URL)
        yield url
        await _drop_postgres_database(url)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite+aiosqlite:///{Path(tmp) / 'migrate.db'}"


# The schema as of 0002, written in SQL so later model changes cannot break this test.
_ROWS_AT_0002 = [
    "INSERT INTO warehouses (id, name, code, street_address_1, city, postal_code, country_code, "
    "priority, is_active) VALUES (1, 'Main', 'MAIN', '', '', '', 'US', 0, TRUE)",
    "INSERT INTO products (id, name, slug, description, status, option_names, currency, "
    "search_text, created_at, updated_at) VALUES (1, 'Mug', 'mug', '', 'ACTIVE', '[]', 'USD', "
    "'mug', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO product_variants (id, product_id, sku, name, option_values, price_amount, "
    "currency, track_inventory, position, created_at) VALUES (7, 1, 'OLD-SKU', '', '[]', 100, "
    "'USD', TRUE, 0, CURRENT_TIMESTAMP)",
    "INSERT INTO stocks (id, variant_id, warehouse_id, quantity, allocated) "
    "VALUES (3, 7, 1, 4, 0)",
    "INSERT INTO stock_movements (stock_id, variant_id, warehouse_id, reason, quantity_delta, "
    "allocated_delta, quantity_after, allocated_after, note, created_at) "
    "VALUES (3, 7, 1, 'SET', 4, 0, 4, 0, '', CURRENT_TIMESTAMP)",
]


async def test_the_journal_gets_skus_and_survives_deleting_the_variant(fresh_url: str) -> None:
    await upgrade(fresh_url, BEFORE)
    engine = create_async_engine(fresh_url)
    try:
        async with engine.begin() as conn:
            for statement in _ROWS_AT_0002:
                await conn.execute(text(statement))

        await upgrade(fresh_url, REVISION)

        async with engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            await conn.execute(text("DELETE FROM product_variants WHERE id = 7"))
            assert await conn.scalar(text("SELECT count(*) FROM stocks")) == 0
            rows = (await conn.execute(text(
                "SELECT stock_id, variant_id, sku, quantity_delta FROM stock_movements"))).all()
        assert [tuple(r) for r in rows] == [(None, 7, "OLD-SKU", 4)]
    finally:
        await engine.dispose()
