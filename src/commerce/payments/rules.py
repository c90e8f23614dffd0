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
    CAPTURE = "CAPTURE"
    REFUND = "REFUND"


class PaymentMethod(StrEnum):
    BANK_TRANSFER = "BANK_TRANSFER"
    CASH_ON_DELIVERY = "CASH_ON_DELIVERY"
    CHEQUE = "CHEQUE"
    OTHER = "OTHER"


class PaymentRecordStatus(StrEnum):
    """One payment's state (the order's is ``PaymentStatus``)."""

    CAPTURED = "CAPTURED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUNDED = "REFUNDED"


@dataclass(frozen=True, slots=True)
class Movement:
    """A successful transaction: money in (CAPTURE) or back out (REFUND), in minor units."""

    kind: TransactionKind
    amount: int


@dataclass(frozen=True, slots=True)
class Totals:
    captured: int
    refunded: int

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
    captured = refunded = 0
    for m in movements:
        if m.kind is TransactionKind.CAPTURE:
            captured += m.amount
        else:
            refunded += m.amount
    return Totals(captured, refunded)


def order_payment_status(order_total: int, t: Totals) -> PaymentStatus:
    """NOT_PAID → PARTIALLY_PAID → PAID; once anything is refunded, PARTIALLY_REFUNDED until
    nothing is held any more (REFUNDED)."""
    if t.refunded > 0:
        return PaymentStatus.REFUNDED if t.paid == 0 else PaymentStatus.PARTIALLY_REFUNDED
    if t.captured == 0:
        return PaymentStatus.NOT_PAID
    return PaymentStatus.PAID if t.captured >= order_total else PaymentStatus.PARTIALLY_PAID


def payment_status(t: Totals) -> PaymentRecordStatus:
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


def check_refund(amount: int, payment: Totals) -> None:
    if amount <= 0:
        raise PaymentRuleError("the amount must be greater than zero")
    if amount > payment.paid:
        raise PaymentRuleError(
            "the amount exceeds what this payment captured minus what was refunded")
