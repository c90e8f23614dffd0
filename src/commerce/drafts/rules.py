"""Rules for draft orders (pure: no I/O).

A draft is a cart that staff fill in for a customer. Staff may set a line's unit price
themselves (a price override), but only with a reason, which the order line keeps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from commerce.catalog.rules import MAX_AMOUNT
from commerce.shared.channels import SalesChannel
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import Problems
from commerce.shared.unset import UNSET, Maybe

MAX_REASON = 500  # the column's width
MAX_CUSTOMER_NOTE = 5000
# Channels through which staff take orders; WEB and MOBILE orders are placed by shoppers.
DRAFT_CHANNELS = (SalesChannel.PHONE, SalesChannel.EMAIL, SalesChannel.IN_STORE,
                  SalesChannel.MARKETPLACE)


@dataclass(frozen=True, slots=True)
class DraftLine:
    """Put ``quantity`` (more) units of a variant on the draft, optionally at a set price."""

    variant_id: int
    quantity: int
    unit_price: int | None = None  # minor units; None: the catalog price
    reason: str = ""


@dataclass(frozen=True, slots=True)
class DraftLineChange:
    """Change one line: its quantity (0 removes it) and/or its price override.

    ``unit_price`` UNSET keeps the override, None removes it (back to the catalog price)."""

    line_id: int
    quantity: int | None = None
    unit_price: Maybe[int | None] = UNSET
    reason: str | None = None


def check_channel(problems: Problems, channel: SalesChannel, path: Sequence[str]) -> None:
    if channel not in DRAFT_CHANNELS:
        problems.add(ErrorCode.INVALID,
                     "a draft order is taken by staff: use "
                     + ", ".join(c.value for c in DRAFT_CHANNELS), path)


def check_override(problems: Problems, unit_price: int | None, reason: str | None,
                   path: Sequence[str]) -> str:
    """Validate a price override and its reason; returns the cleaned reason.

    A price without a reason is refused (REQUIRED), and so is a reason without a price."""
    text = " ".join((reason or "").split())
    if unit_price is None:
        if text:
            problems.add(ErrorCode.INVALID, "a reason only goes with a unitPrice",
                         (*path, "priceOverrideReason"))
        return ""
    if not 0 <= unit_price <= MAX_AMOUNT:
        problems.add(ErrorCode.INVALID, "the unit price is out of range", (*path, "unitPrice"))
    if not text:
        problems.add(ErrorCode.REQUIRED, "say why the price is overridden",
                     (*path, "priceOverrideReason"))
    elif len(text) > MAX_REASON:
        problems.add(ErrorCode.INVALID, f"must be at most {MAX_REASON} characters",
                     (*path, "priceOverrideReason"))
    return text


def check_note(problems: Problems, note: str, path: Sequence[str]) -> str:
    text = note.strip()
    if len(text) > MAX_CUSTOMER_NOTE:
        problems.add(ErrorCode.INVALID, f"must be at most {MAX_CUSTOMER_NOTE} characters", path)
    return text
