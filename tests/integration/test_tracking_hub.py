"""The live tracking hub and the streams built on it, on a real database: one statement per
read whatever the number of subscribers; duplicates dropped, gaps filled and overflowed
subscribers resynchronised by version; a lost wake-up only delays."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from commerce.db.database import Database
from commerce.orders.service import hold_order, release_order
from commerce.settings import Settings
from commerce.tracking import queries
from commerce.tracking.hub import Hub
from commerce.tracking.log import remove_change_listener
from commerce.tracking.stream import Entry, follow_all, follow_order
from tests.order_api_helpers import place_order
from tests.order_factories import make_shop, make_variant

pytestmark = pytest.mark.timeout(60)


async def orders(db: Database, settings: Settings, n: int) -> list[int]:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=100)
    return [(await place_order(db, settings, shop, {variant: 1},
                               email=f"c{i}@example.com")).pk for i in range(n)]


async def toggle(db: Database, order_id: int, times: int) -> None:
    """Hold and release in turn: ``times`` tracking entries."""
    for n in range(times):
        if n % 2 == 0:
            await hold_order(db, order_id, actor_id=None)
        else:
            await release_order(db, order_id, actor_id=None)


class Collector:
    """Runs a stream in a task and keeps what it yields."""

    def __init__(self, stream: AsyncIterator[Entry]) -> None:
        self.got: list[Entry] = []
        self.more = asyncio.Event()
        self.task = asyncio.create_task(self._run(stream))

    async def _run(self, stream: AsyncIterator[Entry]) -> None:
        async for entry in stream:
            self.got.append(entry)
            self.more.set()

    async def wait_for(self, n: int) -> list[tuple[int, str]]:
        async with asyncio.timeout(10):
            while len(self.got) < n:
                self.more.clear()
                await self.more.wait()
        await asyncio.sleep(0.05)  # and nothing more
        return [(e.version, e.type) for e in self.got]

    async def stop(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


@pytest.fixture
async def idle_hub(db: Database) -> AsyncIterator[Hub]:
    """A hub whose reads the test runs itself (not started: no loop, no listener)."""
    yield Hub(db, poll_seconds=3600, queue_size=4)


async def test_one_read_serves_every_subscriber_in_one_statement(
        db: Database, settings: Settings, idle_hub: Hub,
        count_statements: Callable[[], Any]) -> None:
    ids = await orders(db, settings, 30)
    await idle_hub.read(lookback=True)  # up to date

    async def statements_for(subscribed: list[int]) -> int:
        subscribers = [idle_hub.subscribe(i) for i in subscribed]
        everything = idle_hub.subscribe(None)
        for i in subscribed:
            await hold_order(db, i, actor_id=None)
        idle_hub.wake(subscribed)
        with count_statements() as counter:
            await idle_hub.read()
        for s in subscribers:
            rows, resync = s.inbox.drain()
            assert [(r.order_id, r.type) for r in rows] == [(s.order_id, "ON_HOLD")]
            assert not resync
        rows, resync = everything.inbox.drain()
        assert len(rows) == len(subscribed) or resync  # a staff stream past its inbox
        for s in [*subscribers, everything]:
            idle_hub.unsubscribe(s)
        return int(counter.count)

    assert await statements_for(ids[:2]) == await statements_for(ids[2:30]) == 1
    assert idle_hub.subscriber_count == 0


async def test_duplicates_are_dropped_and_a_gap_is_filled_from_the_database(
        db: Database, settings: Settings, idle_hub: Hub,
        count_statements: Callable[[], Any]) -> None:
    [order] = await orders(db, settings, 1)
    stream = Collector(follow_order(idle_hub, db, order, None, max_seconds=30))
    assert await stream.wait_for(1) == [(1, "SNAPSHOT")]
    await toggle(db, order, 3)  # versions 2, 3, 4
    reader = db.reader()
    rows = {r.version: r for r in await queries.events_after(reader, order, 0)}
    await reader.close()
    [subscriber] = idle_hub._by_order[order]
    subscriber.push(rows[4])  # 2 and 3 "lost" on the way
    assert await stream.wait_for(4) == [(1, "SNAPSHOT"), (2, "ON_HOLD"), (3, "RELEASED"),
                                        (4, "ON_HOLD")]
    with count_statements() as counter:
        for version in (1, 2, 3, 4, 3):
            subscriber.push(rows[version])  # late and repeated
            await asyncio.sleep(0.01)
    assert len(stream.got) == 4
    assert counter.count == 0  # dropped by version, without asking the database
    await stream.stop()
    assert idle_hub.subscriber_count == 0


async def test_an_overflowed_subscriber_is_resynchronised_by_version(
        db: Database, settings: Settings, idle_hub: Hub) -> None:
    [order] = await orders(db, settings, 1)
    stream = Collector(follow_order(idle_hub, db, order, 1, max_seconds=30))
    await asyncio.sleep(0.05)
    await toggle(db, order, 9)  # versions 2..10, more than the inbox's 4
    idle_hub.wake([order])
    await idle_hub.read()
    [subscriber] = idle_hub._by_order[order]
    assert subscriber.inbox.resync or stream.got
    got = await stream.wait_for(9)
    assert [v for v, _ in got] == list(range(2, 11))
    await stream.stop()


async def test_a_lost_wake_up_only_delays_an_entry(
        db: Database, settings: Settings) -> None:
    [order] = await orders(db, settings, 1)
    hub = Hub(db, poll_seconds=0.2)
    await hub.start()
    try:
        remove_change_listener(hub.wake)  # every wake-up from now on is lost
        stream = Collector(follow_order(hub, db, order, None, max_seconds=30))
        staff = Collector(follow_all(hub, db, wanted=lambda row: True, max_seconds=30))
        assert await stream.wait_for(1) == [(1, "SNAPSHOT")]
        await hold_order(db, order, actor_id=None)
        assert await stream.wait_for(2) == [(1, "SNAPSHOT"), (2, "ON_HOLD")]
        assert await staff.wait_for(1) == [(2, "ON_HOLD")]
        await stream.stop()
        await staff.stop()
    finally:
        await hub.stop()


async def test_a_stream_ends_after_its_time(db: Database, settings: Settings,
                                            idle_hub: Hub) -> None:
    [order] = await orders(db, settings, 1)
    got = [e async for e in follow_order(idle_hub, db, order, 0, max_seconds=0.2)]
    assert [(e.version, e.type) for e in got] == [(1, "PLACED")]
    assert idle_hub.subscriber_count == 0


async def test_the_hub_holds_one_connection_only_while_anyone_listens(
        db: Database, settings: Settings) -> None:
    """The run loop reads on a connection of its own (no pool checkout per read) while
    there are subscribers, and gives it back when the last one leaves."""
    [order] = await orders(db, settings, 1)
    hub = Hub(db, poll_seconds=30)
    await hub.start()
    try:
        stream = Collector(follow_order(hub, db, order, None, max_seconds=30))
        assert await stream.wait_for(1) == [(1, "SNAPSHOT")]
        await hold_order(db, order, actor_id=None)
        assert await stream.wait_for(2) == [(1, "SNAPSHOT"), (2, "ON_HOLD")]
        held = hub._held
        assert held is not None
        await release_order(db, order, actor_id=None)
        assert await stream.wait_for(3) == [(1, "SNAPSHOT"), (2, "ON_HOLD"), (3, "RELEASED")]
        assert hub._held is held  # the same connection for the next read
        await stream.stop()
        for _ in range(500):  # the run loop lets go on its next turn
            if hub._held is None:
                break
            await asyncio.sleep(0.01)
        assert hub._held is None
    finally:
        await hub.stop()
    assert hub._held is None
