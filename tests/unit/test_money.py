from __future__ import annotations

import pytest

from commerce.shared.money import (
    Money,
    MoneyError,
    allocate,
    exponent,
    format_amount,
    is_currency,
    parse_amount,
)


@pytest.mark.parametrize(("minor", "currency", "text"), [
    (1250, "USD", "12.50"), (5, "USD", "0.05"), (-5, "USD", "-0.05"), (1200, "JPY", "1200"),
    (1250, "KWD", "1.250"), (0, "EUR", "0.00"),
])
def test_amounts_are_formatted_with_exactly_the_currency_digits(
        minor: int, currency: str, text: str) -> None:
    assert format_amount(minor, currency) == text
    assert parse_amount(text, currency) == minor


def test_parsing_accepts_fewer_digits_than_the_currency_has() -> None:
    assert parse_amount("12.5", "USD") == 1250
    assert parse_amount("12", "USD") == 1200


@pytest.mark.parametrize(("text", "currency"), [
    ("12.345", "USD"), ("1.5", "JPY"), ("abc", "USD"), ("NaN", "USD"), ("Infinity", "USD"),
    ("", "USD"),
])
def test_parsing_rejects_what_the_currency_cannot_hold(text: str, currency: str) -> None:
    with pytest.raises(MoneyError):
        parse_amount(text, currency)


def test_unknown_currencies_are_rejected() -> None:
    with pytest.raises(MoneyError):
        parse_amount("1", "XYZ")


@pytest.mark.parametrize(("currency", "digits"), [
    ("USD", 2), ("EUR", 2), ("JPY", 0), ("KRW", 0), ("ISK", 0), ("KWD", 3), ("BHD", 3),
    ("XPF", 0), ("BIF", 0), ("RWF", 0), ("CLF", 4), ("UYW", 4), ("MGA", 2),
])
def test_exponents_come_from_the_whole_iso_4217_table(currency: str, digits: int) -> None:
    assert exponent(currency) == digits
    assert is_currency(currency)


@pytest.mark.parametrize("code", ["XAU", "XXX", "XYZ", "usd", "US", ""])
def test_codes_without_minor_units_or_not_iso_are_not_currencies(code: str) -> None:
    assert not is_currency(code)
    with pytest.raises(MoneyError):
        exponent(code)


def test_money_of_different_currencies_cannot_be_added() -> None:
    assert Money(100, "USD") + Money(5, "USD") == Money(105, "USD")
    with pytest.raises(MoneyError):
        _ = Money(100, "USD") + Money(5, "EUR")


@pytest.mark.parametrize(("total", "weights"), [
    (100, [1, 1, 1]), (1, [1, 1, 1]), (999, [3, 7, 11, 0]), (-100, [1, 2]), (0, [5, 5]),
    (10, [0, 0]),
])
def test_allocation_always_sums_exactly_to_the_total(total: int, weights: list[int]) -> None:
    parts = allocate(total, weights)
    assert sum(parts) == total
    assert len(parts) == len(weights)


def test_allocation_gives_remainders_to_the_largest_fractions_first() -> None:
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(10, [1, 3]) == [3, 7]
    assert allocate(5, [2, 3, 5]) == [1, 2, 2]  # tie on .5: the earlier line wins
