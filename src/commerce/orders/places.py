"""A shipping address reduced to what identifies the place (pure): country, postal code and
the first street line, trimmed and lower-cased. Stored on orders (``orders.shipping_key``)
so "orders to this address lately" is an index range."""

from __future__ import annotations

from typing import Any

MAX_KEY = 320


def _text(value: Any) -> str:
    return str(value or "").strip().lower()


def shipping_key(address: dict[str, Any] | None) -> str:
    """"" without an address."""
    if not address:
        return ""
    key = "|".join(_text(address.get(k)) for k in ("country_code", "postal_code",
                                                     "street_address_1"))
    return key[:MAX_KEY]
