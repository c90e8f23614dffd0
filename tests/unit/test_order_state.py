from __future__ import annotations

import pytest

from commerce.orders.state import (
    FulfillmentStatus,
    InvalidTransition,
    OrderStatus,
    PaymentStatus,
    can_cancel,
    fulfillment_transition,
    order_transition,
    payment_transition,
)


def test_open_orders_can_be_held_released_and_canceled() -> None:
    assert order_transition(OrderStatus.OPEN, OrderStatus.ON_HOLD) is OrderStatus.ON_HOLD
    assert order_transition(OrderStatus.ON_HOLD, OrderStatus.OPEN) is OrderStatus.OPEN
    assert order_transition(OrderStatus.ON_HOLD, OrderStatus.CANCELED) is OrderStatus.CANCELED


@pytest.mark.parametrize(("current", "target"), [
    (OrderStatus.CANCELED, OrderStatus.OPEN), (OrderStatus.COMPLETED, OrderStatus.CANCELED),
    (OrderStatus.ON_HOLD, OrderStatus.COMPLETED),
])
def test_ended_orders_cannot_move(current: OrderStatus, target: OrderStatus) -> None:
    with pytest.raises(InvalidTransition, match=f"from {current.value} to {target.value}"):
        order_transition(current, target)


def test_payment_goes_from_not_paid_to_paid_to_refunded() -> None:
    status = payment_transition(PaymentStatus.NOT_PAID, PaymentStatus.PAID)
    status = payment_transition(status, PaymentStatus.PARTIALLY_REFUNDED)
    assert payment_transition(status, PaymentStatus.REFUNDED) is PaymentStatus.REFUNDED
    with pytest.raises(InvalidTransition):
        payment_transition(PaymentStatus.NOT_PAID, PaymentStatus.REFUNDED)


def test_fulfillment_moves_forward_only() -> None:
    assert fulfillment_transition(FulfillmentStatus.FULFILLED,
                                  FulfillmentStatus.DELIVERED) is FulfillmentStatus.DELIVERED
    with pytest.raises(InvalidTransition):
        fulfillment_transition(FulfillmentStatus.DELIVERED, FulfillmentStatus.UNFULFILLED)


def test_orders_can_be_canceled_only_before_anything_ships() -> None:
    assert can_cancel(OrderStatus.OPEN, FulfillmentStatus.UNFULFILLED)
    assert not can_cancel(OrderStatus.OPEN, FulfillmentStatus.PARTIALLY_FULFILLED)
    assert not can_cancel(OrderStatus.CANCELED, FulfillmentStatus.UNFULFILLED)
