"""Migration 0004 on a database holding data: SKUs are backfilled and the journal outlives
a deleted variant (on SQLite the table is rebuilt in batch mode; on PostgreSQL altered)."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from commerce.db.database import Database
from commerce.db.migrate import upgrade
from tests.conftest import POSTGRES_URL, _create_postgres_database, _drop_postgres_database
from tests.order_factories import make_shop, make_variant

BEFORE = "0002"
REVISION = "0004_keep_stock_journal"


@pytest.fixture
async def fresh_url() -> AsyncIterator[str]:
    if POSTGRES_URL:
        url = await _create_postgres_database(POSTGRES_URL)
        yield url
        await _drop_postgres_database(url)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite+aiosqlite:///{Path(tmp) / 'migrate.db'}"


async def test_the_journal_gets_skus_and_survives_deleting_the_variant(fresh_url: str) -> None:
    await upgrade(fresh_url, BEFORE)
    db = Database(fresh_url, pool_size=2)
    try:
        shop = await make_shop(db)
        variant = await make_variant(db, shop, stock=4, sku="OLD-SKU")
        async with db.transaction() as s:
            await s.execute(text(
                "INSERT INTO stock_movements (stock_id, variant_id, warehouse_id, reason, "
                "quantity_delta, allocated_delta, quantity_after, allocated_after, note, "
                "created_at) SELECT id, variant_id, warehouse_id, 'SET', 4, 0, 4, 0, '', "
                "CURRENT_TIMESTAMP FROM stocks"))
        await db.dispose()

        await upgrade(fresh_url, REVISION)

        db = Database(fresh_url, pool_size=2)
        async with db.transaction() as s:
            await s.execute(text("DELETE FROM product_variants WHERE id = :id"), {"id": variant})
        async with db.transaction() as s:
            rows = (await s.execute(text(
                "SELECT stock_id, variant_id, sku, quantity_delta FROM stock_movements"))).all()
        assert [tuple(r) for r in rows] == [(None, variant, "OLD-SKU", 4)]
    finally:
        await db.dispose()
