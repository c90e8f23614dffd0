"""Migration 0006 on a database holding orders and a manual payment: rows survive the
batch rebuilds, existing orders get their shipping key (the fraud velocity index) computed
like new ones, payments get their e-mail, and the downgrade drops what 0005 cannot hold."""

from __future__ import annotations

import json

from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from commerce.db.migrate import alembic_config, upgrade
from commerce.orders.places import shipping_key
from tests.test_migration_keep_stock_journal import fresh_url  # noqa: F401  (fixture)
from tests.test_migration_payments import _ROWS

ADDRESS = {"first_name": "Ann", "country_code": "US", "postal_code": " 94107 ",
           "street_address_1": "1 Market St", "city": "San Francisco"}


async def test_existing_orders_get_shipping_keys_and_payments_their_e_mail(
        fresh_url: str) -> None:  # noqa: F811
    await upgrade(fresh_url, "0004")
    engine = create_async_engine(fresh_url)
    try:
        async with engine.begin() as conn:
            for statement in _ROWS:
                await conn.execute(text(statement))
            await conn.execute(text("UPDATE orders SET shipping_address = :a WHERE id = 2"),
                               {"a": json.dumps(ADDRESS)})
        await upgrade(fresh_url, "0006")
        async with engine.begin() as conn:
            keys = dict((await conn.execute(text(
                "SELECT id, shipping_key FROM orders ORDER BY id"))).all())
            assert keys == {1: "", 2: shipping_key(ADDRESS)} == {1: "", 2: "us|94107|1 market st"}
            assert (await conn.execute(text(
                "SELECT email, status FROM payments"))).one() == ("b@example.com", "CAPTURED")

        def downgrade(connection: Connection) -> None:
            cfg = alembic_config()
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "0005")

        async with engine.begin() as conn:
            await conn.run_sync(downgrade)
        async with engine.begin() as conn:
            assert await conn.scalar(text("SELECT count(*) FROM payments")) == 1
            assert await conn.scalar(text("SELECT count(*) FROM orders")) == 2
    finally:
        await engine.dispose()
