from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commerce.cart.pricing import DiscountInput, DiscountKind, LineInput, TaxInput, price
from commerce.shared.rounding import div_round


def test_no_discount_no_tax_is_the_plain_sum_plus_shipping() -> None:
    b = price([LineInput("a", 1000, 2), LineInput("b", 250, 1)], shipping=500)
    assert (b.subtotal, b.discount, b.tax, b.total) == (2250, 0, 0, 2750)


def test_percentage_discount_is_rounded_once_and_split_exactly() -> None:
    b = price([LineInput("a", 333, 1), LineInput("b", 333, 1), LineInput("c", 334, 1)],
              discount=DiscountInput(DiscountKind.PERCENTAGE, 1000))  # 10 %
    assert b.discount == 100
    assert sum(line.discount for line in b.lines) == 100


def test_fixed_discount_never_exceeds_the_subtotal() -> None:
    b = price([LineInput("a", 500, 1)], shipping=300,
              discount=DiscountInput(DiscountKind.FIXED_AMOUNT, 2000))
    assert b.discount == 500 and b.total == 300


def test_free_shipping_discount_zeroes_shipping_only() -> None:
    b = price([LineInput("a", 500, 1)], shipping=300,
              discount=DiscountInput(DiscountKind.FREE_SHIPPING))
    assert (b.shipping, b.shipping_discount, b.discount, b.total) == (0, 300, 0, 500)


def test_tax_is_computed_once_on_the_whole_base() -> None:
    # Three lines of 0.05 at 10 %: per-line rounding would give 3 x 0.01 = 0.03; once: 0.02.
    b = price([LineInput(k, 5, 1) for k in "abc"], tax=TaxInput(1000))
    assert b.tax == 2
    assert sum(line.tax for line in b.lines) == 2


def test_tax_on_shipping_is_configurable() -> None:
    lines = [LineInput("a", 1000, 1)]
    with_shipping = price(lines, shipping=1000, tax=TaxInput(2000, applies_to_shipping=True))
    without = price(lines, shipping=1000, tax=TaxInput(2000, applies_to_shipping=False))
    assert (with_shipping.tax, with_shipping.shipping_tax) == (400, 200)
    assert (without.tax, without.shipping_tax) == (200, 0)


def test_tax_inclusive_prices_carry_their_tax_inside() -> None:
    b = price([LineInput("a", 1200, 1)], tax=TaxInput(2000, prices_include_tax=True))
    assert b.tax == 200 and b.total == 1200


def test_rounding_is_half_away_from_zero() -> None:
    assert div_round(5, 10) == 1 and div_round(4, 10) == 0 and div_round(-5, 10) == -1


def test_negative_amounts_are_refused() -> None:
    with pytest.raises(ValueError):
        price([LineInput("a", -1, 1)])


@given(
    st.lists(st.tuples(st.integers(0, 100_000), st.integers(0, 50)), min_size=1, max_size=8),
    st.integers(0, 5_000), st.sampled_from(list(DiscountKind)), st.integers(0, 20_000),
    st.integers(0, 3_000), st.booleans(), st.booleans(),
)
def test_lines_always_sum_exactly_to_the_totals(
        raw: list[tuple[int, int]], shipping: int, kind: DiscountKind, value: int,
        rate: int, on_shipping: bool, inclusive: bool) -> None:
    lines = [LineInput(str(i), p, q) for i, (p, q) in enumerate(raw)]
    b = price(lines, shipping=shipping, discount=DiscountInput(kind, value),
              tax=TaxInput(rate, on_shipping, inclusive))
    assert sum(line.subtotal for line in b.lines) == b.subtotal
    assert sum(line.discount for line in b.lines) == b.discount
    assert sum(line.tax for line in b.lines) + b.shipping_tax == b.tax
    assert sum(line.total for line in b.lines) + b.shipping + (
        0 if inclusive else b.shipping_tax) == b.total
    assert 0 <= b.discount <= b.subtotal and b.total >= 0
