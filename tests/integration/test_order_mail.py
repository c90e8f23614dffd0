"""Order e-mails through the relay to a real SMTP server (aiosmtpd): one message per mailed
tracking entry with its Message-ID, recipient, subject and both parts; a server that is down
is retried with backoff, one that refuses is a visible permanent failure; without SMTP the
messages are .eml files; no database lock is held while a message is being sent; relays
running at once send each e-mail once."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from html import escape
from pathlib import Path

import pytest
from sqlalchemy import select, update

from commerce.db.database import Database
from commerce.db.models import OutboxDelivery, OutboxEvent
from commerce.events.relay import Consumer, Leased, RelayedEvent, default_consumers, relay_once
from commerce.notifications.consumer import mail_consumer
from commerce.settings import Settings
from commerce.shared.clock import utcnow
from commerce.shipping.carriers import Carrier, tracking_url
from commerce.tracking.log import OrderTrackingEventType, record
from tests.mail_helpers import (
    ALL_MAILED,
    SmtpServer,
    mailed_events,
    make_shipped_order,
    record_entries,
)
from tests.order_factories import make_shop

pytestmark = pytest.mark.timeout(60)

SUBJECTS = {
    "PLACED": "Order {} confirmed",
    "PAYMENT_CONFIRMED": "Payment received for order {}",
    "SHIPPED": "Order {} has shipped",
    "DELAYED": "Order {} is delayed",
    "DELIVERED": "Order {} was delivered",
    "REFUNDED": "Refund for order {}",
}


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def _mail_settings(settings: Settings, **changes: object) -> Settings:
    return settings.with_(mail_from="Demo Shop <shop@shop.example>",
                          smtp_timeout_seconds=2.0, mail_lease_seconds=30.0, **changes)


def _mailer(db: Database, settings: Settings) -> Leased:
    consumer = mail_consumer(db, settings)
    assert consumer is not None
    return consumer


async def _relay_until_idle(db: Database, consumers: dict[str, Consumer]) -> int:
    delivered = 0
    for _ in range(100):
        report = await relay_once(db, consumers)
        delivered += report.delivered
        if not report.delivered and not report.more:
            break
    return delivered


async def _delivery(db: Database, event_id: int) -> OutboxDelivery:
    async with db.transaction() as s:
        return (await s.execute(select(OutboxDelivery).where(
            OutboxDelivery.consumer == "mail", OutboxDelivery.event_id == event_id))
        ).scalar_one()


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _text_and_html(message: EmailMessage) -> tuple[str, str]:
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


async def test_each_mailed_entry_arrives_once_with_its_message_id_recipient_and_parts(
        settings: Settings, db: Database, smtp: SmtpServer) -> None:
    order = await make_shipped_order(db, settings, email_address="ann@example.com")
    await record_entries(db, order, [*ALL_MAILED[:3],
                                     (OrderTrackingEventType.IN_TRANSIT, {}, ""),
                                     *ALL_MAILED[3:]])
    expected = await mailed_events(db)
    assert sorted(expected.values()) == sorted(SUBJECTS)

    mail = _mailer(db, _mail_settings(settings, smtp_url=smtp.url,
                                      storefront_url="https://store.example"))
    await _relay_until_idle(db, {"mail": mail})

    got = smtp.sink.by_event()
    assert set(got) == set(expected)  # the IN_TRANSIT entry gets no e-mail
    number = order.placed.number
    for event_id, type_ in expected.items():
        (item,) = got[event_id]
        msg = item.message
        assert item.rcpt_tos == ["ann@example.com"]
        assert item.mail_from == "shop@shop.example"
        assert msg["Message-ID"] == f"<order-tracking-{event_id}@shop.example>"
        assert msg["Subject"] == SUBJECTS[type_].format(number)
        text, html = _text_and_html(msg)
        assert number in text and number in html
        assert f"https://store.example/orders/{order.placed.token}" in text
    by_type = {t: got[i][0].message for i, t in expected.items()}
    text, html = _text_and_html(by_type["PLACED"])
    assert "2 x Product" in text and "Total: 30.00 USD" in text and "SPRINGFIELD" in text
    text, html = _text_and_html(by_type["SHIPPED"])
    assert "Tracking number: 1Z999AA10123456784" in text
    link = tracking_url(Carrier.UPS, "1Z999AA10123456784")
    assert link is not None and f'href="{escape(link)}"' in html
    assert "payment of 30.00 USD" in _text_and_html(by_type["PAYMENT_CONFIRMED"])[0]
    delayed = _text_and_html(by_type["DELAYED"])[0]
    assert "Thursday, 24 December 2026" in delayed and "Weather in the Midwest" in delayed
    assert "refunded 12.50 USD" in _text_and_html(by_type["REFUNDED"])[0]

    for event_id in expected:
        row = await _delivery(db, event_id)
        assert row.delivered_at is not None and row.attempts == 1 and row.last_error == ""
    # Delivered rows are not sent again.
    await _relay_until_idle(db, {"mail": mail})
    assert sum(len(v) for v in smtp.sink.by_event().values()) == len(expected)


async def test_a_server_that_is_down_is_retried_with_backoff_until_it_is_up(
        settings: Settings, db: Database) -> None:
    server = SmtpServer()  # not started: connections are refused
    order = await make_shipped_order(db, settings)
    await record_entries(db, order, ALL_MAILED[:1])
    (event_id,) = await mailed_events(db)
    mail = {"mail": _mailer(db, _mail_settings(settings, smtp_url=server.url))}

    now = utcnow()
    report = await relay_once(db, mail, now=now)
    assert report.failed == 1  # (the checkout's own events are delivered: nothing to send)
    row = await _delivery(db, event_id)
    assert row.delivered_at is None and row.attempts == 1
    assert "SMTPConnectError" in row.last_error or "Connect" in row.last_error, row.last_error
    assert now + timedelta(seconds=5) <= row.next_attempt_at <= utcnow() + timedelta(seconds=5)

    server.start()
    try:
        # Not due yet: nothing is sent although the server is back.
        assert (await relay_once(db, mail, now=now + timedelta(seconds=4))).delivered == 0
        assert server.sink.received == []
        later = await relay_once(db, mail, now=now + timedelta(seconds=30))
        assert (later.delivered, later.failed) == (1, 0)
    finally:
        server.stop()
    (item,) = server.sink.received
    assert item.message_id == f"<order-tracking-{event_id}@shop.example>"
    row = await _delivery(db, event_id)
    assert row.delivered_at is not None and row.attempts == 2 and row.last_error == ""


async def test_a_refused_message_is_a_permanent_failure_kept_on_the_row(
        settings: Settings, db: Database, smtp: SmtpServer) -> None:
    smtp.sink.refuse = "550 5.1.1 No such user here"
    order = await make_shipped_order(db, settings, email_address="gone@example.com")
    await record_entries(db, order, ALL_MAILED[:1])
    (event_id,) = await mailed_events(db)

    now = utcnow()
    report = await relay_once(db, {"mail": _mailer(db, _mail_settings(
        settings, smtp_url=smtp.url))}, now=now)

    assert report.failed == 1
    async with db.transaction() as s:
        assert (await s.get(OutboxEvent, event_id)).published_at is None  # type: ignore[union-attr]
    row = await _delivery(db, event_id)
    assert row.delivered_at is None
    assert row.last_error.startswith("PermanentMailError: SMTP 550"), row.last_error
    # Not hammered: the next try is an hour away (the address may be fixed by then).
    assert row.next_attempt_at >= now + timedelta(hours=1)


async def test_without_smtp_each_message_is_an_eml_file_that_parses_back(
        settings: Settings, db: Database, tmp_path: Path) -> None:
    maildir = tmp_path / "mail"
    order = await make_shipped_order(db, settings)
    await record_entries(db, order, ALL_MAILED)
    expected = await mailed_events(db)
    mail = {"mail": _mailer(db, _mail_settings(settings, smtp_url="",
                                               mail_dir=str(maildir)))}
    await _relay_until_idle(db, mail)

    files = sorted(p.name for p in maildir.iterdir())
    assert files == sorted(f"order-tracking-{i}@shop.example.eml" for i in expected)
    for event_id, type_ in expected.items():
        raw = (maildir / f"order-tracking-{event_id}@shop.example.eml").read_bytes()
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        assert msg["Message-ID"] == f"<order-tracking-{event_id}@shop.example>"
        assert msg["To"] == "ann@example.com"
        assert msg["Subject"] == SUBJECTS[type_].format(order.placed.number)
        assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain",
                                                                     "text/html"]

    # A redelivery (as after a crash) rewrites the same file with the same bytes.
    first = next(iter(expected))
    path = maildir / f"order-tracking-{first}@shop.example.eml"
    before = path.read_bytes()
    async with db.transaction() as s:
        await s.execute(update(OutboxDelivery).where(OutboxDelivery.event_id == first)
                        .values(delivered_at=None, next_attempt_at=utcnow()))
        await s.execute(update(OutboxEvent).where(OutboxEvent.id == first)
                        .values(published_at=None))
    assert await _relay_until_idle(db, mail) == 1
    assert sorted(p.name for p in maildir.iterdir()) == files  # no temp file left over
    assert path.read_bytes() == before


async def test_no_database_lock_is_held_while_the_smtp_server_is_answering(
        settings: Settings, db: Database, smtp: SmtpServer) -> None:
    order = await make_shipped_order(db, settings)
    await record_entries(db, order, ALL_MAILED[:1])
    (event_id,) = await mailed_events(db)
    inside, release = threading.Event(), threading.Event()

    def stall(_: object) -> None:  # the SMTP server sits on DATA until the test is done
        inside.set()
        release.wait(10)

    smtp.sink.on_data = stall
    mail = {"mail": _mailer(db, _mail_settings(settings, smtp_url=smtp.url))}
    relay = asyncio.create_task(relay_once(db, mail))
    try:
        assert await asyncio.to_thread(inside.wait, 10)
        # Meanwhile the shop writes: a new tracking entry, and the very delivery row being
        # sent. Neither waits for the SMTP conversation.
        async def write() -> None:
            async with db.transaction() as s:
                await record(s, order.placed.pk, OrderTrackingEventType.PAYMENT_CONFIRMED)
            async with db.transaction() as s:
                await s.execute(update(OutboxDelivery).where(
                    OutboxDelivery.event_id == event_id).values(last_error="touched"))
        await asyncio.wait_for(write(), 3)
    finally:
        release.set()
    report = await asyncio.wait_for(relay, 20)
    assert report.failed == 0
    assert [r.message_id for r in smtp.sink.received] == [
        f"<order-tracking-{event_id}@shop.example>"]


async def test_relays_running_at_once_send_each_e_mail_once(
        settings: Settings, db: Database, smtp: SmtpServer) -> None:
    shop = await make_shop(db)
    for n in range(3):
        order = await make_shipped_order(db, settings, email_address=f"c{n}@example.com",
                                         shop=shop, tracking_number=f"1Z999AA1012345678{n}")
        await record_entries(db, order, ALL_MAILED)
    expected = await mailed_events(db)
    assert len(expected) == 18
    mail = {"mail": _mailer(db, _mail_settings(settings, smtp_url=smtp.url))}

    async def relay_until_idle() -> None:
        for _ in range(100):
            report = await relay_once(db, mail, batch=3)
            if not report.delivered and not report.more:
                return

    # Four relays, each on its own connections; while one is talking to the SMTP server
    # (no lock held) the others claim: only the lease keeps them off its events.
    await asyncio.gather(*(relay_until_idle() for _ in range(4)))

    got = smtp.sink.by_event()
    assert set(got) == set(expected)
    twice = {i: len(v) for i, v in got.items() if len(v) > 1}
    assert twice == {}
    async with db.transaction() as s:
        published = (await s.execute(select(OutboxEvent.published_at).where(
            OutboxEvent.id.in_(list(expected))))).scalars().all()
    assert all(p is not None for p in published)


async def test_a_plain_consumer_still_gets_the_delivery_transaction(
        settings: Settings, db: Database) -> None:
    """Mixed consumers: a plain one beside a leased one keeps its session semantics."""
    order = await make_shipped_order(db, settings)
    await record_entries(db, order, ALL_MAILED[:2])
    sessions: list[bool] = []

    async def plain(event: RelayedEvent) -> None:
        sessions.append(event.session.in_transaction())

    seen: list[int] = []

    async def outside(event: object) -> None:
        seen.append(event.id)
        assert not hasattr(event, "session")

    report = await relay_once(db, {"plain": plain,
                                   "outside": Leased(outside, timedelta(minutes=1))})
    async with db.transaction() as s:
        count = len((await s.execute(select(OutboxEvent.id))).all())
    assert report.delivered == 2 * count
    assert sessions == [True] * count and len(seen) == count


async def test_the_default_consumers_write_the_demos_eml_files(
        settings: Settings, db: Database, tmp_path: Path) -> None:
    assert "mail" not in default_consumers(db, settings.with_(smtp_url="", mail_dir=""))
    consumers = default_consumers(db, settings.with_(mail_dir=str(tmp_path)))
    assert isinstance(consumers["mail"], Leased)
    order = await make_shipped_order(db, settings)
    await record_entries(db, order, ALL_MAILED[:1])
    (event_id,) = await mailed_events(db)
    await _relay_until_idle(db, consumers)
    assert _names(tmp_path) == [f"order-tracking-{event_id}@localhost.eml"]
