"""Cross-process wake-ups: telling every server process which orders' tracking changed.

The database is the source of truth; a wake-up only says "read these orders again". So a lost
wake-up (broker down, connection dropped, a notice sent while we were reconnecting) only
delays an update until the hub's periodic poll, never loses it, and a duplicate costs one
read. That is why neither source replays what it missed after reconnecting.

- PostgreSQL (the default there): ``tracking.log.record`` issues ``pg_notify`` inside the
  change's transaction, so a notice is delivered exactly when the change commits (and never
  for a rolled-back one); ``PostgresWakeups`` LISTENs on a dedicated asyncpg connection.
- Redis (``COMMERCE_REDIS_URL`` set): ``RedisWakeups`` publishes the changed ids after each
  commit in this process (fire and forget: a slow or absent Redis never fails or delays a
  commit) and subscribes for the other processes' messages on ``COMMERCE_REDIS_CHANNEL``.
  Processes that serve no subscriptions only publish (``publishing_changes``).
- SQLite: None. One process serves an embedded database, and its hub hears the in-process
  ``tracking.log`` listeners.

Both sources reconnect with exponential backoff (``Backoff``) and, while connected, check the
connection every ``check_seconds`` so a silently dead one is noticed.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Collection
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any

import asyncpg
import redis.asyncio as redis
from sqlalchemy.engine import make_url

from commerce.db.database import Database
from commerce.settings import Settings
from commerce.tracking import log as tracking_log
from commerce.tracking.hub import WakeupSource
from commerce.tracking.wakeup_payload import CHANNEL, decode_order_ids, encode_order_ids

log = logging.getLogger("commerce.tracking.wakeups")

OnChange = Callable[[Collection[int]], None]

# How the listening connection names itself (pg_stat_activity, Redis CLIENT LIST).
LISTENER_NAME = "commerce-wakeups"

# How long ``start`` waits for the first subscription before going on without it (the
# source keeps trying in the background; meanwhile the hub's poll covers).
START_WAIT_SECONDS = 5.0
# Publishes in flight to Redis; beyond this a wake-up is dropped (the poll covers it)
# rather than piling up tasks while Redis is unreachable.
MAX_PENDING_PUBLISHES = 1000


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delays between reconnection attempts: ``first``, doubling, at most ``most``."""

    first: float = 0.5
    most: float = 30.0

    def after(self, delay: float | None) -> float:
        return self.first if delay is None else min(delay * 2, self.most)


def _deliver(on_change: OnChange, payload: str | bytes) -> None:
    ids = decode_order_ids(payload)
    if not ids:
        return
    try:
        on_change(ids)
    except Exception:  # the listener's bug must not end the subscription
        log.exception("wake-up listener failed")


class _Reconnecting:
    """The loop both sources share: connect and listen until the connection is lost, then
    wait (backoff) and again, until stopped. ``listening`` is set while subscribed."""

    def __init__(self, backoff: Backoff, check_seconds: float) -> None:
        self.backoff = backoff
        self.check_seconds = check_seconds
        self.listening = asyncio.Event()
        self.connections = 0  # successful subscriptions so far (tests watch reconnects)
        self._on_change: OnChange | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self, on_change: OnChange) -> None:
        if self._task is not None:
            raise RuntimeError("this wake-up source is already started")
        self._on_change = on_change
        self._task = asyncio.create_task(self._run(), name=type(self).__name__)
        try:
            await asyncio.wait_for(self.listening.wait(), START_WAIT_SECONDS)
        except TimeoutError:
            log.warning("%s is not subscribed yet; retrying in the background",
                        type(self).__name__)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        self.listening.clear()

    async def _run(self) -> None:
        delay: float | None = None
        while True:
            subscribed = self.connections
            try:
                await self._listen()
                raise ConnectionError("the connection ended")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # Back off from the first delay again after a connection that worked.
                delay = self.backoff.after(None if self.connections > subscribed else delay)
                log.warning("%s lost its connection (%s: %s); reconnecting in %.1f s",
                            type(self).__name__, type(exc).__name__, exc, delay)
            finally:
                self.listening.clear()
            await asyncio.sleep(delay)

    def _subscribed(self) -> None:
        self.connections += 1
        self.listening.set()

    def _changed(self, payload: str | bytes) -> None:
        if self._on_change is not None:
            _deliver(self._on_change, payload)

    async def _listen(self) -> None:
        raise NotImplementedError


class PostgresWakeups(_Reconnecting):
    """LISTEN on a dedicated asyncpg connection (the pool's connections come and go)."""

    def __init__(self, dsn: str, *, channel: str = CHANNEL, backoff: Backoff = Backoff(),
                 check_seconds: float = 15.0) -> None:
        super().__init__(backoff, check_seconds)
        self.dsn = dsn
        self.channel = channel

    async def _listen(self) -> None:
        connection = await asyncpg.connect(
            self.dsn, timeout=10, server_settings={"application_name": LISTENER_NAME})
        lost = asyncio.Event()
        try:
            connection.add_termination_listener(lambda _connection: lost.set())
            await connection.add_listener(self.channel, self._notice)
            self._subscribed()
            while not connection.is_closed():
                try:
                    await asyncio.wait_for(lost.wait(), self.check_seconds)
                except TimeoutError:
                    # Quiet for a while: make sure the connection still answers.
                    await connection.fetchval("SELECT 1", timeout=10)
                    continue
                raise ConnectionError("the LISTEN connection was closed")
        finally:
            with suppress(Exception):
                await asyncio.wait_for(connection.close(), 5)
            if not connection.is_closed():
                connection.terminate()

    def _notice(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        self._changed(payload)


class RedisPublisher:
    """Publishes this process's tracking commits to Redis, as ``<origin>:<ids>``. A commit
    listener: the publish is scheduled and the commit returns at once (fire and forget), so
    a slow or absent Redis never fails or delays a commit."""

    def __init__(self, url: str, *, channel: str = CHANNEL, origin: str = "") -> None:
        self.channel = channel
        self.origin = origin or uuid.uuid4().hex
        # Short timeouts, so an unreachable Redis fails a publish quickly.
        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._publishing: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        tracking_log.add_change_listener(self._committed)

    async def stop(self) -> None:
        tracking_log.remove_change_listener(self._committed)
        if self._publishing:  # let publishes already under way finish, briefly
            await asyncio.wait(self._publishing, timeout=2)
        for task in list(self._publishing):
            task.cancel()
        await self._client.aclose()

    def _committed(self, order_ids: Collection[int]) -> None:
        if len(self._publishing) >= MAX_PENDING_PUBLISHES:
            log.warning("Redis is not keeping up; dropped a wake-up (the poll covers it)")
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # a commit outside the event loop: nothing to publish with
            return
        task = loop.create_task(self._publish(list(order_ids)))
        self._publishing.add(task)
        task.add_done_callback(self._publishing.discard)

    async def _publish(self, order_ids: list[int]) -> None:
        try:
            for payload in encode_order_ids(order_ids):
                await self._client.publish(self.channel, f"{self.origin}:{payload}")
        except Exception as exc:
            log.warning("could not publish a wake-up to Redis (%s: %s)",
                        type(exc).__name__, exc)


class RedisWakeups(_Reconnecting):
    """Redis pub/sub: publishes this process's commits (``RedisPublisher``) and listens for
    the others'. A process skips its own messages, since its hub already heard the change
    in-process."""

    def __init__(self, url: str, *, channel: str = CHANNEL, backoff: Backoff = Backoff(),
                 check_seconds: float = 15.0) -> None:
        super().__init__(backoff, check_seconds)
        self.url = url
        self.channel = channel
        self.publisher = RedisPublisher(url, channel=channel)
        self.origin = self.publisher.origin

    async def start(self, on_change: OnChange) -> None:
        self.publisher.start()
        await super().start(on_change)

    async def stop(self) -> None:
        await super().stop()
        await self.publisher.stop()

    async def _listen(self) -> None:
        client = redis.Redis.from_url(self.url, socket_connect_timeout=5,
                                      client_name=f"{LISTENER_NAME}-{self.origin}")
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self.channel)
            self._subscribed()
            while True:
                message = await pubsub.get_message(timeout=self.check_seconds)
                if message is None:
                    await pubsub.ping()  # quiet for a while: is the connection alive?
                    continue
                if message.get("type") != "message":
                    continue
                origin, _, payload = _text(message.get("data")).partition(":")
                if origin != self.origin:
                    self._changed(payload)
        finally:
            with suppress(Exception):
                await asyncio.wait_for(pubsub.aclose(), 5)  # type: ignore[no-untyped-call]
            with suppress(Exception):
                await asyncio.wait_for(client.aclose(), 5)


def _text(data: Any) -> str:
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return data if isinstance(data, str) else ""


def asyncpg_dsn(database_url: str) -> str:
    """The asyncpg DSN for a ``postgresql+asyncpg://`` SQLAlchemy URL."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(
        hide_password=False)


def wakeup_source_for(settings: Settings, db: Database) -> WakeupSource | None:
    """Redis when ``COMMERCE_REDIS_URL`` is set, else LISTEN/NOTIFY on PostgreSQL, else
    None (SQLite: one process, in-process wake-ups only)."""
    if settings.redis_url:
        return RedisWakeups(settings.redis_url, channel=settings.redis_channel)
    if db.dialect == "postgresql":
        return PostgresWakeups(asyncpg_dsn(db.url))
    return None


@asynccontextmanager
async def publishing_changes(settings: Settings) -> AsyncIterator[None]:
    """For processes that change orders but serve no subscriptions (``commerce worker``,
    ``commerce shipments check-delays``): with Redis configured, their tracking commits are
    published while inside. (PostgreSQL's NOTIFY needs nothing: it rides the transaction.)"""
    if not settings.redis_url:
        yield
        return
    publisher = RedisPublisher(settings.redis_url, channel=settings.redis_channel)
    publisher.start()
    try:
        yield
    finally:
        await publisher.stop()
