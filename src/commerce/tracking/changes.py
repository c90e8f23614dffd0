"""Which changes to an order its customer sees in the tracking log, and in what words (pure).

Messages are what a shopper reads on a tracking page: they never say why staff held an
order (a fraud review must not be announced to the person under review).
"""

from __future__ import annotations

CONFIRMED_PAYMENT_STATUSES = frozenset({"AUTHORIZED", "PAID"})
# Money that was confirmed once stays confirmed for the log: refunds get their own entries.
_ONCE_CONFIRMED = CONFIRMED_PAYMENT_STATUSES | {"PARTIALLY_REFUNDED", "REFUNDED"}

PLACED_MESSAGE = "Order placed"
PAYMENT_CONFIRMED_MESSAGE = "Payment confirmed"
ON_HOLD_MESSAGE = "Order on hold: we will be in touch if we need anything from you"
RELEASED_MESSAGE = "Order released: processing continues"
CANCELED_MESSAGE = "Order canceled"
REFUNDED_MESSAGE = "Refund issued"


def payment_confirmed(before: str, after: str) -> bool:
    """Whether a payment status change confirms the order's payment: it became PAID, or
    AUTHORIZED (manual capture: the money is held for us until shipping captures it). An
    AUTHORIZED order later captured to PAID was confirmed already, so that is no entry."""
    return after in CONFIRMED_PAYMENT_STATUSES and before not in _ONCE_CONFIRMED
