"""What staff may store as a discount code (pure checks).

``value`` arrives as the decimal text staff typed and is read by kind: PERCENTAGE a percent
with at most two decimals, stored in basis points (1 % = 100, at most 100 %); FIXED_AMOUNT an
amount in the shop currency, stored in minor units (more than zero); FREE_SHIPPING nothing
(stored as 0). Reading it here, with the kind it will be stored under, means an update that
changes the kind can never store a value meant for the old one. Codes are stored upper-cased,
so shoppers may type them in any case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from commerce.cart.pricing import DiscountKind
from commerce.catalog.rules import MAX_AMOUNT
from commerce.discounts.rules import normalise_code
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import Problems
from commerce.shared.money import MoneyError, format_amount, parse_amount
from commerce.shared.percent import PercentError, format_percent, parse_percent
from commerce.shared.unset import UNSET, Maybe

MAX_CODE = 64
MAX_USAGE_LIMIT = 10**9
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]*$")


@dataclass(frozen=True, slots=True)
class DiscountData:
    code: str
    kind: DiscountKind
    value: str | None = None  # decimal text, see the module docstring
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    min_subtotal: int | None = None
    usage_limit: int | None = None
    usage_limit_per_customer: int | None = None
    is_active: bool = True


@dataclass(frozen=True, slots=True)
class DiscountChanges:
    code: Maybe[str] = UNSET
    kind: Maybe[DiscountKind] = UNSET
    value: Maybe[str | None] = UNSET
    starts_at: Maybe[datetime | None] = UNSET
    ends_at: Maybe[datetime | None] = UNSET
    min_subtotal: Maybe[int | None] = UNSET
    usage_limit: Maybe[int | None] = UNSET
    usage_limit_per_customer: Maybe[int | None] = UNSET
    is_active: Maybe[bool] = UNSET


FIELDS = ("code", "kind", "value", "starts_at", "ends_at", "min_subtotal", "usage_limit",
          "usage_limit_per_customer", "is_active")


def value_text(kind: DiscountKind, stored: int, currency: str) -> str | None:
    """A stored value as the decimal text staff would type for it."""
    if kind is DiscountKind.PERCENTAGE:
        return format_percent(stored)
    if kind is DiscountKind.FIXED_AMOUNT:
        return format_amount(stored, currency)
    return None


def _value(problems: Problems, kind: DiscountKind, text: str | None, currency: str) -> int:
    """The value to store for ``kind``."""
    if kind is DiscountKind.FREE_SHIPPING:
        if text is not None:
            problems.add(ErrorCode.INVALID, "a FREE_SHIPPING code takes no value", ["value"])
        return 0
    if text is None:
        problems.add(ErrorCode.REQUIRED, f"a {kind.value} code needs a value", ["value"])
        return 0
    try:
        if kind is DiscountKind.PERCENTAGE:
            value = parse_percent(text)
        else:
            value = parse_amount(text, currency)
    except (PercentError, MoneyError) as exc:
        problems.add(ErrorCode.INVALID, str(exc), ["value"])
        return 0
    if kind is DiscountKind.PERCENTAGE and value == 0:
        problems.add(ErrorCode.INVALID, "must be more than 0 percent", ["value"])
    if kind is DiscountKind.FIXED_AMOUNT and not 0 < value <= MAX_AMOUNT:
        problems.add(ErrorCode.INVALID, "must be more than zero", ["value"])
    return value


def _limit(problems: Problems, value: int | None, path: str) -> None:
    if value is not None and not 1 <= value <= MAX_USAGE_LIMIT:
        problems.add(ErrorCode.INVALID, "must be at least 1 (leave it out for no limit)", [path])


def check_discount(problems: Problems, data: DiscountData, *, currency: str,
                   times_used: int = 0) -> dict[str, object]:
    """Validate a whole code; returns its columns as they will be stored. ``times_used``
    (of a stored code) bounds the usage limit."""
    code = normalise_code(data.code)
    if not code:
        problems.add(ErrorCode.REQUIRED, "must not be blank", ["code"])
    elif len(code) > MAX_CODE:
        problems.add(ErrorCode.INVALID, f"must be at most {MAX_CODE} characters", ["code"])
    elif not _CODE.match(code):
        problems.add(ErrorCode.INVALID, "use letters, digits, '-' and '_' only", ["code"])
    value = _value(problems, data.kind, data.value, currency)
    if data.starts_at is not None and data.ends_at is not None and \
            data.ends_at <= data.starts_at:
        problems.add(ErrorCode.INVALID, "must be after startsAt", ["endsAt"])
    if data.min_subtotal is not None and not 0 <= data.min_subtotal <= MAX_AMOUNT:
        problems.add(ErrorCode.INVALID, "is out of range", ["minSubtotal"])
    _limit(problems, data.usage_limit, "usageLimit")
    _limit(problems, data.usage_limit_per_customer, "usageLimitPerCustomer")
    if data.usage_limit is not None and data.usage_limit < times_used:
        problems.add(ErrorCode.INVALID, f"the code has already been used {times_used} times",
                     ["usageLimit"])
    return {**{f: getattr(data, f) for f in FIELDS}, "code": code, "kind": data.kind.value,
            "value": value}
