"""Killing ``commerce worker`` mid-delivery loses no e-mail and sends none twice with
different Message-IDs; two workers at once send each e-mail once. Real subprocesses, a real
SMTP server, the test database (a SQLite file, or PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Mapping

import pytest
from sqlalchemy import select

from commerce.db.database import Database
from commerce.db.models import OutboxDelivery
from commerce.settings import Settings
from tests.mail_helpers import (
    ALL_MAILED,
    Received,
    SmtpServer,
    mailed_events,
    make_shipped_order,
    record_entries,
)
from tests.order_factories import make_shop

pytestmark = pytest.mark.timeout(120)


def _env(settings: Settings, smtp: SmtpServer) -> dict[str, str]:
    return {**os.environ,
            "COMMERCE_DATABASE_URL": settings.database_url,
            "COMMERCE_SQLITE_DRIVER": settings.sqlite_driver,
            "COMMERCE_SMTP_URL": smtp.url,
            "COMMERCE_MAIL_FROM": "shop@shop.example",
            # A lease of 3 s at a 1 s timeout: two e-mails per claim, and a killed worker's
            # claim runs out quickly.
            "COMMERCE_SMTP_TIMEOUT_SECONDS": "1",
            "COMMERCE_MAIL_LEASE_SECONDS": "3",
            "COMMERCE_RELAY_INTERVAL_MS": "100"}


async def _worker(env: Mapping[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "commerce", "worker", env=dict(env),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)


async def _undelivered(db: Database, event_ids: list[int]) -> set[int]:
    async with db.transaction() as s:
        done = set((await s.execute(select(OutboxDelivery.event_id).where(
            OutboxDelivery.consumer == "mail", OutboxDelivery.delivered_at.is_not(None),
            OutboxDelivery.event_id.in_(event_ids)))).scalars())
    return set(event_ids) - done


async def _wait_delivered(db: Database, event_ids: list[int], seconds: float) -> None:
    for _ in range(int(seconds / 0.1)):
        if not await _undelivered(db, event_ids):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not delivered: {sorted(await _undelivered(db, event_ids))}")


async def _stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 20)
        finally:
            if proc.returncode is None:
                proc.kill()


async def test_a_worker_killed_between_smtp_data_and_its_record_resends_with_the_same_id(
        settings: Settings, db: Database) -> None:
    order = await make_shipped_order(db, settings)
    await record_entries(db, order, ALL_MAILED)
    events = sorted(await mailed_events(db))
    assert len(events) == 6

    smtp = SmtpServer()
    worker: dict[str, asyncio.subprocess.Process] = {}
    killed_on: list[Received] = []

    def kill_on_third(item: Received) -> None:
        # The server has the message (DATA received); the worker dies before it hears
        # "250", so before it can record the delivery.
        if len(smtp.sink.received) == 3 and not killed_on:
            killed_on.append(item)
            os.kill(worker["first"].pid, signal.SIGKILL)

    smtp.sink.on_data = kill_on_third
    smtp.start()
    try:
        env = _env(settings, smtp)
        first = worker["first"] = await _worker(env)
        try:
            await asyncio.wait_for(first.wait(), 60)
        finally:
            if first.returncode is None:
                first.kill()
        assert first.returncode == -signal.SIGKILL
        (cut,) = killed_on
        cut_event = int(str(cut.message["X-Commerce-Event-Id"]))
        # Sent but not recorded: the delivery row still says undelivered.
        assert cut_event in await _undelivered(db, events)

        smtp.sink.on_data = None
        second = await _worker(env)
        try:
            await _wait_delivered(db, events, 60)
        finally:
            await _stop(second)
        assert second.returncode == 0, (await second.stderr.read()).decode()  # type: ignore[union-attr]
    finally:
        smtp.stop()

    got = smtp.sink.by_event()
    assert sorted(got) == events  # none lost
    for event_id, copies in got.items():
        # Every copy of one event carries the one Message-ID derived from its id.
        assert {c.message_id for c in copies} == {f"<order-tracking-{event_id}@shop.example>"}
    ids = [copies[0].message_id for copies in got.values()]
    assert len(set(ids)) == len(ids)  # distinct events, distinct Message-IDs
    # Only the message cut off before its record was sent twice.
    assert {i: len(c) for i, c in got.items()} == {i: 2 if i == cut_event else 1
                                                   for i in events}


async def test_two_workers_at_once_send_each_e_mail_once(settings: Settings,
                                                         db: Database) -> None:
    shop = await make_shop(db)
    for n in range(2):
        order = await make_shipped_order(db, settings, shop=shop,
                                         email_address=f"c{n}@example.com",
                                         tracking_number=f"1Z999AA1012345678{n}")
        await record_entries(db, order, ALL_MAILED)
    events = sorted(await mailed_events(db))
    smtp = SmtpServer()
    smtp.start()
    try:
        env = {**_env(settings, smtp), "COMMERCE_MAIL_LEASE_SECONDS": "30"}
        procs = [await _worker(env), await _worker(env)]
        try:
            await _wait_delivered(db, events, 60)
        finally:
            for proc in procs:
                await _stop(proc)
    finally:
        smtp.stop()
    got = smtp.sink.by_event()
    assert sorted(got) == events
    assert {i: len(c) for i, c in got.items()} == dict.fromkeys(events, 1)
