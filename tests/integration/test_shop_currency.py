"""The shop currency is stored; a COMMERCE_CURRENCY that disagrees with the data is refused."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from commerce import cli
from commerce.app import create_app
from commerce.db.database import Database
from commerce.db.migrate import upgrade
from commerce.db.models import Product, ShopSetting
from commerce.seed import seed_demo_shop
from commerce.settings import Settings
from tests.order_factories import make_shop, make_variant


async def stored_currency(db: Database) -> str | None:
    async with db.transaction() as s:
        return await s.scalar(select(ShopSetting.value).where(ShopSetting.key == "currency"))


async def start_app(db: Database, settings: Settings) -> None:
    app = create_app(settings, db)
    async with app.router.lifespan_context(app):
        pass


async def test_the_first_start_records_the_currency_and_the_same_one_starts_again(
        db: Database, settings: Settings) -> None:
    await start_app(db, settings)
    assert await stored_currency(db) == "USD"
    await start_app(db, settings)


async def test_the_app_refuses_to_start_in_another_currency_than_its_prices(
        db: Database, settings: Settings) -> None:
    shop = await make_shop(db)
    await make_variant(db, shop, price=1999)  # 19.99 USD, stored as 1999

    with pytest.raises(RuntimeError, match=r"COMMERCE_CURRENCY is JPY.*in USD"):
        await start_app(db, settings.with_(currency="JPY"))
    assert await stored_currency(db) == "USD"  # recorded from the prices, not the setting


async def test_seeding_refuses_another_currency_and_writes_nothing(
        db: Database, settings: Settings) -> None:
    await start_app(db, settings)

    with pytest.raises(RuntimeError, match="COMMERCE_CURRENCY is EUR"):
        await seed_demo_shop(db, settings.with_(currency="EUR"))
    async with db.transaction() as s:
        assert await s.scalar(select(func.count()).select_from(Product)) == 0


@pytest.mark.parametrize("command", ["serve", "seed", "demo"])
async def test_the_commands_refuse_to_start_with_a_message_naming_the_variable(
        db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch,
        command: str) -> None:
    await start_app(db, settings)
    monkeypatch.setenv("COMMERCE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("COMMERCE_CURRENCY", "EUR")
    monkeypatch.setenv("COMMERCE_SECRET_KEY", "not-the-demo-secret")  # else serve stops first
    served: list[object] = []
    monkeypatch.setattr(cli, "_serve", lambda *args: served.append(args))

    # The commands run their own event loops, as from a shell.
    with pytest.raises(SystemExit) as stopped:
        await asyncio.to_thread(cli.main, [command])

    assert "COMMERCE_CURRENCY is EUR" in str(stopped.value.code)
    assert "COMMERCE_CURRENCY=USD" in str(stopped.value.code)
    assert served == []


async def test_migrating_a_shop_with_prices_records_their_currency(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await upgrade(url, "0002")
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO products (id, name, slug, description, status, option_names, "
                "currency, search_text, created_at, updated_at) VALUES (1, 'Mug', 'mug', '', "
                "'ACTIVE', '[]', 'EUR', 'mug', '2026-01-01', '2026-01-01')"))
            await conn.execute(text(
                "INSERT INTO product_variants (id, product_id, sku, name, option_values, "
                "price_amount, currency, track_inventory, position, created_at) VALUES "
                "(1, 1, 'MUG', '', '{}', 1250, 'EUR', 1, 0, '2026-01-01')"))
        await upgrade(url)
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT key, value FROM shop_settings"))).all() \
                == [("currency", "EUR")]
    finally:
        await engine.dispose()
    db = Database(url)
    try:
        with pytest.raises(RuntimeError, match="COMMERCE_CURRENCY is USD"):
            await start_app(db, Settings(database_url=url))
    finally:
        await db.dispose()
