"""Proactive delay notices on a real database: a DELAYED tracking entry when the promised date
passes undelivered or the carrier reports DELAYED/EXCEPTION, once per new expected date,
whether the sweep or a carrier event finds it first, also with sweeps running at once."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from commerce.db.database import Database
from commerce.db.models import OrderTrackingEvent, OutboxEvent
from commerce.events.worker import RelayWorker
from commerce.settings import Settings
from commerce.shared.clock import utcnow
from commerce.shipping.shipment_tracking import (
    EventSource,
    apply_tracking_event,
    check_delays,
)
from commerce.shipping.tracking import TrackingStatus
from tests.order_factories import make_shop
from tests.shipment_factories import ship_order, shipment_row

pytestmark = pytest.mark.timeout(120)

NOW = datetime(2030, 3, 14, 12, 0, tzinfo=utcnow().tzinfo)  # a Thursday
YESTERDAY = date(2030, 3, 13)


async def delays(db: Database, order_id: int) -> list[dict[str, object]]:
    async with db.transaction() as s:
        rows = (await s.execute(
            select(OrderTrackingEvent.data, OrderTrackingEvent.message)
            .where(OrderTrackingEvent.order_id == order_id,
                   OrderTrackingEvent.type == "DELAYED")
            .order_by(OrderTrackingEvent.version))).all()
    return [{**r[0], "message": r[1]} for r in rows]


async def carrier(db: Database, shipment_id: int, event_id: str, status: TrackingStatus,
                  occurred_at: datetime, *, eta: date | None = None,
                  now: datetime = NOW) -> None:
    await apply_tracking_event(db, external_id=event_id, status=status,
                               occurred_at=occurred_at, shipment_id=shipment_id, eta=eta,
                               source=EventSource.CARRIER, now=now)


async def test_a_passed_promised_date_gives_one_notice_and_sweeping_again_none(
        db: Database, settings: Settings) -> None:
    late = await ship_order(db, settings, shipped_at=NOW - timedelta(days=6),
                            promised=YESTERDAY)
    shop_on_time = await ship_order(db, settings, shipped_at=NOW - timedelta(days=1),
                                    promised=NOW.date())  # today: not late yet
    report = await check_delays(db, NOW)
    assert (report.notified, report.order_ids) == (1, [late.order.pk])
    notices = await delays(db, late.order.pk)
    assert len(notices) == 1
    assert notices[0]["reason"] == "PROMISED_DATE_PASSED" and notices[0]["eta"] is None
    assert "unknown" in str(notices[0]["message"])
    assert await delays(db, shop_on_time.order.pk) == []
    row = await shipment_row(db, late.shipment_id)
    assert (row.delay_notified_at, row.delay_notified_eta) == (NOW, None)
    again = await check_delays(db, NOW + timedelta(hours=5))
    assert (again.checked, again.notified) == (0, 0)  # the query no longer picks it
    assert len(await delays(db, late.order.pk)) == 1


async def test_a_new_carrier_eta_gives_one_more_notice_and_the_same_eta_none(
        db: Database, settings: Settings) -> None:
    late = await ship_order(db, settings, shipped_at=NOW - timedelta(days=6),
                            promised=YESTERDAY)
    await check_delays(db, NOW)
    new_eta = date(2030, 3, 18)
    await carrier(db, late.shipment_id, "c1", TrackingStatus.DELAYED, NOW, eta=new_eta)
    notices = await delays(db, late.order.pk)
    assert [n["eta"] for n in notices] == [None, "2030-03-18"]
    assert notices[-1]["reason"] == "CARRIER_DELAYED"
    assert "2030-03-18" in str(notices[-1]["message"])
    # The same date again (another scan, a sweep): nothing new to tell.
    await carrier(db, late.shipment_id, "c2", TrackingStatus.DELAYED,
                  NOW + timedelta(hours=1), eta=new_eta)
    await check_delays(db, NOW + timedelta(hours=2))
    assert len(await delays(db, late.order.pk)) == 2
    # The new date passes undelivered: the expected date is unknown again.
    after = datetime(2030, 3, 19, 9, tzinfo=NOW.tzinfo)
    report = await check_delays(db, after)
    assert report.notified == 1
    assert [n["eta"] for n in await delays(db, late.order.pk)] == [None, "2030-03-18", None]


async def test_a_carrier_delay_is_told_at_once_without_a_promised_date(
        db: Database, settings: Settings) -> None:
    shipped = await ship_order(db, settings, shipped_at=NOW - timedelta(days=1))
    await carrier(db, shipped.shipment_id, "x", TrackingStatus.EXCEPTION, NOW,
                  eta=date(2030, 3, 20))
    notices = await delays(db, shipped.order.pk)
    assert [(n["reason"], n["eta"]) for n in notices] == [("CARRIER_EXCEPTION", "2030-03-20")]


async def test_a_delivered_shipment_gets_no_notice(db: Database, settings: Settings) -> None:
    shipped = await ship_order(db, settings, shipped_at=NOW - timedelta(days=6),
                               promised=YESTERDAY)
    await carrier(db, shipped.shipment_id, "d", TrackingStatus.DELIVERED,
                  NOW - timedelta(days=2), now=NOW - timedelta(days=2))
    report = await check_delays(db, NOW)
    assert (report.checked, report.notified) == (0, 0)
    assert await delays(db, shipped.order.pk) == []


async def test_a_late_shipment_is_told_when_a_carrier_event_arrives_before_the_sweep(
        db: Database, settings: Settings) -> None:
    late = await ship_order(db, settings, shipped_at=NOW - timedelta(days=6),
                            promised=YESTERDAY)
    await carrier(db, late.shipment_id, "t", TrackingStatus.IN_TRANSIT, NOW)
    assert [n["reason"] for n in await delays(db, late.order.pk)] == ["PROMISED_DATE_PASSED"]
    assert (await check_delays(db, NOW)).notified == 0


async def test_sweeps_at_once_record_each_notice_once(db: Database,
                                                      settings: Settings) -> None:
    shop = await make_shop(db)
    late = [await ship_order(db, settings, shop=shop, shipped_at=NOW - timedelta(days=6),
                             promised=YESTERDAY) for _ in range(3)]
    reports = await asyncio.gather(*(check_delays(db, NOW) for _ in range(6)))
    assert sum(r.notified for r in reports) == 3
    for shipped in late:
        assert len(await delays(db, shipped.order.pk)) == 1


async def test_sweeps_page_through_many_candidates(db: Database, settings: Settings) -> None:
    shop = await make_shop(db)
    late = [await ship_order(db, settings, shop=shop, shipped_at=NOW - timedelta(days=6),
                             promised=YESTERDAY) for _ in range(5)]
    report = await check_delays(db, NOW, batch=2)
    assert (report.checked, report.notified) == (5, 5)
    assert sorted(report.order_ids) == sorted(s.order.pk for s in late)


async def test_the_worker_sweeps_on_its_interval(db: Database, settings: Settings) -> None:
    late = await ship_order(db, settings, shipped_at=utcnow() - timedelta(days=9),
                            promised=(utcnow() - timedelta(days=2)).date())
    worker = RelayWorker(db, {}, delay_check_seconds=3600)
    await worker.run_once()
    assert len(await delays(db, late.order.pk)) == 1
    # Within the interval it does not sweep again (a second late shipment waits).
    later = await ship_order(db, settings, shop=None, shipped_at=utcnow() - timedelta(days=9),
                             promised=(utcnow() - timedelta(days=2)).date())
    await worker.run_once()
    assert await delays(db, later.order.pk) == []
    assert RelayWorker(db, {}).delay_check_seconds is None


async def test_the_cli_sweeps_once(db: Database, settings: Settings) -> None:
    late = await ship_order(db, settings, shipped_at=utcnow() - timedelta(days=9),
                            promised=(utcnow() - timedelta(days=2)).date())
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "commerce", "shipments", "check-delays"],
        env={"COMMERCE_DATABASE_URL": settings.database_url, "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "delay notices recorded 1" in done.stdout
    assert len(await delays(db, late.order.pk)) == 1


async def test_a_sweep_and_a_carrier_delay_at_once_record_one_notice(
        db: Database, settings: Settings) -> None:
    # Both would announce "unknown": whichever claims the notice first records it.
    shop = await make_shop(db)
    for i in range(3):
        late = await ship_order(db, settings, shop=shop, shipped_at=NOW - timedelta(days=6),
                                promised=YESTERDAY)
        await asyncio.gather(
            check_delays(db, NOW),
            carrier(db, late.shipment_id, f"delay-{i}", TrackingStatus.DELAYED, NOW),
            check_delays(db, NOW))
        assert [n["eta"] for n in await delays(db, late.order.pk)] == [None]


async def test_the_notice_reaches_the_outbox_for_the_mail(db: Database,
                                                          settings: Settings) -> None:
    late = await ship_order(db, settings, shipped_at=NOW - timedelta(days=6),
                            promised=YESTERDAY)
    await carrier(db, late.shipment_id, "d", TrackingStatus.DELAYED, NOW, eta=date(2030, 3, 20))
    async with db.transaction() as s:
        payloads = list((await s.execute(
            select(OutboxEvent.payload).where(OutboxEvent.type == "order.tracking",
                                              OutboxEvent.aggregate_id == late.order.pk)
        )).scalars())
    delayed = [p for p in payloads if p["type"] == "DELAYED"]
    assert len(delayed) == 1
    assert delayed[0]["shipment_id"] == late.shipment_id
    assert delayed[0]["data"]["eta"] == "2030-03-20"
    assert delayed[0]["data"]["tracking_number"] == late.tracking_number
    assert delayed[0]["data"]["tracking_url"].endswith(late.tracking_number)
    assert "2030-03-20" in delayed[0]["message"]


async def test_finding_candidates_is_one_statement_per_page(
        db: Database, settings: Settings, count_statements: Callable[[], Any]) -> None:
    shop = await make_shop(db)
    for _ in range(4):  # shipped recently, promised in the future: nothing to tell
        await ship_order(db, settings, shop=shop, shipped_at=NOW - timedelta(days=1),
                         promised=date(2030, 3, 20))
    with count_statements() as counter:
        report = await check_delays(db, NOW, batch=2)
    assert report.checked == 0
    assert counter.count == 1
