"""Whether a discount code may be used on a cart right now (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from commerce.cart.pricing import DiscountInput, DiscountKind
from commerce.shared.error_codes import ErrorCode
from commerce.shared.money import format_amount


@dataclass(frozen=True, slots=True)
class DiscountTerms:
    id: int
    code: str
    kind: DiscountKind
    value: int
    starts_at: datetime | None
    ends_at: datetime | None
    min_subtotal: int | None
    usage_limit: int | None
    usage_limit_per_customer: int | None
    times_used: int
    is_active: bool

    @property
    def pricing(self) -> DiscountInput:
        return DiscountInput(self.kind, self.value)


def normalise_code(code: str) -> str:
    return code.strip().upper()


def discount_problem(terms: DiscountTerms, *, now: datetime, subtotal: int, currency: str,
                     customer_uses: int) -> tuple[ErrorCode, str] | None:
    """Why the code cannot be used, or None when it can."""
    if not terms.is_active:
        return ErrorCode.DISCOUNT_CODE_INVALID, f"the code {terms.code} is not valid"
    if terms.starts_at is not None and now < terms.starts_at:
        return (ErrorCode.DISCOUNT_CODE_NOT_STARTED,
                f"the code {terms.code} is valid from {terms.starts_at:%Y-%m-%d %H:%M} UTC")
    if terms.ends_at is not None and now >= terms.ends_at:
        return ErrorCode.DISCOUNT_CODE_EXPIRED, f"the code {terms.code} has expired"
    if terms.usage_limit is not None and terms.times_used >= terms.usage_limit:
        return ErrorCode.DISCOUNT_CODE_USED_UP, f"the code {terms.code} has been used up"
    if terms.usage_limit_per_customer is not None and \
            customer_uses >= terms.usage_limit_per_customer:
        return (ErrorCode.DISCOUNT_CODE_USED_UP,
                f"you have already used the code {terms.code} the maximum number of times")
    if terms.min_subtotal is not None and subtotal < terms.min_subtotal:
        return (ErrorCode.DISCOUNT_CODE_MIN_SUBTOTAL,
                f"the code {terms.code} needs a subtotal of at least "
                f"{format_amount(terms.min_subtotal, currency)} {currency}")
    return None
