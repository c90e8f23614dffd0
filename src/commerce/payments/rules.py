"""Payment rules (pure): an order's paid/refunded amounts and payment status, derived from
its money movements in one place, and what a new payment or refund may be.

Decisions: a recorded payment may not exceed the order's outstanding balance (overpayment
is refused: the shop would owe the difference back, and nothing tracks that yet); a refund
never exceeds what its payment captured minus what was already refunded from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from commerce.orders.state import PaymentStatus


class TransactionKind(StrEnum):
    AUTHORIZE = "AUTHORIZE"  # money held on the card, not yet taken
    CAPTURE = "CAPTURE"  # money taken
    VOID = "VOID"  # a hold released without taking it
    REFUND = "REFUND"  # money given back
    CHARGEBACK = "CHARGEBACK"  # money taken back by the card holder's bank (a lost dispute)
    CHARGEBACK_REVERSAL = "CHARGEBACK_REVERSAL"  # a chargeback undone


class TransactionStatus(StrEnum):
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"  # an attempt that moved nothing (e.g. a declined card)
    PENDING = "PENDING"  # asked for, outcome not yet known


class PaymentMethod(StrEnum):
    BANK_TRANSFER = "BANK_TRANSFER"
    CASH_ON_DELIVERY = "CASH_ON_DELIVERY"
    CHEQUE = "CHEQUE"
    OTHER = "OTHER"


# Methods staff record by hand (``orderPaymentRecord``); CARD comes only from a gateway.
MANUAL_METHODS = frozenset({PaymentMethod.BANK_TRANSFER, PaymentMethod.CASH_ON_DELIVERY,
                            PaymentMethod.CHEQUE, PaymentMethod.OTHER})
CARD = "CARD"


class PaymentRecordStatus(StrEnum):
    """One payment's state (the order's is ``PaymentStatus``)."""

    PENDING = "PENDING"  # a card payment in progress (no money moved yet)
    AUTHORIZED = "AUTHORIZED"
    CAPTURED = "CAPTURED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUNDED = "REFUNDED"
    VOIDED = "VOIDED"
    FAILED = "FAILED"


@dataclass(frozen=True, slots=True)
class Movement:
    """A successful transaction, in minor units. ``payment_id`` groups an authorisation
    with its captures and voids (0 when the caller looks at one payment only)."""

    kind: TransactionKind
    amount: int
    payment_id: int = 0


@dataclass(frozen=True, slots=True)
class Totals:
    captured: int
    # Money given back: refunds and chargebacks (net of reversals).
    refunded: int
    # Held on cards and neither taken nor released yet.
    authorized: int = 0
    charged_back: int = 0

    @property
    def paid(self) -> int:
        """What the shop holds now: captured minus refunded."""
        return self.captured - self.refunded


class PaymentRuleError(ValueError):
    """A payment or refund the rules refuse; ``field`` names the input at fault, or is None
    when the order's state is (nothing can be recorded whatever the input)."""

    def __init__(self, message: str, field: str | None = "amount") -> None:
        super().__init__(message)
        self.field = field


def totals(movements: Iterable[Movement]) -> Totals:
    """Sum successful movements. An authorisation stays open for what its payment has not
    captured or voided; captures of payments with no authorisation (manual) hold nothing."""
    captured = refunded = charged_back = 0
    held: dict[int, int] = {}
    for m in movements:
        if m.kind is TransactionKind.CAPTURE:
            captured += m.amount
            if m.payment_id in held:
                held[m.payment_id] -= m.amount
        elif m.kind is TransactionKind.REFUND:
            refunded += m.amount
        elif m.kind is TransactionKind.CHARGEBACK:
            charged_back += m.amount
        elif m.kind is TransactionKind.CHARGEBACK_REVERSAL:
            charged_back -= m.amount
        elif m.kind is TransactionKind.AUTHORIZE:
            held[m.payment_id] = held.get(m.payment_id, 0) + m.amount
        elif m.kind is TransactionKind.VOID:
            held[m.payment_id] = held.get(m.payment_id, 0) - m.amount
    return Totals(captured, refunded + charged_back,
                  sum(max(v, 0) for v in held.values()), charged_back)


def order_payment_status(order_total: int, t: Totals) -> PaymentStatus:
    """NOT_PAID → (AUTHORIZED →) PARTIALLY_PAID → PAID; once anything is given back,
    PARTIALLY_REFUNDED until nothing is held any more (REFUNDED)."""
    if t.refunded > 0:
        return PaymentStatus.REFUNDED if t.paid == 0 else PaymentStatus.PARTIALLY_REFUNDED
    if t.captured == 0:
        return PaymentStatus.AUTHORIZED if t.authorized > 0 else PaymentStatus.NOT_PAID
    return PaymentStatus.PAID if t.captured >= order_total else PaymentStatus.PARTIALLY_PAID


def payment_status(t: Totals) -> PaymentRecordStatus:
    """One payment's state from its own movements (a payment that never moved money keeps
    the state its gateway gave it: PENDING, FAILED or VOIDED)."""
    if t.captured == 0:
        return (PaymentRecordStatus.AUTHORIZED if t.authorized > 0
                else PaymentRecordStatus.VOIDED)
    if t.refunded == 0:
        return PaymentRecordStatus.CAPTURED
    return (PaymentRecordStatus.REFUNDED if t.paid == 0
            else PaymentRecordStatus.PARTIALLY_REFUNDED)


def outstanding(order_total: int, t: Totals) -> int:
    """What is still to be paid; refunds do not reopen the balance (money given back is
    settled, e.g. for returned goods)."""
    return max(order_total - t.captured, 0)


def amount_due(order_total: int, amount_paid: int, status: PaymentStatus) -> int:
    """The balance as shown, from an order's cached columns (same rule as ``outstanding``)."""
    if status in (PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED):
        return 0
    return max(order_total - amount_paid, 0)


def check_payment(amount: int, order_total: int, t: Totals) -> None:
    if amount <= 0:
        raise PaymentRuleError("the amount must be greater than zero")
    if t.refunded > 0:
        raise PaymentRuleError("this order has refunds; record no further payments on it",
                               None)
    due = outstanding(order_total, t)
    if due == 0:
        raise PaymentRuleError("this order is already paid in full", None)
    if amount > due:
        raise PaymentRuleError("the amount exceeds the outstanding balance")


def check_refund(amount: int, payment: Totals, pending: int = 0) -> None:
    """``pending``: refunds asked of the gateway whose outcome is not known yet; they count
    against the limit, so concurrent requests can never together exceed it."""
    if amount <= 0:
        raise PaymentRuleError("the amount must be greater than zero")
    if amount > payment.paid - pending:
        raise PaymentRuleError(
            "the amount exceeds what this payment captured minus what was refunded"
            + (" or is being refunded" if pending else ""))


def check_capture(amount: int, payment: Totals) -> None:
    """A card authorisation is captured once (all or part; the rest is released)."""
    if payment.captured > 0 or payment.authorized == 0:
        raise PaymentRuleError("only an authorized payment that has not been captured can "
                               "be captured", None)
    if amount <= 0:
        raise PaymentRuleError("the amount must be greater than zero")
    if amount > payment.authorized:
        raise PaymentRuleError("the amount exceeds what is authorized")
