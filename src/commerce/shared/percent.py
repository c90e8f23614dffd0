"""Percentages as integer basis points (1 % = 100 bp), parsed from and shown as decimals.

Tax rates and percentage discounts are stored in basis points, so a rate has at most two
decimal places ("8.25" % -> 825 bp); a finer rate such as "8.875" is refused rather than
silently rounded, because the shop would then charge something other than what staff typed.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

FULL = 10_000  # 100 %


class PercentError(ValueError):
    """A text that is not a percentage we can store exactly."""


def parse_percent(text: str, *, maximum: int = FULL) -> int:
    """``"20"`` -> 2000, ``"8.25"`` -> 825; between 0 and ``maximum`` basis points."""
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise PercentError(f"{text!r} is not a decimal number") from None
    if not value.is_finite():
        raise PercentError(f"{text!r} is not a finite number")
    scaled = value.scaleb(2)
    if scaled != scaled.to_integral_value():
        raise PercentError("use at most two decimal places, e.g. \"8.25\"")
    bp = int(scaled)
    if not 0 <= bp <= maximum:
        raise PercentError(f"must be between 0 and {format_percent(maximum)}")
    return bp


def format_percent(bp: int) -> str:
    """2000 -> "20", 825 -> "8.25", 1250 -> "12.5" (no trailing zeros)."""
    whole, frac = divmod(abs(bp), 100)
    sign = "-" if bp < 0 else ""
    return f"{sign}{whole}" if not frac else f"{sign}{whole}.{frac:02d}".rstrip("0")
