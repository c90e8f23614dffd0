"""The relay consumer "mail": an e-mail for each ``order.tracking`` outbox event whose type
a customer is told about (``compose.MAIL_TYPES``); other events are ignored.

It is a ``Leased`` consumer: the relay hands it events with no database transaction open,
so an SMTP conversation never holds SQLite's write lock (or a row lock), and records the
delivery afterwards. A relay killed between the SMTP ``DATA`` and that record sends the
e-mail again after the lease, with the same ``Message-ID`` (from the event id); one killed
before sending loses nothing. Failures (server down, timeout, refusal) raise, and the relay
retries with backoff, keeping the last error on the delivery row.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from commerce.db.database import Database
from commerce.events.relay import ClaimedEvent, Leased
from commerce.notifications.compose import MAIL_TYPES, Sender, TrackingNotice, compose
from commerce.notifications.queries import mail_order
from commerce.notifications.transports import MailTransport, transport_for
from commerce.settings import Settings
from commerce.tracking.log import TRACKING_EVENT

log = logging.getLogger("commerce.mail")

CONSUMER = "mail"
# Events one relay claims per pass, at most.
MAX_BATCH = 10


def batch_for(lease_seconds: float, timeout_seconds: float) -> int:
    """As many e-mails per claim as fit in the lease at the SMTP timeout each, with one to
    spare (settings require a lease of two timeouts, so at least 1), at most ``MAX_BATCH``:
    a batch finishes before its lease runs out even if every send times out."""
    return max(1, min(MAX_BATCH, int(lease_seconds // timeout_seconds) - 1))


class OrderMailer:
    def __init__(self, db: Database, sender: Sender, transport: MailTransport) -> None:
        self.db = db
        self.sender = sender
        self.transport = transport

    async def __call__(self, event: ClaimedEvent) -> None:
        payload = event.payload
        if event.type != TRACKING_EVENT or payload.get("type") not in MAIL_TYPES:
            return
        order_id = int(payload["order_id"])
        shipment_id = payload.get("shipment_id")
        order, shipment = await mail_order(
            self.db, order_id, int(shipment_id) if shipment_id is not None else None)
        if order is None or not order.email:
            # Deleted (or no address to write to): nobody to tell, nothing to retry.
            log.info("order e-mail skipped: no order or no address",
                     extra={"event_id": event.id, "order_id": order_id})
            return
        notice = TrackingNotice(
            event_id=event.id, type=str(payload["type"]),
            occurred_at=datetime.fromisoformat(str(payload["occurred_at"])),
            message=str(payload.get("message") or ""), data=payload.get("data") or {})
        message = compose(notice, order, shipment, self.sender)
        await self.transport.send(message)
        log.info("order e-mail sent", extra={
            "event_id": event.id, "order_id": order_id, "type": notice.type,
            "message_id": message["Message-ID"], "attempt": event.attempt})


def mail_consumer(db: Database, settings: Settings,
                  transport: MailTransport | None = None) -> Leased | None:
    """The "mail" consumer for these settings; None when neither ``COMMERCE_SMTP_URL`` nor
    ``COMMERCE_MAIL_DIR`` is set (no e-mail at all)."""
    transport = transport or transport_for(settings.smtp_url, settings.mail_dir,
                                           settings.smtp_timeout_seconds)
    if transport is None:
        return None
    sender = Sender(settings.mail_from, settings.storefront_url)
    return Leased(OrderMailer(db, sender, transport),
                  lease=timedelta(seconds=settings.mail_lease_seconds),
                  batch=batch_for(settings.mail_lease_seconds, settings.smtp_timeout_seconds))
