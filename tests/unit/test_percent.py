"""Percentages as basis points."""

from __future__ import annotations

import pytest

from commerce.shared.percent import PercentError, format_percent, parse_percent


@pytest.mark.parametrize(("text", "bp"), [
    ("20", 2000), ("8.25", 825), (" 7.5 ", 750), ("0", 0), ("100", 10_000), ("0.01", 1),
    ("19.00", 1900),
])
def test_a_percent_with_at_most_two_decimals_becomes_basis_points(text: str, bp: int) -> None:
    assert parse_percent(text) == bp


@pytest.mark.parametrize("text", ["8.875", "abc", "", "NaN", "Infinity", "-1", "100.01"])
def test_a_percent_that_cannot_be_stored_exactly_or_is_out_of_range_is_refused(
        text: str) -> None:
    with pytest.raises(PercentError):
        parse_percent(text)


def test_the_maximum_can_be_lowered() -> None:
    with pytest.raises(PercentError, match="between 0 and 50"):
        parse_percent("60", maximum=5000)


@pytest.mark.parametrize(("bp", "text"), [
    (2000, "20"), (825, "8.25"), (750, "7.5"), (0, "0"), (1, "0.01"), (10_000, "100"),
])
def test_basis_points_show_without_trailing_zeros(bp: int, text: str) -> None:
    assert format_percent(bp) == text
    assert parse_percent(text) == bp
