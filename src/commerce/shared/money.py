"""Money as integer minor units plus an ISO 4217 currency code.

Amounts are never floats. Parsing and formatting go through ``Decimal`` strings with
exactly the currency's number of fraction digits ("12.50", "1200", "1.250").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# ISO 4217 minor-unit exponents of the currencies we accept.
_TWO = ("USD EUR GBP CAD AUD NZD CHF SEK NOK DKK PLN CZK HUF RON BGN MXN BRL ARS "
        "CNY HKD SGD INR ZAR TRY ILS AED SAR THB MYR PHP IDR TWD")
CURRENCY_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(_TWO.split(), 2),
    **dict.fromkeys(["JPY", "KRW", "VND", "CLP", "ISK", "XAF", "XOF", "UGX", "PYG"], 0),
    **dict.fromkeys(["KWD", "BHD", "OMR", "JOD", "TND", "LYD", "IQD"], 3),
}


class MoneyError(ValueError):
    """An amount cannot be represented in the currency."""


def exponent(currency: str) -> int:
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise MoneyError(f"unknown currency {currency!r}") from None


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
    exp = CURRENCY_EXPONENTS.get(currency, 2)
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
