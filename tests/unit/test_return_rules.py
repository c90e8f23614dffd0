"""Return rules: the state machine, what may be returned, and refund shares that add up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commerce.returns import rules
from commerce.returns.rules import (
    Action,
    Asked,
    LineFacts,
    LineTotals,
    RefundStatus,
    ReturnRuleError,
    ReturnStatus,
)

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def facts(**overrides: object) -> LineFacts:
    values: dict[str, object] = dict(order_line_id=1, quantity=3, shipped=3, in_returns=0,
                                     final_sale=False, window_start=NOW - timedelta(days=5))
    values.update(overrides)
    return LineFacts(**values)  # type: ignore[arg-type]


def problems(line: LineFacts, quantity: int = 1, *, policy: bool = True
             ) -> list[tuple[str, str]]:
    found = rules.check_request({line.order_line_id: line}, [Asked(1, quantity)], now=NOW,
                                window_days=30, enforce_policy=policy)
    return [(p.field, p.message) for p in found]


def test_a_shipped_line_within_the_window_may_be_returned() -> None:
    assert problems(facts(), 3) == []


@pytest.mark.parametrize(("line", "quantity", "field", "words"), [
    (facts(shipped=0, window_start=None), 1, "orderLineId", "never shipped"),
    (facts(final_sale=True), 1, "orderLineId", "final sale"),
    (facts(window_start=NOW - timedelta(days=31)), 1, "orderLineId", "window has ended"),
    (facts(in_returns=3), 1, "orderLineId", "already returned"),
    (facts(in_returns=1), 3, "quantity", "at most 2"),
    (facts(shipped=2), 3, "quantity", "at most 2"),
    (facts(), 0, "quantity", "at least 1"),
])
def test_refusals_name_their_field(line: LineFacts, quantity: int, field: str,
                                   words: str) -> None:
    [(got_field, message)] = problems(line, quantity)
    assert got_field == field
    assert words in message


def test_the_window_counts_to_its_last_day_inclusive() -> None:
    assert problems(facts(window_start=NOW - timedelta(days=30))) == []


def test_staff_waive_window_and_final_sale_but_not_quantities() -> None:
    late = facts(final_sale=True, window_start=NOW - timedelta(days=90))
    assert problems(late, policy=False) == []
    assert problems(facts(in_returns=3), policy=False) != []
    assert problems(facts(shipped=0, window_start=None), policy=False) != []


def test_unknown_and_repeated_lines_and_no_lines() -> None:
    found = rules.check_request({1: facts()}, [Asked(9, 1), Asked(1, 1), Asked(1, 1)],
                                now=NOW, window_days=30)
    assert [(p.index, p.field, p.not_found) for p in found] == [
        (0, "orderLineId", True), (2, "orderLineId", False)]
    assert [p.field for p in rules.check_request({}, [], now=NOW, window_days=30)] == ["lines"]


@pytest.mark.parametrize(("status", "action", "allowed"), [
    (ReturnStatus.REQUESTED, Action.APPROVE, True),
    (ReturnStatus.OPEN, Action.APPROVE, False),
    (ReturnStatus.REQUESTED, Action.DECLINE, True),
    (ReturnStatus.OPEN, Action.DECLINE, False),
    (ReturnStatus.REQUESTED, Action.RECEIVE, False),
    (ReturnStatus.OPEN, Action.RECEIVE, True),
    (ReturnStatus.OPEN, Action.REFUND, True),
    (ReturnStatus.CLOSED, Action.REFUND, False),
    (ReturnStatus.DECLINED, Action.CANCEL, False),
    (ReturnStatus.CANCELED, Action.CLOSE, False),
    (ReturnStatus.OPEN, Action.CLOSE, True),
])
def test_state_machine(status: ReturnStatus, action: Action, allowed: bool) -> None:
    if allowed:
        rules.check_action(status, action)
    else:
        with pytest.raises(ReturnRuleError):
            rules.check_action(status, action)


def test_cancel_only_before_anything_received_or_refunded() -> None:
    rules.check_action(ReturnStatus.OPEN, Action.CANCEL)
    with pytest.raises(ReturnRuleError, match="close the return"):
        rules.check_action(ReturnStatus.OPEN, Action.CANCEL, anything_received=True)
    with pytest.raises(ReturnRuleError, match="close the return"):
        rules.check_action(ReturnStatus.OPEN, Action.CANCEL, refund=RefundStatus.PENDING)


def test_refund_once_and_no_close_while_a_refund_is_under_way() -> None:
    rules.check_action(ReturnStatus.OPEN, Action.REFUND, refund=RefundStatus.PENDING)
    with pytest.raises(ReturnRuleError, match="already refunded"):
        rules.check_action(ReturnStatus.OPEN, Action.REFUND, refund=RefundStatus.DONE)
    with pytest.raises(ReturnRuleError, match="under way"):
        rules.check_action(ReturnStatus.OPEN, Action.CLOSE, refund=RefundStatus.PENDING)


@pytest.mark.parametrize("splits", [[1, 1, 1], [2, 1], [1, 2], [3]])
def test_shares_of_a_whole_line_add_up_to_its_totals_exactly(splits: list[int]) -> None:
    line = LineTotals(quantity=3, discount=101, tax=77, total=1000)
    before, shares = 0, []
    for units in splits:
        shares.append(rules.line_share(line, before=before, units=units))
        before += units
    assert sum(s.amount for s in shares) == 1000
    assert sum(s.discount for s in shares) == 101
    assert sum(s.tax for s in shares) == 77


def test_a_share_is_proportional_and_rounded_half_away_from_zero() -> None:
    line = LineTotals(quantity=3, discount=0, tax=0, total=1000)
    assert rules.line_share(line, before=0, units=1).amount == 333
    assert rules.line_share(line, before=1, units=1).amount == 334  # 667 - 333
    with pytest.raises(ValueError):
        rules.line_share(line, before=2, units=2)


def test_fees_and_shipping() -> None:
    shares = [rules.Share(1000, 0, 0), rules.Share(500, 0, 0)]
    got = rules.refund_total(shares, restocking_fee_bp=1000, return_shipping_fee=200,
                             shipping=500)
    assert (got.items, got.restocking_fee, got.total) == (1500, 150, 1500 - 150 - 200 + 500)
    # Fees never make the refund negative.
    assert rules.refund_total([rules.Share(100, 0, 0)], restocking_fee_bp=0,
                              return_shipping_fee=500, shipping=0).total == 0


def test_split_over_payments_takes_oldest_first_and_refuses_more_than_held() -> None:
    assert rules.split_over_payments(700, [(1, 500), (2, 0), (3, 1000)]) == [(1, 500),
                                                                             (3, 200)]
    assert rules.split_over_payments(0, [(1, 500)]) == []
    with pytest.raises(ReturnRuleError):
        rules.split_over_payments(700, [(1, 500)])


@given(quantity=st.integers(1, 50), total=st.integers(0, 10**9),
       discount=st.integers(0, 10**6), tax=st.integers(0, 10**6), data=st.data())
@settings(max_examples=200, deadline=None)
def test_any_split_of_a_line_refunds_exactly_its_totals(quantity: int, total: int,
                                                        discount: int, tax: int,
                                                        data: st.DataObject) -> None:
    line = LineTotals(quantity=quantity, discount=discount, tax=tax, total=total)
    before, got = 0, [0, 0, 0]
    while before < quantity:
        units = data.draw(st.integers(1, quantity - before))
        share = rules.line_share(line, before=before, units=units)
        # Each part stays within its proportional bounds (never more than the whole).
        assert 0 <= share.amount <= total
        got = [got[0] + share.amount, got[1] + share.discount, got[2] + share.tax]
        before += units
    assert got == [total, discount, tax]
