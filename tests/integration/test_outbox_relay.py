"""The outbox relay on a real database: every consumer gets every event at least once, never
applies one twice (also with several relays at once), a failing consumer is retried later
without holding up the others, delivered events are pruned after the retention period, the
worker runs with the app's lifespan, and ``commerce worker --once`` delivers and exits."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from commerce.app import create_app
from commerce.db.database import Database
from commerce.db.models import OutboxDelivery, OutboxEvent, ShopSetting
from commerce.events import outbox
from commerce.events.outbox import emit_many
from commerce.events.relay import (
    Consumer,
    RelayedEvent,
    _fan_out,
    default_consumers,
    prune,
    relay_once,
)
from commerce.settings import Settings
from commerce.shared.clock import utcnow
from tests.conftest import BACKEND

pytestmark = pytest.mark.timeout(120)

postgres_only = pytest.mark.skipif(
    BACKEND != "postgresql",
    reason="SQLite runs one write transaction at a time: relays cannot overlap there")


async def _emit(db: Database, count: int, type: str = "order.placed") -> list[int]:
    async with db.transaction() as s:
        await emit_many(s, [(type, "Order", i, {"n": i}) for i in range(count)])
    async with db.transaction() as s:
        ids = (await s.execute(select(OutboxEvent.id).order_by(OutboxEvent.id))).scalars()
        return list(ids)[-count:]


def _recorder(seen: list[tuple[str, int]], name: str) -> Consumer:
    async def handle(event: RelayedEvent) -> None:
        await asyncio.sleep(0)  # let a concurrent relay run in between
        seen.append((name, event.id))
    return handle


async def _published(db: Database) -> dict[int, bool]:
    async with db.transaction() as s:
        rows = await s.execute(select(OutboxEvent.id, OutboxEvent.published_at))
        return {i: at is not None for i, at in rows}


async def _deliveries(db: Database) -> list[OutboxDelivery]:
    async with db.transaction() as s:
        return list((await s.execute(select(OutboxDelivery).order_by(
            OutboxDelivery.consumer, OutboxDelivery.event_id))).scalars())


async def test_each_consumer_gets_each_event_in_order_then_the_event_is_published(
        db: Database) -> None:
    ids = await _emit(db, 5)
    seen: list[tuple[str, int]] = []
    consumers = {"mail": _recorder(seen, "mail"), "hooks": _recorder(seen, "hooks")}

    report = await relay_once(db, consumers)

    assert [i for c, i in seen if c == "mail"] == ids
    assert [i for c, i in seen if c == "hooks"] == ids
    assert (report.delivered, report.failed, report.published) == (10, 0, 5)
    assert await _published(db) == dict.fromkeys(ids, True)
    assert all(d.delivered_at is not None and d.attempts == 1 for d in await _deliveries(db))
    # Nothing is delivered twice by a later pass.
    again = await relay_once(db, consumers)
    assert (again.delivered, len(seen)) == (0, 10)


async def test_a_batch_leaves_the_rest_for_the_next_pass(db: Database) -> None:
    ids = await _emit(db, 5)
    seen: list[tuple[str, int]] = []
    first = await relay_once(db, {"c": _recorder(seen, "c")}, batch=3)
    assert (first.delivered, first.more) == (3, True)
    second = await relay_once(db, {"c": _recorder(seen, "c")}, batch=3)
    assert (second.delivered, second.more) == (2, False)
    assert [i for _, i in seen] == ids


async def test_a_failing_consumer_is_retried_later_and_holds_up_nobody(db: Database) -> None:
    ids = await _emit(db, 3)
    seen: list[tuple[str, int]] = []
    broken = {"yes": True}

    async def flaky(event: RelayedEvent) -> None:
        if event.id == ids[1] and broken["yes"]:
            raise ConnectionError("smtp down")
        seen.append(("flaky", event.id))

    consumers = {"flaky": flaky, "steady": _recorder(seen, "steady")}
    now = utcnow()
    report = await relay_once(db, consumers, now=now)

    assert (report.delivered, report.failed) == (5, 1)
    assert [i for c, i in seen if c == "steady"] == ids
    assert [i for c, i in seen if c == "flaky"] == [ids[0], ids[2]]
    assert await _published(db) == {ids[0]: True, ids[1]: False, ids[2]: True}
    failed = next(d for d in await _deliveries(db)
                  if d.consumer == "flaky" and d.event_id == ids[1])
    assert failed.delivered_at is None
    assert failed.attempts == 1
    assert failed.last_error == "ConnectionError: smtp down"
    assert failed.next_attempt_at == now + timedelta(seconds=5)

    # Not due yet: nothing happens, even once the consumer works again.
    broken["yes"] = False
    assert (await relay_once(db, consumers, now=now + timedelta(seconds=4))).delivered == 0
    # Due: delivered (second attempt), to that consumer only, and the event is published.
    later = await relay_once(db, consumers, now=now + timedelta(seconds=6))
    assert (later.delivered, later.published) == (1, 1)
    assert seen[-1] == ("flaky", ids[1])
    assert sorted(Counter(seen).values()) == [1] * 6
    failed = next(d for d in await _deliveries(db)
                  if d.consumer == "flaky" and d.event_id == ids[1])
    assert failed.attempts == 2 and failed.delivered_at is not None


async def test_a_consumers_database_writes_commit_with_the_delivery_or_not_at_all(
        db: Database) -> None:
    (event_id,) = await _emit(db, 1)
    attempts: list[int] = []

    async def ledger(event: RelayedEvent) -> None:
        attempts.append(event.attempt)
        # Applied twice, this insert would violate the primary key.
        event.session.add(ShopSetting(key=f"seen-{event.id}", value=str(event.attempt)))
        await event.session.flush()
        if event.attempt == 1:
            raise RuntimeError("fails after writing")

    now = utcnow()
    await relay_once(db, {"ledger": ledger}, now=now)
    await relay_once(db, {"ledger": ledger}, now=now + timedelta(minutes=1))
    await relay_once(db, {"ledger": ledger}, now=now + timedelta(minutes=2))

    assert attempts == [1, 2]
    async with db.transaction() as s:
        rows = (await s.execute(select(ShopSetting.key, ShopSetting.value)
                                .where(ShopSetting.key.like("seen-%")))).all()
    assert rows == [(f"seen-{event_id}", "2")]


async def test_relays_running_at_once_apply_each_event_once_per_consumer(
        db: Database) -> None:
    ids = await _emit(db, 120)
    seen: list[tuple[str, int]] = []
    consumers = {"a": _recorder(seen, "a"), "b": _recorder(seen, "b")}

    async def relay_until_idle() -> None:
        while (await relay_once(db, consumers, batch=7)).delivered:
            pass

    # Separate tasks, separate connections (on PostgreSQL nothing serialises them).
    await asyncio.gather(*(relay_until_idle() for _ in range(4)))

    counts = Counter(seen)
    assert set(counts) == {(c, i) for c in "ab" for i in ids}
    assert max(counts.values()) == 1, [k for k, n in counts.items() if n > 1][:5]
    assert await _published(db) == dict.fromkeys(ids, True)
    async with db.transaction() as s:
        rows = await s.scalar(select(func.count()).select_from(OutboxDelivery))
    assert rows == 240


@postgres_only
async def test_a_relay_skips_rows_another_relay_holds_instead_of_waiting(db: Database) -> None:
    ids = await _emit(db, 4)
    a_inside, b_done = asyncio.Event(), asyncio.Event()
    got: dict[str, list[int]] = {"a": [], "b": []}

    async def slow(event: RelayedEvent) -> None:
        a_inside.set()
        await asyncio.wait_for(b_done.wait(), 10)  # hold the first rows until B is through
        got["a"].append(event.id)

    async def quick(event: RelayedEvent) -> None:
        got["b"].append(event.id)

    relay_a = asyncio.create_task(relay_once(db, {"c": slow}, batch=2))
    await asyncio.wait_for(a_inside.wait(), 10)
    # B must neither wait for A's locked rows nor deliver them: it takes the next ones.
    await asyncio.wait_for(relay_once(db, {"c": quick}, batch=2), 5)
    b_done.set()
    await relay_a
    assert got == {"a": ids[:2], "b": ids[2:]}


@postgres_only
async def test_two_relays_fanning_out_at_once_make_one_delivery_row_per_event(
        db: Database) -> None:
    ids = await _emit(db, 10)
    now = utcnow()

    async with db.transaction() as first:
        await _fan_out(first, db.dialect, "c", 100, now)

        async def second() -> None:
            async with db.transaction() as s:
                await _fan_out(s, db.dialect, "c", 100, now)

        # The second sees none of the first's uncommitted rows: only the unique key makes it
        # wait for them and then insert nothing.
        other = asyncio.create_task(second())
        await asyncio.sleep(0.3)
    await asyncio.wait_for(other, 10)

    rows = [(d.consumer, d.event_id) for d in await _deliveries(db)]
    assert rows == [("c", i) for i in ids]


async def test_prune_keeps_undelivered_and_recently_delivered_events(db: Database) -> None:
    old, recent, stuck, new = await _emit(db, 4)
    now = utcnow()
    async with db.transaction() as s:
        await s.execute(update(OutboxEvent).values(created_at=now - timedelta(days=100)))
        await s.execute(update(OutboxEvent).where(OutboxEvent.id == old)
                        .values(published_at=now - timedelta(days=31)))
        await s.execute(update(OutboxEvent).where(OutboxEvent.id == recent)
                        .values(published_at=now - timedelta(days=29)))
        s.add(OutboxDelivery(consumer="c", event_id=old, delivered_at=now, attempts=1,
                             next_attempt_at=now))
        s.add(OutboxDelivery(consumer="c", event_id=stuck, attempts=9, last_error="x",
                             next_attempt_at=now))

    assert await prune(db, 30, now) == 1

    assert await _published(db) == {recent: True, stuck: False, new: False}
    assert [(d.consumer, d.event_id) for d in await _deliveries(db)] == [("c", stuck)]
    assert await prune(db, 30, now) == 0


async def test_the_app_lifespan_runs_the_worker_and_a_commit_wakes_it(
        settings: Settings, db: Database) -> None:
    seen: list[tuple[str, int]] = []
    # An interval far beyond the test's patience: only the commit's wake-up can deliver.
    app = create_app(settings.with_(run_worker=True, relay_interval_ms=600_000), db,
                     consumers={"t": _recorder(seen, "t")})
    async with app.router.lifespan_context(app):
        worker = app.state.worker
        task = worker._task
        assert task is not None and not task.done()
        await asyncio.sleep(0.05)  # the first (empty) pass
        (event_id,) = await _emit(db, 1)
        for _ in range(200):
            if seen:
                break
            await asyncio.sleep(0.01)
        assert seen == [("t", event_id)]
    assert task.done()
    assert worker._task is None
    assert worker.poke not in outbox._commit_listeners


def test_the_test_app_runs_no_worker(settings: Settings, db: Database) -> None:
    assert settings.run_worker is False
    assert create_app(settings, db).state.worker is None


async def test_commerce_worker_once_delivers_and_exits(
        settings: Settings, db: Database) -> None:
    ids = await _emit(db, 3)
    env = {**os.environ, "COMMERCE_DATABASE_URL": settings.database_url,
           "COMMERCE_SQLITE_DRIVER": settings.sqlite_driver}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "commerce", "worker", "--once", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    # Each event to each default consumer (a "mail" consumer ignores these events).
    delivered = 3 * len(default_consumers(db, settings))
    assert f"delivered {delivered} (failed 0); published 3" in out.decode()
    assert await _published(db) == dict.fromkeys(ids, True)


async def test_commerce_worker_runs_until_sigterm_then_stops_cleanly(
        settings: Settings, db: Database) -> None:
    ids = await _emit(db, 2)
    env = {**os.environ, "COMMERCE_DATABASE_URL": settings.database_url,
           "COMMERCE_SQLITE_DRIVER": settings.sqlite_driver,
           "COMMERCE_RELAY_INTERVAL_MS": "50"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "commerce", "worker", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        for _ in range(300):
            if all((await _published(db)).values()):
                break
            await asyncio.sleep(0.05)
        assert await _published(db) == dict.fromkeys(ids, True)
        assert proc.returncode is None  # still running
        proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
    assert proc.returncode == 0, err.decode()
    assert out.decode().rstrip().endswith("commerce worker: stopped")
