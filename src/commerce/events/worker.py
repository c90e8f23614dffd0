"""The relay's loop: ``commerce worker`` runs it on its own; ``commerce serve``/``demo`` run it
in the app's lifespan when ``COMMERCE_RUN_WORKER`` is on (the default).

It relays until nothing is left, then sleeps ``COMMERCE_RELAY_INTERVAL_MS`` or until a commit
in this process wrote outbox events (``outbox.add_commit_listener``), whichever comes first;
other processes' events wait at most the interval. Delivered events are pruned hourly.
Every ``COMMERCE_DELAY_CHECK_INTERVAL_SECONDS`` it also sweeps shipments past their promised
date for delay notices (``shipping.shipment_tracking.check_delays``).
A failing pass is logged and retried on the next wake-up; the loop itself never dies of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping

from commerce.db.database import Database
from commerce.events.outbox import add_commit_listener, remove_commit_listener
from commerce.events.relay import Consumer, RelayReport, prune, relay_once
from commerce.settings import Settings
from commerce.shipping.shipment_tracking import check_delays

log = logging.getLogger("commerce.worker")

PRUNE_EVERY_SECONDS = 3600.0
# Passes in a row before an idle wait even when there is more (lets other work in).
MAX_PASSES = 100


class RelayWorker:
    def __init__(self, db: Database, consumers: Mapping[str, Consumer], *,
                 interval_ms: int = 1000, retention_days: int = 30, batch: int = 100,
                 delay_check_seconds: float | None = None) -> None:
        self.db = db
        self.consumers = dict(consumers)
        self.interval = interval_ms / 1000
        self.retention_days = retention_days
        self.batch = batch
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._last_prune = 0.0
        self.delay_check_seconds = delay_check_seconds
        self._last_delay_check = 0.0

    @classmethod
    def from_settings(cls, db: Database, settings: Settings,
                      consumers: Mapping[str, Consumer]) -> RelayWorker:
        return cls(db, consumers, interval_ms=settings.relay_interval_ms,
                   retention_days=settings.outbox_retention_days,
                   delay_check_seconds=settings.delay_check_interval_seconds)

    def poke(self) -> None:
        """Wake the loop now (safe from any thread; a no-op once the loop is gone)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)

    async def run_once(self) -> RelayReport:
        """Relay until nothing is due (or ``MAX_PASSES``), prune when due; the totals."""
        total = RelayReport()
        for _ in range(MAX_PASSES):
            report = await relay_once(self.db, self.consumers, batch=self.batch)
            total.delivered += report.delivered
            total.failed += report.failed
            total.published += report.published
            total.more = report.more
            if not report.more:
                break
        if time.monotonic() - self._last_prune >= PRUNE_EVERY_SECONDS or not self._last_prune:
            self._last_prune = time.monotonic()
            pruned = await prune(self.db, self.retention_days)
            if pruned:
                log.info("outbox pruned", extra={"events": pruned})
        await self._check_delays_when_due()
        return total

    async def _check_delays_when_due(self) -> None:
        every = self.delay_check_seconds
        if every is None or (self._last_delay_check
                             and time.monotonic() - self._last_delay_check < every):
            return
        self._last_delay_check = time.monotonic()
        try:  # a failing sweep is retried next time; it must not fail the relay pass
            report = await check_delays(self.db)
        except Exception:
            log.exception("delay check failed")
            return
        if report.notified:
            log.info("delay notices recorded", extra={"shipments": report.notified})

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        add_commit_listener(self.poke)
        try:
            while True:
                self._wake.clear()
                more = False
                try:
                    more = (await self.run_once()).more
                except Exception:
                    log.exception("outbox relay pass failed")
                if more:
                    await asyncio.sleep(0)
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.interval)
        finally:
            remove_commit_listener(self.poke)
            self._loop = None

    def start(self) -> asyncio.Task[None]:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run(), name="commerce-outbox-relay")
        return self._task

    async def stop(self) -> None:
        """Cancel the loop and wait for it: a delivery in progress rolls back (its events
        are delivered again by the next relay; a leased one's once its lease runs out)."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
