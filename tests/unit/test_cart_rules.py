"""What a cart may hold: quantities and the number of lines (pure)."""

from __future__ import annotations

from commerce.cart.rules import MAX_LINES, MAX_QUANTITY, LineRequest, merge_additions
from commerce.shared.errors import Problems


def test_repeated_variants_are_summed_onto_what_the_cart_holds() -> None:
    problems = Problems()
    merged = merge_additions(problems, [LineRequest(1, 2), LineRequest(2, 1), LineRequest(1, 3)],
                             {1: 4, 3: 9})
    assert not problems
    assert merged == {1: 9, 2: 1}


def test_quantities_outside_one_to_the_maximum_are_refused_with_their_path() -> None:
    problems = Problems()
    merge_additions(problems, [LineRequest(1, 0), LineRequest(2, MAX_QUANTITY + 1),
                               LineRequest(3, -5), LineRequest(4, MAX_QUANTITY)], {})
    assert [p.field for p in problems.items] == [
        ("lines", "0", "quantity"), ("lines", "1", "quantity"), ("lines", "2", "quantity")]


def test_a_sum_past_the_maximum_is_refused_at_the_request_that_crosses_it() -> None:
    problems = Problems()
    merged = merge_additions(problems, [LineRequest(1, 500), LineRequest(1, 500)], {})
    assert [p.field for p in problems.items] == [("lines", "1", "quantity")]
    assert merged == {1: 500}


def test_a_cart_holds_at_most_the_maximum_number_of_variants() -> None:
    held = {v: 1 for v in range(MAX_LINES)}
    fine, too_many = Problems(), Problems()
    merge_additions(fine, [LineRequest(0, 1)], held)
    merge_additions(too_many, [LineRequest(MAX_LINES, 1)], held)
    assert not fine
    assert [p.field for p in too_many.items] == [("lines",)]
