"""An order's payment status and amounts follow from its transactions; limits on amounts."""

from __future__ import annotations

import pytest

from commerce.orders.state import PaymentStatus
from commerce.payments.rules import (
    Movement,
    PaymentRecordStatus,
    PaymentRuleError,
    Totals,
    TransactionKind,
    check_payment,
    check_refund,
    order_payment_status,
    outstanding,
    payment_status,
    totals,
)

C, R = TransactionKind.CAPTURE, TransactionKind.REFUND


def test_totals_net_captures_against_refunds() -> None:
    t = totals([Movement(C, 600), Movement(C, 400), Movement(R, 250)])
    assert (t.captured, t.refunded, t.paid) == (1000, 250, 750)


@pytest.mark.parametrize(("movements", "expected"), [
    ([], PaymentStatus.NOT_PAID),
    ([Movement(C, 300)], PaymentStatus.PARTIALLY_PAID),
    ([Movement(C, 300), Movement(C, 700)], PaymentStatus.PAID),
    ([Movement(C, 1000), Movement(R, 1)], PaymentStatus.PARTIALLY_REFUNDED),
    ([Movement(C, 1000), Movement(R, 400), Movement(R, 600)], PaymentStatus.REFUNDED),
    ([Movement(C, 300), Movement(R, 300)], PaymentStatus.REFUNDED),
])
def test_the_order_status_is_derived_from_the_movements(
        movements: list[Movement], expected: PaymentStatus) -> None:
    assert order_payment_status(1000, totals(movements)) is expected


def test_a_payment_record_status_follows_its_refunds() -> None:
    assert payment_status(Totals(500, 0)) is PaymentRecordStatus.CAPTURED
    assert payment_status(Totals(500, 1)) is PaymentRecordStatus.PARTIALLY_REFUNDED
    assert payment_status(Totals(500, 500)) is PaymentRecordStatus.REFUNDED


def test_payments_may_be_partial_but_never_exceed_the_balance() -> None:
    check_payment(400, 1000, Totals(0, 0))
    check_payment(600, 1000, Totals(400, 0))
    assert outstanding(1000, Totals(400, 0)) == 600
    with pytest.raises(PaymentRuleError, match="exceeds the outstanding"):
        check_payment(601, 1000, Totals(400, 0))
    with pytest.raises(PaymentRuleError, match="already paid in full"):
        check_payment(1, 1000, Totals(1000, 0))


@pytest.mark.parametrize("amount", [0, -5])
def test_amounts_must_be_positive(amount: int) -> None:
    with pytest.raises(PaymentRuleError, match="greater than zero"):
        check_payment(amount, 1000, Totals(0, 0))
    with pytest.raises(PaymentRuleError, match="greater than zero"):
        check_refund(amount, Totals(1000, 0))


def test_no_payment_is_recorded_on_an_order_with_refunds() -> None:
    with pytest.raises(PaymentRuleError, match="has refunds"):
        check_payment(100, 1000, Totals(1000, 1000))


def test_a_refund_never_exceeds_captured_minus_refunded() -> None:
    check_refund(700, Totals(1000, 300))
    with pytest.raises(PaymentRuleError, match="exceeds"):
        check_refund(701, Totals(1000, 300))
    with pytest.raises(PaymentRuleError, match="exceeds"):
        check_refund(1, Totals(1000, 1000))


def test_the_amount_due_is_the_balance_and_closes_once_refunded() -> None:
    from commerce.payments.rules import amount_due

    assert amount_due(1000, 300, PaymentStatus.PARTIALLY_PAID) == 700
    assert amount_due(1000, 1000, PaymentStatus.PAID) == 0
    assert amount_due(1000, 600, PaymentStatus.PARTIALLY_REFUNDED) == 0
    assert amount_due(1000, 0, PaymentStatus.REFUNDED) == 0
