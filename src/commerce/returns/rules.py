"""Return rules, pure: the state machine, which units of an order may be returned, and what a
return refunds.

Returnable units of an order line are those shipped minus those already in returns that are
still alive (REQUESTED, OPEN or CLOSED; a DECLINED or CANCELED return gives its units back).
The return window runs from the line's parcel's delivery, or from its shipping when the
carrier never reported a delivery (the shop cannot know it arrived, so it counts from the
earliest date it could have).

Refunds split each line's totals by quantity with cumulative rounding: the n units refunded
so far get ``round(total * n / quantity)``, so a line returned in several returns refunds,
in the end, exactly its total (and exactly its discount and tax).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from commerce.shared.rounding import BASIS_POINTS, div_round


class ReturnStatus(StrEnum):
    REQUESTED = "REQUESTED"
    OPEN = "OPEN"
    CLOSED = "CLOSED"
    DECLINED = "DECLINED"
    CANCELED = "CANCELED"


class ReturnReason(StrEnum):
    DAMAGED = "DAMAGED"
    DEFECTIVE = "DEFECTIVE"
    WRONG_ITEM = "WRONG_ITEM"
    NOT_AS_DESCRIBED = "NOT_AS_DESCRIBED"
    SIZE_TOO_SMALL = "SIZE_TOO_SMALL"
    SIZE_TOO_LARGE = "SIZE_TOO_LARGE"
    UNWANTED = "UNWANTED"
    OTHER = "OTHER"


class DeclineReason(StrEnum):
    FINAL_SALE = "FINAL_SALE"
    RETURN_PERIOD_ENDED = "RETURN_PERIOD_ENDED"
    OTHER = "OTHER"


class Disposition(StrEnum):
    RESTOCK = "RESTOCK"
    NOT_RESTOCKED = "NOT_RESTOCKED"
    DAMAGED = "DAMAGED"
    MISSING = "MISSING"


class RefundStatus(StrEnum):
    NONE = "NONE"
    PENDING = "PENDING"
    DONE = "DONE"


class Action(StrEnum):
    APPROVE = "approved"
    DECLINE = "declined"
    CANCEL = "canceled"
    RECEIVE = "received"
    DISPOSE = "disposed of"
    REFUND = "refunded"
    CLOSE = "closed"


# Returns whose units count as taken (a declined or canceled one frees them).
ALIVE = frozenset({ReturnStatus.REQUESTED, ReturnStatus.OPEN, ReturnStatus.CLOSED})

_ALLOWED: dict[Action, frozenset[ReturnStatus]] = {
    Action.APPROVE: frozenset({ReturnStatus.REQUESTED}),
    Action.DECLINE: frozenset({ReturnStatus.REQUESTED}),
    Action.CANCEL: frozenset({ReturnStatus.REQUESTED, ReturnStatus.OPEN}),
    Action.RECEIVE: frozenset({ReturnStatus.OPEN}),
    Action.DISPOSE: frozenset({ReturnStatus.OPEN}),
    Action.REFUND: frozenset({ReturnStatus.OPEN}),
    Action.CLOSE: frozenset({ReturnStatus.OPEN}),
}


class ReturnRuleError(ValueError):
    """What the rules refuse; ``path`` names the input at fault, None for the state."""

    def __init__(self, message: str, path: list[str] | None = None) -> None:
        super().__init__(message)
        self.path = path


def check_action(status: ReturnStatus, action: Action, *, anything_received: bool = False,
                 refund: RefundStatus = RefundStatus.NONE) -> None:
    """Raise unless ``action`` may be taken on a return in ``status``. A return is canceled
    only before anything was received or refunded (after that the units or the money moved,
    and it must be closed instead)."""
    if status not in _ALLOWED[action]:
        raise ReturnRuleError(f"a {status.value} return cannot be {action.value}")
    if action is Action.CANCEL and (anything_received or refund is not RefundStatus.NONE):
        raise ReturnRuleError("units were already received or money refunded: close the "
                              "return instead")
    if action is Action.REFUND and refund is RefundStatus.DONE:
        raise ReturnRuleError("this return was already refunded")
    if action is Action.CLOSE and refund is RefundStatus.PENDING:
        raise ReturnRuleError("its refund is still under way; run returnRefund again first")


@dataclass(frozen=True, slots=True)
class LineFacts:
    """What the database says about one order line, for deciding what may be returned."""

    order_line_id: int
    quantity: int
    shipped: int
    # Units in the order's alive returns (REQUESTED, OPEN, CLOSED).
    in_returns: int
    final_sale: bool
    # The line's latest parcel: delivered (or, never delivered, shipped) at; None: unshipped.
    window_start: datetime | None


@dataclass(frozen=True, slots=True)
class Asked:
    order_line_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class Problem:
    index: int
    field: str  # "orderLineId" or "quantity"
    message: str
    not_found: bool = False


def returnable(facts: LineFacts) -> int:
    return max(facts.shipped - facts.in_returns, 0)


def window_end(start: datetime, days: int) -> datetime:
    return start + timedelta(days=days)


def check_request(facts: dict[int, LineFacts], asked: Sequence[Asked], *, now: datetime,
                  window_days: int, enforce_policy: bool = True) -> list[Problem]:
    """Problems with the lines asked for (empty: all may be returned). ``enforce_policy``
    False (staff creating a return on a customer's behalf) waives the window and final sale,
    never the units: nothing unshipped or already returned can be returned."""
    problems: list[Problem] = []
    seen: set[int] = set()
    for i, ask in enumerate(asked):
        line = facts.get(ask.order_line_id)
        if line is None:
            problems.append(Problem(i, "orderLineId", "no such line on this order", True))
            continue
        if ask.order_line_id in seen:
            problems.append(Problem(i, "orderLineId", "this line is listed twice"))
            continue
        seen.add(ask.order_line_id)
        if ask.quantity <= 0:
            problems.append(Problem(i, "quantity", "must be at least 1"))
            continue
        if line.shipped == 0 or line.window_start is None:
            problems.append(Problem(i, "orderLineId", "this line was never shipped"))
            continue
        if enforce_policy and line.final_sale:
            problems.append(Problem(i, "orderLineId", "final sale: this item cannot be "
                                                      "returned"))
            continue
        if enforce_policy and now > window_end(line.window_start, window_days):
            problems.append(Problem(i, "orderLineId", f"the {window_days}-day return window "
                                                      "has ended"))
            continue
        free = returnable(line)
        if free == 0:
            problems.append(Problem(i, "orderLineId", "every shipped unit of this line is "
                                                      "already returned or in a return"))
        elif ask.quantity > free:
            problems.append(Problem(i, "quantity", f"at most {free} unit(s) can be returned"))
    if not asked:
        problems.append(Problem(-1, "lines", "give at least one line"))
    return problems


@dataclass(frozen=True, slots=True)
class LineTotals:
    """An order line's amounts as priced at checkout."""

    quantity: int
    discount: int
    tax: int
    total: int


@dataclass(frozen=True, slots=True)
class Share:
    amount: int
    discount: int
    tax: int


def cumulative(value: int, before: int, units: int, quantity: int) -> int:
    """The part of ``value`` for ``units`` more units after ``before`` of ``quantity``:
    shares of all ``quantity`` units add up to ``value`` exactly."""
    if not (before >= 0 and units >= 0 and before + units <= quantity):
        raise ValueError("units out of range")
    return (div_round(value * (before + units), quantity)
            - div_round(value * before, quantity))


def line_share(line: LineTotals, *, before: int, units: int) -> Share:
    """What ``units`` more units of a line refund, after ``before`` refunded already."""
    return Share(cumulative(line.total, before, units, line.quantity),
                 cumulative(line.discount, before, units, line.quantity),
                 cumulative(line.tax, before, units, line.quantity))


@dataclass(frozen=True, slots=True)
class RefundBreakdown:
    items: int
    restocking_fee: int
    return_shipping_fee: int
    shipping: int
    total: int


def refund_total(shares: Iterable[Share], *, restocking_fee_bp: int, return_shipping_fee: int,
                 shipping: int) -> RefundBreakdown:
    """The items' shares, minus the restocking fee (a percentage of them) and the return
    shipping fee, plus any shipping refunded; never below zero."""
    items = sum(s.amount for s in shares)
    restocking = div_round(items * restocking_fee_bp, BASIS_POINTS)
    gross = items - restocking - return_shipping_fee + shipping
    return RefundBreakdown(items, restocking, return_shipping_fee, shipping, max(gross, 0))


def split_over_payments(amount: int, refundable: Sequence[tuple[int, int]]
                        ) -> list[tuple[int, int]]:
    """``amount`` taken from payments in order ((payment id, refundable)), each up to what
    it can give; raises when together they cannot give it."""
    plan: list[tuple[int, int]] = []
    left = amount
    for payment_id, available in refundable:
        if left == 0:
            break
        take = min(left, available)
        if take > 0:
            plan.append((payment_id, take))
            left -= take
    if left:
        raise ReturnRuleError(f"the order's payments hold {amount - left} that can be "
                              f"refunded, less than {amount}")
    return plan
