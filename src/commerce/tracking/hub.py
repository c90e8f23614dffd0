"""The live tracking hub: one per process, it reads new tracking entries once and hands them
to every subscriber in the process.

Subscribers (``orderTracking`` for one order, ``orderEvents`` for all) register with a
bounded inbox. A wake-up says "these orders changed": from this process's commits
(``tracking.log.add_change_listener``) and from an optional external source (PostgreSQL
LISTEN/NOTIFY or Redis, ``attach``) for other processes' commits. Wake-ups are coalesced: the
hub runs one read at a time, and any number of wake-ups during a read cause one more read.
Each read is ONE statement however many subscribers there are: entries with an id above the
hub's cursor, plus every entry of the woken orders that have subscribers. A periodic poll
(``COMMERCE_TRACKING_POLL_SECONDS``) also re-reads a lookback window of ids, so a lost
wake-up only delays an entry.

The hub promises little on purpose: rows may reach a subscriber twice or late. Completeness
and order are the subscriber's, by version (``tracking.cursor``): PostgreSQL ids are not
commit order, so only an order's versions say what is missing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from commerce.db.database import Database, Reader
from commerce.settings import Settings
from commerce.tracking import queries
from commerce.tracking.cursor import Inbox, SeenIds
from commerce.tracking.log import add_change_listener, remove_change_listener

log = logging.getLogger("commerce.tracking.hub")

# Ids re-read by the periodic poll: a row whose id was taken before others but committed
# after them (PostgreSQL) is still found if fewer than this many rows were written since.
LOOKBACK_IDS = 1000
# Woken orders read by id in one statement; more wait for the next read.
MAX_WOKEN_PER_READ = 500


class WakeupSource(Protocol):
    """Tells the hub that orders changed in another process: calls ``on_change(order_ids)``
    after another process committed tracking changes (implementations: ``tracking.wakeups``)."""

    async def start(self, on_change: Callable[[Collection[int]], None]) -> None: ...

    async def stop(self) -> None: ...


@dataclass(eq=False, slots=True)
class Subscriber:
    """One subscription: an order's (``order_id``) or every order's (None)."""

    order_id: int | None
    inbox: Inbox[Any]
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    def push(self, row: Any) -> None:
        self.inbox.push(row)
        self.ready.set()

    async def next(self, wait_seconds: float) -> tuple[list[Any], bool]:
        """Rows delivered since the last call and whether to resynchronise; ([], False)
        after ``wait_seconds`` without any."""
        if not self.inbox.items and not self.inbox.resync:
            self.ready.clear()
            # asyncio.timeout, not wait_for: wait_for runs the wait in a task of its own,
            # one more turn of a busy event loop between a wake-up and the delivery.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait_seconds):
                    await self.ready.wait()
        return self.inbox.drain()


class Hub:
    def __init__(self, db: Database, *, poll_seconds: float = 2.0, queue_size: int = 256,
                 source: WakeupSource | None = None) -> None:
        self.db = db
        self.poll_seconds = poll_seconds
        self.queue_size = queue_size
        self._by_order: dict[int, set[Subscriber]] = {}
        self._everything: set[Subscriber] = set()
        self._woken: set[int] = set()
        self._dirty = asyncio.Event()
        self._cursor = 0
        self._start_id = 0
        self._seen = SeenIds()
        self._task: asyncio.Task[None] | None = None
        self._sources: list[WakeupSource] = []
        self._pending_source = source
        self._loop: asyncio.AbstractEventLoop | None = None
        self._starting: asyncio.Future[None] | None = None
        # The run loop's own read connection, kept while anyone listens (see ``_run``).
        self._held: Reader | None = None
        self.reads = 0  # statements the hub ran (tests check they do not grow)

    # -- life ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start (once: concurrent callers wait for the same start)."""
        if self._starting is None:
            self._loop = asyncio.get_running_loop()
            self._starting = asyncio.ensure_future(self._start())
        await asyncio.shield(self._starting)

    async def _start(self) -> None:
        reader = self.db.reader(hold=False)
        try:
            self._cursor = self._start_id = await queries.last_id(reader)
        finally:
            await reader.close()
        add_change_listener(self.wake)
        self._task = asyncio.create_task(self._run(), name="tracking-hub")
        if self._pending_source is not None:
            await self.attach(self._pending_source)
            self._pending_source = None

    async def attach(self, source: WakeupSource) -> None:
        """Also wake up on ``source`` (another process's commits)."""
        await source.start(self.wake)
        self._sources.append(source)

    async def stop(self) -> None:
        remove_change_listener(self.wake)
        for source in self._sources:
            try:
                await source.stop()
            except Exception:
                log.exception("stopping a wake-up source failed")
        self._sources.clear()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._starting = None

    @property
    def running(self) -> bool:
        """Started (or starting) on the running event loop and not stopped."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        return (self._loop is loop and self._starting is not None
                and (self._task is None or not self._task.done()))

    # -- subscribers -----------------------------------------------------------------------

    def subscribe(self, order_id: int | None) -> Subscriber:
        subscriber = Subscriber(order_id, Inbox(self.queue_size))
        if order_id is None:
            self._everything.add(subscriber)
        else:
            self._by_order.setdefault(order_id, set()).add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        if subscriber.order_id is None:
            self._everything.discard(subscriber)
            if not self._by_order and not self._everything:
                self._dirty.set()
            return
        same = self._by_order.get(subscriber.order_id)
        if same is not None:
            same.discard(subscriber)
            if not same:
                del self._by_order[subscriber.order_id]
                if not self._by_order and not self._everything:
                    self._dirty.set()  # the last one left: the run loop lets go of its reader

    @property
    def subscriber_count(self) -> int:
        return len(self._everything) + sum(len(s) for s in self._by_order.values())

    # -- wake-ups and reads ----------------------------------------------------------------

    def wake(self, order_ids: Iterable[int] = ()) -> None:
        """Orders changed (ids may be empty: "something changed"). Callable from any thread."""
        loop = self._loop
        if loop is not None and loop.is_closed():  # a hub left behind by a finished loop
            remove_change_listener(self.wake)
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is not None and running is not loop:
            ids = list(order_ids)
            loop.call_soon_threadsafe(self._mark, ids)
            return
        self._mark(order_ids)

    def _mark(self, order_ids: Iterable[int]) -> None:
        self._woken.update(order_ids)
        self._dirty.set()

    async def _run(self) -> None:
        try:
            await self._loop_forever()
        finally:
            await self._let_go()

    async def _loop_forever(self) -> None:
        polled = asyncio.get_running_loop().time()
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_seconds):
                    await self._dirty.wait()
            self._dirty.clear()
            now = asyncio.get_running_loop().time()
            lookback = now - polled >= self.poll_seconds
            if lookback:
                polled = now
            try:
                if not self._by_order and not self._everything:
                    # Nobody listens: keep only the cursor current (one cheap statement per
                    # poll), so the first subscriber's reads start near the end of the log.
                    self._woken.clear()
                    await self._let_go()
                    if lookback:
                        await self._catch_up()
                    continue
                # While anyone listens the loop keeps one read connection: a pooled one per
                # read costs PostgreSQL a pre-ping round trip before the statement, and on a
                # busy event loop every round trip is a turn between a commit and its
                # delivery. Autocommit reads: holding it pins no snapshot and takes no lock.
                if self._held is None:
                    self._held = self.db.reader(hold=True)
                await self.read(lookback=lookback, reader=self._held)
            except Exception:  # the database may be away for a moment; the poll retries
                log.exception("reading the tracking log failed")
                await self._let_go()  # a broken connection: the next read takes a new one
                await asyncio.sleep(min(self.poll_seconds, 1.0))

    async def _let_go(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            with contextlib.suppress(Exception):  # already broken: nothing to give back
                await held.close()

    async def read(self, *, lookback: bool = False, reader: Reader | None = None) -> None:
        """One read and fan-out (the loop calls it with its held reader; tests may call it
        without: then a pooled connection for this read only)."""
        woken = self._targets()
        floor = self._cursor - LOOKBACK_IDS
        own = reader is None
        if reader is None:
            reader = self.db.reader(hold=False)
        try:
            if lookback:
                await self._check_cursor(reader)
                floor = self._cursor - LOOKBACK_IDS
            rows = await queries.recent(reader, floor if lookback else self._cursor, woken)
        finally:
            if own:
                await reader.close()
        self.reads += 1
        for row in rows:
            self._cursor = max(self._cursor, row.id)
            key = (row.order_id, row.version, row.occurred_at)
            if self._seen.seen(row.id, key):
                continue
            recent = row.id > floor
            for subscriber in self._by_order.get(row.order_id, ()):
                subscriber.push(row)
            # Staff streams get each recent row once; rows older than the window come only
            # from a woken order's full history, which order subscribers sort by version.
            if recent and row.id > self._start_id:
                for subscriber in self._everything:
                    subscriber.push(row)
            if recent:
                self._seen.add(row.id, key)
        self._seen.forget_below(self._cursor - LOOKBACK_IDS)

    async def _catch_up(self) -> None:
        reader = self.db.reader(hold=False)
        try:
            top = await queries.last_id(reader)
        finally:
            await reader.close()
        if not self._by_order and not self._everything:  # still nobody (it awaited)
            self._cursor = self._start_id = top
            self._seen = SeenIds()  # staff streams start after ``_start_id`` anyway

    async def _check_cursor(self, reader: Any) -> None:
        """Ids only grow in service, but a restored or emptied database (tests reset it)
        starts them again below the cursor: then start over from its newest id."""
        top = await queries.last_id(reader)
        if top < self._cursor:
            self._cursor = top
            self._start_id = min(self._start_id, top)
            self._seen = SeenIds()

    def _targets(self) -> list[int]:
        """Woken orders worth reading by id: those with subscribers (all of them when a
        staff stream listens), at most ``MAX_WOKEN_PER_READ``; the rest wait."""
        if self._everything:
            wanted = list(self._woken)
        else:
            wanted = [i for i in self._woken if i in self._by_order]
        now, later = wanted[:MAX_WOKEN_PER_READ], wanted[MAX_WOKEN_PER_READ:]
        self._woken = set(later)
        if later:
            self._dirty.set()
        return now


# One hub per process and database: the app's lifespan starts it; a transport without a
# lifespan (in-process test clients) gets one started on first use.
_hubs: weakref.WeakKeyDictionary[Database, Hub] = weakref.WeakKeyDictionary()


def register(hub: Hub) -> None:
    _hubs[hub.db] = hub


def unregister(hub: Hub) -> None:
    if _hubs.get(hub.db) is hub:
        del _hubs[hub.db]


async def forget(db: Database) -> None:
    """Stop and drop the process's hub for ``db``: for a database emptied under it (the test
    suite resets one between tests), whose ids start again below the hub's cursor."""
    hub = _hubs.get(db)
    if hub is not None:
        unregister(hub)
        await hub.stop()


def from_settings(db: Database, settings: Settings) -> Hub:
    return Hub(db, poll_seconds=settings.tracking_poll_seconds,
               queue_size=settings.tracking_queue_size)


async def hub_for(db: Database, settings: Settings) -> Hub:
    """The process's hub for ``db``, started if need be."""
    hub = _hubs.get(db)
    if hub is None or not hub.running:
        hub = from_settings(db, settings)
        register(hub)
    await hub.start()
    return hub
