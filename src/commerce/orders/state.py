"""Order state machines: which status may follow which (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

S = TypeVar("S", bound=StrEnum)


class OrderStatus(StrEnum):
    OPEN = "OPEN"
    ON_HOLD = "ON_HOLD"
    CANCELED = "CANCELED"
    COMPLETED = "COMPLETED"


class PaymentStatus(StrEnum):
    NOT_PAID = "NOT_PAID"
    PENDING = "PENDING"
    AUTHORIZED = "AUTHORIZED"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    PAID = "PAID"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUNDED = "REFUNDED"
    VOIDED = "VOIDED"
    FAILED = "FAILED"


class FulfillmentStatus(StrEnum):
    UNFULFILLED = "UNFULFILLED"
    PARTIALLY_FULFILLED = "PARTIALLY_FULFILLED"
    FULFILLED = "FULFILLED"
    DELIVERED = "DELIVERED"


ORDER_TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.OPEN: frozenset({OrderStatus.ON_HOLD, OrderStatus.CANCELED,
                                 OrderStatus.COMPLETED}),
    OrderStatus.ON_HOLD: frozenset({OrderStatus.OPEN, OrderStatus.CANCELED}),
    OrderStatus.CANCELED: frozenset(),
    OrderStatus.COMPLETED: frozenset(),
}

PAYMENT_TRANSITIONS: Mapping[PaymentStatus, frozenset[PaymentStatus]] = {
    PaymentStatus.NOT_PAID: frozenset({PaymentStatus.PENDING, PaymentStatus.AUTHORIZED,
                                       PaymentStatus.PARTIALLY_PAID, PaymentStatus.PAID,
                                       PaymentStatus.FAILED}),
    # A pay-later order paid in instalments; a part may also be refunded.
    PaymentStatus.PARTIALLY_PAID: frozenset({PaymentStatus.PARTIALLY_PAID, PaymentStatus.PAID,
                                             PaymentStatus.PARTIALLY_REFUNDED,
                                             PaymentStatus.REFUNDED}),
    PaymentStatus.PENDING: frozenset({PaymentStatus.AUTHORIZED, PaymentStatus.PAID,
                                      PaymentStatus.FAILED, PaymentStatus.VOIDED}),
    PaymentStatus.AUTHORIZED: frozenset({PaymentStatus.PAID, PaymentStatus.VOIDED,
                                         PaymentStatus.FAILED}),
    PaymentStatus.PAID: frozenset({PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}),
    PaymentStatus.PARTIALLY_REFUNDED: frozenset({PaymentStatus.PARTIALLY_REFUNDED,
                                                 PaymentStatus.REFUNDED}),
    PaymentStatus.REFUNDED: frozenset(),
    PaymentStatus.VOIDED: frozenset(),
    # A failed attempt may be retried.
    PaymentStatus.FAILED: frozenset({PaymentStatus.PENDING, PaymentStatus.AUTHORIZED,
                                     PaymentStatus.PAID}),
}

FULFILLMENT_TRANSITIONS: Mapping[FulfillmentStatus, frozenset[FulfillmentStatus]] = {
    FulfillmentStatus.UNFULFILLED: frozenset({FulfillmentStatus.PARTIALLY_FULFILLED,
                                              FulfillmentStatus.FULFILLED}),
    FulfillmentStatus.PARTIALLY_FULFILLED: frozenset({FulfillmentStatus.PARTIALLY_FULFILLED,
                                                      FulfillmentStatus.FULFILLED}),
    FulfillmentStatus.FULFILLED: frozenset({FulfillmentStatus.DELIVERED}),
    # A carrier EXCEPTION after delivery (damaged, wrong address) reopens the shipment.
    FulfillmentStatus.DELIVERED: frozenset({FulfillmentStatus.FULFILLED}),
}


class InvalidTransition(ValueError):
    def __init__(self, kind: str, current: StrEnum, target: StrEnum) -> None:
        super().__init__(f"the {kind} cannot go from {current.value} to {target.value}")
        self.current = current
        self.target = target


def _check(kind: str, table: Mapping[S, frozenset[S]], current: S, target: S) -> S:
    if target not in table[current]:
        raise InvalidTransition(kind, current, target)
    return target


def order_transition(current: OrderStatus, target: OrderStatus) -> OrderStatus:
    return _check("order", ORDER_TRANSITIONS, current, target)


def payment_transition(current: PaymentStatus, target: PaymentStatus) -> PaymentStatus:
    return _check("payment status", PAYMENT_TRANSITIONS, current, target)


def fulfillment_transition(current: FulfillmentStatus,
                           target: FulfillmentStatus) -> FulfillmentStatus:
    return _check("fulfillment status", FULFILLMENT_TRANSITIONS, current, target)


def can_cancel(status: OrderStatus, fulfillment: FulfillmentStatus) -> bool:
    """Orders can be canceled until something has shipped."""
    return (OrderStatus.CANCELED in ORDER_TRANSITIONS[status]
            and fulfillment is FulfillmentStatus.UNFULFILLED)
