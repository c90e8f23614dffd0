"""Fulfilment rules: who may be fulfilled, what a new pick list takes, parcel bounds, status
transitions, and the money a shipment captures."""

from __future__ import annotations

import pytest

from commerce.fulfillment import rules
from commerce.fulfillment.capture import line_share
from commerce.fulfillment.rules import FulfillmentStatus, LineUnits, Package, Take
from commerce.orders.state import OrderStatus, PaymentStatus


@pytest.mark.parametrize(("status", "payment", "method", "allowed"), [
    (OrderStatus.OPEN, PaymentStatus.PAID, "BANK_TRANSFER", True),
    (OrderStatus.OPEN, PaymentStatus.PARTIALLY_REFUNDED, "BANK_TRANSFER", True),
    (OrderStatus.OPEN, PaymentStatus.AUTHORIZED, "CARD", True),
    (OrderStatus.OPEN, PaymentStatus.NOT_PAID, "CASH_ON_DELIVERY", True),
    (OrderStatus.OPEN, PaymentStatus.NOT_PAID, "BANK_TRANSFER", False),
    (OrderStatus.OPEN, PaymentStatus.PARTIALLY_PAID, "BANK_TRANSFER", False),
    (OrderStatus.OPEN, PaymentStatus.REFUNDED, "CARD", False),
    (OrderStatus.OPEN, PaymentStatus.PENDING, "CARD", False),
    (OrderStatus.ON_HOLD, PaymentStatus.PAID, "CARD", False),
    (OrderStatus.ON_HOLD, PaymentStatus.NOT_PAID, "CASH_ON_DELIVERY", False),
    (OrderStatus.CANCELED, PaymentStatus.PAID, "CARD", False),
    (OrderStatus.COMPLETED, PaymentStatus.PAID, "CARD", False),
])
def test_who_may_be_fulfilled(status: OrderStatus, payment: PaymentStatus, method: str,
                              allowed: bool) -> None:
    assert (rules.blocked_reason(status, payment, method) is None) is allowed


def test_a_hold_is_named_before_payment() -> None:
    reason = rules.blocked_reason(OrderStatus.ON_HOLD, PaymentStatus.NOT_PAID, "BANK_TRANSFER")
    assert reason is not None and "on hold" in reason


UNITS = {1: LineUnits(1, "A", 2, 10), 2: LineUnits(2, "B", 0, 11),
         3: LineUnits(3, "C", 1, None)}


def test_no_lines_takes_everything_free() -> None:
    assert rules.plan_takes(UNITS, []) == ([Take(1, 10, 2)], [])


def test_nothing_free_is_one_problem_about_the_request() -> None:
    takes, problems = rules.plan_takes({2: UNITS[2]}, [])
    assert takes == [] and [p.index for p in problems] == [None]


def test_each_requested_line_is_checked() -> None:
    takes, problems = rules.plan_takes(UNITS, [(1, 3), (2, 1), (9, 1), (1, 0), (3, 1)])
    assert takes == []
    assert [(p.index, p.not_found) for p in problems] == [
        (0, False), (1, False), (2, True), (3, False), (4, False)]
    assert "only 2 of A" in problems[0].message


def test_a_line_listed_twice_is_refused() -> None:
    _, problems = rules.plan_takes(UNITS, [(1, 1), (1, 1)])
    assert [(p.index, p.message) for p in problems] == [(1, "this line is listed twice")]


def test_free_units_never_negative() -> None:
    assert rules.free_units(3, 1) == 2
    assert rules.free_units(1, 3) == 0


def test_transitions() -> None:
    assert rules.sources(FulfillmentStatus.PACKED) == ["PICKING"]
    assert rules.sources(FulfillmentStatus.SHIPPED) == ["PACKED"]
    assert sorted(rules.sources(FulfillmentStatus.CANCELED)) == ["PACKED", "PICKING"]
    assert rules.sources(FulfillmentStatus.PICKING) == []


def test_parcel_bounds() -> None:
    ok = Package(1000, 30, 20, 10)
    assert rules.package_problems([ok]) == []
    assert rules.package_problems([]) == [(("packages",), "give 1 to 50 packages")]
    assert len(rules.package_problems([ok] * 51)) == 1
    assert [path for path, _ in rules.package_problems(
        [ok, Package(0, 276, 1, 275), Package(70_000, 1, 0, 1)])] == [
        ("packages", "1", "weightGrams"), ("packages", "1", "lengthCm"),
        ("packages", "2", "widthCm")]


def test_barcodes_lose_surrounding_whitespace_only() -> None:
    assert rules.clean_barcode(" MUG-RED\r\n") == "MUG-RED"
    assert rules.clean_barcode("mug-red") == "mug-red"


def test_order_status_after_a_shipment() -> None:
    assert rules.shipped_fulfillment_status({1: (2, 2), 2: (1, 1)}) == "FULFILLED"
    assert rules.shipped_fulfillment_status({1: (2, 1), 2: (1, 1)}) == "PARTIALLY_FULFILLED"


def test_line_shares_add_up_to_the_line_total() -> None:
    shares = [line_share(1000, 3, before, 1) for before in range(3)]
    assert shares == [333, 333, 334] and sum(shares) == 1000
    assert line_share(1000, 3, 0, 3) == 1000
    assert line_share(999, 2, 1, 1) + line_share(999, 2, 0, 1) == 999
