"""Money as integer minor units plus an ISO 4217 currency code.

Amounts are never floats. Parsing and formatting go through ``Decimal`` strings with
exactly the currency's number of fraction digits ("12.50", "1200", "1.250").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

from iso4217 import Currency


class MoneyError(ValueError):
    """An amount cannot be represented in the currency."""


@cache
def _minor_units(currency: str) -> int | None:
    """ISO 4217's minor-unit exponent (from the ``iso4217`` package's copy of the standard's
    table); None for codes that are not currencies or have no minor unit (gold, XXX)."""
    try:
        return Currency(currency).exponent
    except ValueError:
        return None


def is_currency(code: str) -> bool:
    """Whether ``code`` is an ISO 4217 currency that amounts can be kept in."""
    return len(code) == 3 and code.isupper() and _minor_units(code) is not None


def exponent(currency: str) -> int:
    """Digits after the decimal point: USD 2, JPY 0, KWD 3."""
    exp = _minor_units(currency) if len(currency) == 3 and currency.isupper() else None
    if exp is None:
        raise MoneyError(f"unknown currency {currency!r}")
    return exp


def parse_amount(text: str, currency: str) -> int:
    """Decimal string -> minor units; rejects more digits than the currency has."""
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        raise MoneyError(f"{text!r} is not a decimal number") from None
    if not value.is_finite():
        raise MoneyError(f"{text!r} is not a finite number")
    exp = exponent(currency)
    scaled = value.scaleb(exp)
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"{text!r} has more than {exp} decimal places for {currency}")
    return int(scaled)


def format_amount(minor: int, currency: str) -> str:
    """Minor units -> decimal string with exactly the currency's digits."""
    exp = _minor_units(currency)
    exp = 2 if exp is None else exp
    if exp == 0:
        return str(minor)
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 10**exp)
    return f"{sign}{whole}.{frac:0{exp}d}"


@dataclass(frozen=True, slots=True)
class Money:
    amount: int  # minor units
    currency: str

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise MoneyError(f"cannot combine {self.currency} and {other.currency}")

    def __str__(self) -> str:
        return f"{format_amount(self.amount, self.currency)} {self.currency}"


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` minor units across ``weights`` by largest remainder.

    The parts always sum exactly to ``total``; ties go to the earlier weight.
    """
    if not weights:
        return []
    weight_sum = sum(weights)
    if weight_sum == 0:
        parts = [0] * len(weights)
        parts[0] = total
        return parts
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    raw = [magnitude * w for w in weights]
    parts = [r // weight_sum for r in raw]
    remainders = sorted(
        range(len(weights)), key=lambda i: (-(raw[i] % weight_sum), i)
    )
    for i in remainders[: magnitude - sum(parts)]:
        parts[i] += 1
    return [sign * p for p in parts]
