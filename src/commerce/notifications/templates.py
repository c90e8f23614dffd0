"""The e-mail texts, one per tracking entry type, plain text and HTML (``string.Template``).

Placeholders are filled by ``compose``: in the HTML ones every value is already
HTML-escaped (``$lines_html``, ``$totals_html`` and ``$shipment_html`` are blocks built from
escaped values), so a product named ``<script>`` arrives as text. ``$$`` is a literal dollar.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Template


@dataclass(frozen=True, slots=True)
class MailTemplate:
    subject: Template
    text: Template
    html: Template  # the body's inner part; ``LAYOUT`` wraps it


LAYOUT = Template("""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>$subject</title></head>
<body style="font-family: sans-serif; color: #222; max-width: 40em;">
$body
<p style="color: #777; font-size: small;">Order $number &middot; $shop</p>
</body>
</html>
""")

TEXT_FOOTER = Template("""
--
Order $number · $shop
""")

_ORDER_LINK_TEXT = "$order_link_text"
_ORDER_LINK_HTML = "$order_link_html"

PLACED = MailTemplate(
    subject=Template("Order $number confirmed"),
    text=Template("""Hello $name,

thank you for your order $number. We have received it and will let you know when it ships.

$lines_text

$totals_text

Shipping to:
$address_text
Shipping method: $shipping_method
""" + _ORDER_LINK_TEXT),
    html=Template("""<h1>Thank you for your order</h1>
<p>Hello $name, we have received your order <strong>$number</strong> and will let you
know when it ships.</p>
$lines_html
$totals_html
<h2>Shipping to</h2>
<p>$address_html</p>
<p>Shipping method: $shipping_method</p>
""" + _ORDER_LINK_HTML),
)

PAYMENT_CONFIRMED = MailTemplate(
    subject=Template("Payment received for order $number"),
    text=Template("""Hello $name,

we have received your payment of $amount for order $number. Thank you!
""" + _ORDER_LINK_TEXT),
    html=Template("""<h1>Payment received</h1>
<p>Hello $name, we have received your payment of <strong>$amount</strong> for order
<strong>$number</strong>. Thank you!</p>
""" + _ORDER_LINK_HTML),
)

SHIPPED = MailTemplate(
    subject=Template("Order $number has shipped"),
    text=Template("""Hello $name,

good news: your order $number is on its way.

$shipment_text
""" + _ORDER_LINK_TEXT),
    html=Template("""<h1>Your order is on its way</h1>
<p>Hello $name, your order <strong>$number</strong> has shipped.</p>
$shipment_html
""" + _ORDER_LINK_HTML),
)

DELIVERED = MailTemplate(
    subject=Template("Order $number was delivered"),
    text=Template("""Hello $name,

your order $number was delivered$shipment_suffix_text. We hope you enjoy it!
""" + _ORDER_LINK_TEXT),
    html=Template("""<h1>Delivered</h1>
<p>Hello $name, your order <strong>$number</strong> was delivered$shipment_suffix_html.
We hope you enjoy it!</p>
""" + _ORDER_LINK_HTML),
)

DELAYED = MailTemplate(
    subject=Template("Order $number is delayed"),
    text=Template("""Hello $name,

we are sorry: your order $number is taking longer than promised.
New expected delivery date: $eta
$message_text
$shipment_text
""" + _ORDER_LINK_TEXT),
    html=Template("""<h1>Your order is delayed</h1>
<p>Hello $name, we are sorry: your order <strong>$number</strong> is taking longer than
promised.</p>
<p>New expected delivery date: <strong>$eta</strong></p>
$message_html
$shipment_html
""" + _ORDER_LINK_HTML),
)

REFUNDED = MailTemplate(
    subject=Template("Refund for order $number"),
    text=Template("""Hello $name,

we have refunded $amount for order $number. Depending on your bank or payment method it
can take a few days to show on your statement.
$message_text""" + _ORDER_LINK_TEXT),
    html=Template("""<h1>Refund issued</h1>
<p>Hello $name, we have refunded <strong>$amount</strong> for order <strong>$number</strong>.
Depending on your bank or payment method it can take a few days to show on your
statement.</p>
$message_html
""" + _ORDER_LINK_HTML),
)
