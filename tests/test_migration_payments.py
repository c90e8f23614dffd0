"""Migration 0005 on a database holding orders: the orders table (rebuilt in batch mode on
SQLite to change its payment-status CHECK) keeps its rows, lines and events and then accepts
PARTIALLY_PAID; an order paid before payments existed gets its payment; the downgrade maps
PARTIALLY_PAID back to NOT_PAID."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from commerce.db.migrate import alembic_config, upgrade
from tests.test_migration_keep_stock_journal import fresh_url  # noqa: F401  (fixture)

_ROWS = [
    "INSERT INTO orders (id, number, token, email, channel, status, payment_status, "
    "fulfillment_status, payment_method, currency, subtotal, discount, shipping, shipping_tax, "
    "tax, included_tax, total, amount_paid, tax_rate_bp, shipping_method_name, "
    "customer_note, attribution, search_text, created_at, updated_at) VALUES (1, '1001', "
    "'tok', 'a@example.com', 'WEB', 'OPEN', 'NOT_PAID', 'UNFULFILLED', 'BANK_TRANSFER', "
    "'USD', 1000, 0, 0, 0, 0, 0, 1000, 0, 0, '', '', '{}', '', CURRENT_TIMESTAMP, "
    "CURRENT_TIMESTAMP)",
    "INSERT INTO order_lines (id, order_id, product_name, variant_name, sku, quantity, "
    "quantity_fulfilled, unit_price, subtotal, discount, tax, total, price_override_reason, "
    "track_inventory) VALUES (1, 1, 'Mug', '', 'MUG', 1, 0, 1000, 1000, 0, 0, 1000, '', TRUE)",
    "INSERT INTO orders (id, number, token, email, channel, status, payment_status, "
    "fulfillment_status, payment_method, currency, subtotal, discount, shipping, shipping_tax, "
    "tax, included_tax, total, amount_paid, tax_rate_bp, shipping_method_name, "
    "customer_note, attribution, search_text, created_at, updated_at) VALUES (2, '1002', "
    "'tok2', 'b@example.com', 'WEB', 'OPEN', 'PAID', 'UNFULFILLED', 'CASH_ON_DELIVERY', "
    "'USD', 700, 0, 0, 0, 0, 0, 700, 700, 0, '', '', '{}', '', CURRENT_TIMESTAMP, "
    "CURRENT_TIMESTAMP)",
    "INSERT INTO order_events (order_id, type, message, data, created_at) "
    "VALUES (1, 'PLACED', '', '{}', CURRENT_TIMESTAMP)",
]


async def test_orders_survive_the_rebuild_and_accept_partially_paid(
        fresh_url: str) -> None:  # noqa: F811
    await upgrade(fresh_url, "0004")
    engine = create_async_engine(fresh_url)
    try:
        async with engine.begin() as conn:
            for statement in _ROWS:
                await conn.execute(text(statement))

        await upgrade(fresh_url, "0005")

        async with engine.begin() as conn:
            assert await conn.scalar(text("SELECT count(*) FROM order_lines")) == 1
            assert await conn.scalar(text("SELECT count(*) FROM order_events")) == 1
            # The order paid before payments existed gets its payment and capture.
            payments = (await conn.execute(text(
                "SELECT p.order_id, p.method, p.amount, t.kind, t.amount, t.idempotency_key "
                "FROM payments p JOIN payment_transactions t ON t.payment_id = p.id"))).all()
            assert [tuple(r) for r in payments] == [
                (2, "CASH_ON_DELIVERY", 700, "CAPTURE", 700, "legacy-order-2")]
            await conn.execute(text(
                "UPDATE orders SET payment_status = 'PARTIALLY_PAID', amount_paid = 400 "
                "WHERE id = 1"))
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(text(
                    "UPDATE orders SET payment_status = 'HALF_PAID' WHERE id = 1"))

        def downgrade(connection: Connection) -> None:
            cfg = alembic_config()
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "0004")

        async with engine.begin() as conn:
            await conn.run_sync(downgrade)
        async with engine.begin() as conn:
            assert await conn.scalar(text(
                "SELECT payment_status FROM orders WHERE id = 1")) == "NOT_PAID"
            assert await conn.scalar(text("SELECT count(*) FROM order_lines")) == 1
    finally:
        await engine.dispose()
