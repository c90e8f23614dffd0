"""What staff search an order by: its number, e-mail and the names on it (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_NAME_FIELDS = ("first_name", "last_name", "company")


def address_names(address: Mapping[str, Any] | None) -> str:
    if not address:
        return ""
    return " ".join(str(address.get(k) or "") for k in _NAME_FIELDS)


def search_text(number: str, email: str, shipping: Mapping[str, Any] | None,
                billing: Mapping[str, Any] | None) -> str:
    """Lower-cased, single-spaced; matched with ``LIKE like_pattern(query)``."""
    text = " ".join([number, email, address_names(shipping), address_names(billing)])
    return " ".join(text.lower().split())
