"""Cross-process wake-ups: a tracking change committed in one process wakes the others.

The changes are made by a real second process (``tests/wakeup_writer.py``); this process
listens with the real source: LISTEN/NOTIFY on PostgreSQL, Redis pub/sub on 127.0.0.1:6379.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Collection
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as redis
from sqlalchemy import text

from commerce.db.database import Database
from commerce.settings import Settings
from commerce.shared.clock import utcnow
from commerce.tracking import wakeups
from commerce.tracking.log import OrderTrackingEventType, record
from commerce.tracking.wakeups import (
    LISTENER_NAME,
    Backoff,
    PostgresWakeups,
    RedisWakeups,
    asyncpg_dsn,
    wakeup_source_for,
)
from tests.conftest import BACKEND
from tests.customer_helpers import make_order
from tests.redis_helpers import REDIS_URL, requires_redis
from tests.shipment_factories import ship_order

ROOT = Path(__file__).resolve().parents[2]
QUICK = Backoff(first=0.05, most=0.5)

postgres_only = pytest.mark.skipif(BACKEND != "postgresql",
                                   reason="LISTEN/NOTIFY needs PostgreSQL")


class Woken:
    """Collects the order ids a source reports."""

    def __init__(self) -> None:
        self.calls: list[set[int]] = []
        self._changed = asyncio.Event()

    def __call__(self, order_ids: Collection[int]) -> None:
        self.calls.append(set(order_ids))
        self._changed.set()

    @property
    def ids(self) -> set[int]:
        return set().union(*self.calls)

    async def until(self, expected: set[int], within: float = 10) -> None:
        async def wait() -> None:
            while not expected <= self.ids:
                self._changed.clear()
                await self._changed.wait()
        await asyncio.wait_for(wait(), within)


async def in_another_process(db: Database, *order_ids: int, rollback: bool = False,
                             redis_channel: str | None = None) -> None:
    args = [sys.executable, "-m", "tests.wakeup_writer", db.url, *map(str, order_ids)]
    if rollback:
        args.append("--rollback")
    if redis_channel:
        args += ["--redis", REDIS_URL, "--channel", redis_channel]
    process = await asyncio.create_subprocess_exec(*args, cwd=ROOT,
                                                   stderr=subprocess.PIPE)
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()


async def reconnected(source: PostgresWakeups | RedisWakeups) -> None:
    """Waits (at most 10 s) until the source has subscribed a second time."""
    for _ in range(500):
        if source.connections >= 2 and source.listening.is_set():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the source did not reconnect within 10 s")


@pytest.fixture
async def orders(db: Database) -> list[int]:
    return [await make_order(db, None, 1000) for _ in range(3)]


@pytest.fixture
async def postgres_source(db: Database) -> AsyncIterator[tuple[PostgresWakeups, Woken]]:
    source = PostgresWakeups(asyncpg_dsn(db.url), backoff=QUICK)
    woken = Woken()
    await source.start(woken)
    assert source.listening.is_set()
    yield source, woken
    await source.stop()


@pytest.fixture
def channel() -> str:
    # Pub/sub channels are server-wide: a channel of its own keeps parallel runs apart.
    return f"commerce_test_{uuid.uuid4().hex}"


@pytest.fixture
async def redis_source(channel: str) -> AsyncIterator[tuple[RedisWakeups, Woken]]:
    source = RedisWakeups(REDIS_URL, channel=channel, backoff=QUICK)
    woken = Woken()
    await source.start(woken)
    assert source.listening.is_set()
    yield source, woken
    await source.stop()


# -- PostgreSQL LISTEN/NOTIFY -----------------------------------------------------------------


@postgres_only
async def test_a_change_committed_in_another_process_wakes_this_one_with_its_order_ids(
        db: Database, orders: list[int], postgres_source: Any) -> None:
    _, woken = postgres_source
    await in_another_process(db, orders[0], orders[1])
    await woken.until({orders[0], orders[1]})
    assert woken.ids == {orders[0], orders[1]}


@postgres_only
async def test_a_rolled_back_change_wakes_nobody(db: Database, orders: list[int],
                                                 postgres_source: Any) -> None:
    _, woken = postgres_source
    await in_another_process(db, orders[0], rollback=True)
    await in_another_process(db, orders[1])
    await woken.until({orders[1]})
    assert orders[0] not in woken.ids


@postgres_only
async def test_the_notice_arrives_when_the_change_commits_not_before(
        db: Database, orders: list[int], postgres_source: Any) -> None:
    _, woken = postgres_source
    async with db.transaction() as session:
        await record(session, orders[2], OrderTrackingEventType.ON_HOLD)
        await asyncio.sleep(0.3)
        assert woken.calls == []
    await woken.until({orders[2]})


@postgres_only
async def test_one_notify_per_transaction_however_many_entries(
        db: Database, orders: list[int], count_statements: Any) -> None:
    with count_statements() as counter:
        async with db.transaction() as session:
            for order_id in (orders[0], orders[1], orders[0]):
                await record(session, order_id, OrderTrackingEventType.ON_HOLD)
    notifies = [s for s in counter.statements if "pg_notify" in s]
    assert len(notifies) == 1


@postgres_only
async def test_the_listener_reconnects_after_losing_its_connection(
        db: Database, orders: list[int], postgres_source: Any) -> None:
    source, woken = postgres_source
    async with db.transaction() as session:
        killed = (await session.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = :name AND datname = current_database()"),
            {"name": LISTENER_NAME})).scalars().all()
    assert killed == [True]

    await reconnected(source)
    await in_another_process(db, orders[0])
    await woken.until({orders[0]})


# -- Redis pub/sub ----------------------------------------------------------------------------


@requires_redis
async def test_with_redis_a_change_in_another_process_wakes_this_one(
        db: Database, orders: list[int], redis_source: Any, channel: str) -> None:
    _, woken = redis_source
    await in_another_process(db, orders[0], orders[1], redis_channel=channel)
    await woken.until({orders[0], orders[1]})
    assert woken.ids == {orders[0], orders[1]}


@requires_redis
async def test_with_redis_a_rolled_back_change_wakes_nobody(
        db: Database, orders: list[int], redis_source: Any, channel: str) -> None:
    _, woken = redis_source
    await in_another_process(db, orders[0], rollback=True, redis_channel=channel)
    await in_another_process(db, orders[1], redis_channel=channel)
    await woken.until({orders[1]})
    assert orders[0] not in woken.ids


@requires_redis
async def test_with_redis_a_process_skips_its_own_messages(
        db: Database, orders: list[int], redis_source: Any, channel: str) -> None:
    _, woken_own = redis_source
    other = RedisWakeups(REDIS_URL, channel=channel, backoff=QUICK)
    woken_other = Woken()
    await other.start(woken_other)
    try:
        async with db.transaction() as session:
            await record(session, orders[0], OrderTrackingEventType.ON_HOLD)
        # Both sources run in this process and both publish; each hears only the other.
        await woken_other.until({orders[0]})
        await woken_own.until({orders[0]})
        assert len(woken_own.calls) == 1 and len(woken_other.calls) == 1
    finally:
        await other.stop()


@requires_redis
async def test_with_redis_the_subscriber_reconnects_after_losing_its_connection(
        db: Database, orders: list[int], redis_source: Any, channel: str) -> None:
    source, woken = redis_source
    admin = redis.Redis.from_url(REDIS_URL)
    try:
        clients = await admin.client_list()
        ours = [c["id"] for c in clients if c.get("name") == f"{LISTENER_NAME}-{source.origin}"]
        assert len(ours) == 1
        await admin.client_kill_filter(_id=ours[0])
    finally:
        await admin.aclose()

    await reconnected(source)
    await in_another_process(db, orders[0], redis_channel=channel)
    await woken.until({orders[0]})


async def test_an_unreachable_redis_never_fails_a_commit(
        db: Database, orders: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wakeups, "START_WAIT_SECONDS", 0.2)
    source = RedisWakeups("redis://127.0.0.1:1/0", backoff=QUICK)
    await source.start(Woken())
    try:
        assert not source.listening.is_set()
        async with db.transaction() as session:
            version = await record(session, orders[0], OrderTrackingEventType.ON_HOLD)
        assert version == 1
    finally:
        await source.stop()


@requires_redis
async def test_with_redis_the_delay_sweep_of_the_cli_wakes_the_servers(
        db: Database, settings: Settings, redis_source: Any, channel: str) -> None:
    _, woken = redis_source
    late = await ship_order(db, settings, shipped_at=utcnow() - timedelta(days=9),
                            promised=(utcnow() - timedelta(days=2)).date())
    env = {**os.environ, "COMMERCE_DATABASE_URL": settings.database_url,
           "COMMERCE_SQLITE_DRIVER": settings.sqlite_driver,
           "COMMERCE_REDIS_URL": REDIS_URL, "COMMERCE_REDIS_CHANNEL": channel}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "commerce", "shipments", "check-delays", env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    assert "delay notices recorded 1" in out.decode()
    await woken.until({late.order.pk})


# -- choosing the source ----------------------------------------------------------------------


async def test_the_source_follows_the_settings_and_the_database(settings: Settings,
                                                                db: Database) -> None:
    with_redis = wakeup_source_for(settings.with_(redis_url=REDIS_URL), db)
    assert isinstance(with_redis, RedisWakeups) and with_redis.url == REDIS_URL
    assert with_redis.channel == "commerce_order_tracking"
    await with_redis.stop()  # never started: closes its publisher
    plain = wakeup_source_for(settings, db)
    if BACKEND == "postgresql":
        assert isinstance(plain, PostgresWakeups)
        assert plain.dsn.startswith("postgresql://")
    else:
        assert plain is None
