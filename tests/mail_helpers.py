"""Order e-mail tests: a real SMTP server (aiosmtpd) and orders with tracking entries."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import select

from commerce.db.database import Database
from commerce.db.models import Fulfillment, OutboxEvent, Shipment
from commerce.settings import Settings
from commerce.tracking.log import TRACKING_EVENT, OrderTrackingEventType, record
from tests.order_api_helpers import Placed, place_order
from tests.order_factories import Shop, make_shop, make_variant


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


@dataclass
class MailSink:
    """An aiosmtpd handler keeping every message it accepted. ``on_data`` runs after a
    message is stored and before the 250 reply (the kill test ends the sender there)."""

    received: list[Received] = field(default_factory=list)
    on_data: Callable[[Received], None] | None = None
    # When set, every message is refused with this reply (and not kept).
    refuse: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refuse is not None:
            return self.refuse
        raw = envelope.original_content or b""
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        item = Received(str(envelope.mail_from), list(envelope.rcpt_tos), parsed)
        with self.lock:
            self.received.append(item)
        if self.on_data is not None:
            self.on_data(item)
        return "250 Message accepted for delivery"

    def by_event(self) -> dict[int, list[Received]]:
        out: dict[int, list[Received]] = {}
        with self.lock:
            for item in self.received:
                out.setdefault(int(str(item.message["X-Commerce-Event-Id"])), []).append(item)
        return out


class SmtpServer:
    """aiosmtpd's Controller on a fixed port, startable and stoppable (server down/up)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.sink = MailSink()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        # decode_data=False keeps the exact bytes (original_content) for parsing.
        self._controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@dataclass
class TrackedOrder:
    placed: Placed
    shipment_id: int


async def make_shipped_order(db: Database, settings: Settings, *,
                             email_address: str = "ann@example.com",
                             shop: Shop | None = None, tracking_number: str = "1Z999AA10123456784"
                             ) -> TrackedOrder:
    """A placed order (two units at 12.50) with one UPS shipment (tracking: only the
    checkout's PLACED entry)."""
    shop = shop or await make_shop(db)
    variant = await make_variant(db, shop, price=1250, stock=10)
    placed = await place_order(db, settings, shop, {variant: 2}, email=email_address)
    async with db.transaction() as s:
        fulfillment = Fulfillment(order_id=placed.pk, warehouse_id=shop.warehouse_ids[0],
                                  sequence=1, status="SHIPPED")
        s.add(fulfillment)
        await s.flush()
        shipment = Shipment(fulfillment_id=fulfillment.id, order_id=placed.pk, carrier="UPS",
                            service="Ground", tracking_number=tracking_number)
        s.add(shipment)
        await s.flush()
    return TrackedOrder(placed, shipment.id)


ALL_MAILED: list[tuple[OrderTrackingEventType, dict[str, Any], str]] = [
    (OrderTrackingEventType.PLACED, {}, ""),
    (OrderTrackingEventType.PAYMENT_CONFIRMED, {"amount": 3000, "currency": "USD"}, ""),
    (OrderTrackingEventType.SHIPPED, {}, ""),
    (OrderTrackingEventType.DELAYED, {"eta": "2026-12-24"}, "Weather in the Midwest"),
    (OrderTrackingEventType.DELIVERED, {}, ""),
    (OrderTrackingEventType.REFUNDED, {"amount": 1250, "currency": "USD"}, "Returned mug"),
]


async def record_entries(db: Database, order: TrackedOrder,
                         entries: list[tuple[OrderTrackingEventType, dict[str, Any], str]]
                         ) -> None:
    """Each entry in its own transaction (as the real flows do); shipping news name the
    order's shipment. PLACED is skipped: the checkout that placed the order recorded it
    (version 1), and an order is placed once."""
    shipping = {OrderTrackingEventType.SHIPPED, OrderTrackingEventType.DELAYED,
                OrderTrackingEventType.DELIVERED, OrderTrackingEventType.IN_TRANSIT}
    for type_, data, message in entries:
        if type_ is OrderTrackingEventType.PLACED:
            continue
        async with db.transaction() as s:
            await record(s, order.placed.pk, type_, data=data, message=message,
                         shipment_id=order.shipment_id if type_ in shipping else None)


async def mailed_events(db: Database) -> dict[int, str]:
    """Outbox ``order.tracking`` events that get an e-mail: event id -> entry type."""
    from commerce.notifications.compose import MAIL_TYPES

    async with db.transaction() as s:
        rows = (await s.execute(select(OutboxEvent.id, OutboxEvent.payload)
                                .where(OutboxEvent.type == TRACKING_EVENT)
                                .order_by(OutboxEvent.id))).all()
    return {i: p["type"] for i, p in rows if p["type"] in MAIL_TYPES}
