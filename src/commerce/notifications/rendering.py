"""The order e-mails' texts: jinja2 templates shipped in ``notifications/templates/``.

Per mailed tracking entry type ``<type>.txt`` sets ``subject`` and extends ``layout.txt``
(the plain-text part, signature added); ``<type>.html`` extends ``layout.html`` (the HTML
part). ``shipment.*`` and ``order_link.*`` are the parts several e-mails share.

HTML templates are autoescaped, text ones are not: a customer's ``<script>`` arrives in the
HTML part as text and in the plain part as typed. ``StrictUndefined`` turns a misspelt name
into an error in the tests instead of a silently empty spot in a customer's e-mail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from commerce.shared.money import Money


def money(amount: int, currency: str) -> str:
    """``amount`` minor units of ``currency`` as the e-mails show it (``12.50 USD``)."""
    return str(Money(amount, currency))


# Built once: jinja2 compiles each template on first use and keeps it.
_ENV = Environment(
    loader=PackageLoader("commerce.notifications", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    # A line holding only a tag ({% if %}, {% for %}) leaves no line behind, so the
    # templates can put each tag on its own line without blank lines in the e-mail.
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["money"] = money


@dataclass(frozen=True, slots=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def render(type_: str, context: Mapping[str, Any]) -> RenderedMail:
    """Subject, plain text and HTML of the e-mail for tracking entries of type ``type_``."""
    name = type_.lower()
    # One render of the text template gives its output and the ``subject`` it sets.
    text = _ENV.get_template(f"{name}.txt").make_module(dict(context))
    subject = str(text.subject)  # type: ignore[attr-defined]  # set by the template
    html = _ENV.get_template(f"{name}.html").render(context, subject=subject)
    return RenderedMail(subject=subject, text=str(text), html=html)
