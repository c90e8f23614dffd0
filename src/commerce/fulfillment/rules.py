"""Fulfilment rules (pure): which orders may be fulfilled, how many units of each line are
still to fulfil, what a scan means, which status may follow which, and what a parcel may
measure.

Decisions:
- An order is fulfilled only while OPEN (not ON_HOLD for fraud review, a dispute or a staff
  hold; not CANCELED or COMPLETED).
- It must be paid (PAID, or PARTIALLY_REFUNDED: paid and part given back), or authorised on
  a card (AUTHORIZED: manual capture mode captures what ships), unless its payment method
  ships before payment: CASH_ON_DELIVERY only. A BANK_TRANSFER order waits for the money
  (staff record it with ``orderPaymentRecord``), like a PARTIALLY_PAID one.
- Units come from the order's allocations in the chosen warehouse, minus units already in
  fulfilments that are not CANCELED and not yet SHIPPED (shipped units have left the
  allocation already). Lines that do not track inventory have no allocation: all of their
  units not yet shipped or in an open fulfilment may be fulfilled from any warehouse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from commerce.orders.state import OrderStatus, PaymentStatus

MAX_PACKAGES = 50
MAX_WEIGHT_GRAMS = 70_000  # the heaviest parcel the common carriers take (UPS, FedEx: 70 kg)
MAX_SIDE_CM = 275  # the longest side they take (UPS: 274 cm)
MAX_SCAN_QUANTITY = 10_000


class FulfillmentStatus(StrEnum):
    PICKING = "PICKING"
    PACKED = "PACKED"
    SHIPPED = "SHIPPED"
    CANCELED = "CANCELED"


# What a fulfilment may become next (the services apply each with a conditional UPDATE).
TRANSITIONS: Mapping[FulfillmentStatus, frozenset[FulfillmentStatus]] = {
    FulfillmentStatus.PICKING: frozenset({FulfillmentStatus.PACKED, FulfillmentStatus.CANCELED}),
    FulfillmentStatus.PACKED: frozenset({FulfillmentStatus.SHIPPED, FulfillmentStatus.CANCELED}),
    FulfillmentStatus.SHIPPED: frozenset(),
    FulfillmentStatus.CANCELED: frozenset(),
}

# Units in these fulfilments are spoken for; SHIPPED ones have left the allocation.
OPEN_STATUSES = (FulfillmentStatus.PICKING, FulfillmentStatus.PACKED)

PAID_STATUSES = frozenset({PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED,
                           PaymentStatus.AUTHORIZED})
# Payment methods whose orders ship before they are paid.
SHIPS_BEFORE_PAYMENT = frozenset({"CASH_ON_DELIVERY"})


def sources(status: FulfillmentStatus) -> list[str]:
    """The statuses a fulfilment may come from to reach ``status`` (for the UPDATE's WHERE)."""
    return [s.value for s, nexts in TRANSITIONS.items() if status in nexts]


def blocked_reason(status: OrderStatus, payment: PaymentStatus, method: str) -> str | None:
    """Why the order may not be fulfilled now, or None."""
    if status is OrderStatus.ON_HOLD:
        return ("the order is on hold (fraud review, a card dispute or a staff hold); "
                "release it first")
    if status is not OrderStatus.OPEN:
        return f"the order is {status.value.lower()}"
    if payment not in PAID_STATUSES and method not in SHIPS_BEFORE_PAYMENT:
        return (f"the order is not paid yet (payment status {payment.value}); record the "
                "payment first (only cash-on-delivery orders ship before payment)")
    return None


@dataclass(frozen=True, slots=True)
class LineUnits:
    """One order line, as fulfilment sees it: units still free to put in a new fulfilment
    from the chosen warehouse (``free``), and the stock row they come from."""

    order_line_id: int
    sku: str
    free: int
    stock_id: int | None


@dataclass(frozen=True, slots=True)
class Take:
    order_line_id: int
    stock_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class TakeProblem:
    index: int | None  # the input line at fault; None: about the whole request
    message: str
    not_found: bool = False


def free_units(allocated: int, in_open_fulfillments: int) -> int:
    """Allocated units not yet in a PICKING or PACKED fulfilment."""
    return max(allocated - in_open_fulfillments, 0)


def plan_takes(units: Mapping[int, LineUnits], requested: Sequence[tuple[int, int]]
               ) -> tuple[list[Take], list[TakeProblem]]:
    """What a new fulfilment takes: ``requested`` (order line id, quantity) pairs, or, when
    empty, everything free. Returns the takes or the problems (never both)."""
    problems: list[TakeProblem] = []
    if not requested:
        takes = [Take(u.order_line_id, u.stock_id, u.free)
                 for u in units.values() if u.free > 0 and u.stock_id is not None]
        if not takes:
            problems.append(TakeProblem(None, "nothing of this order is left to fulfil from "
                                              "this warehouse"))
        return ([] if problems else takes), problems
    seen: set[int] = set()
    takes = []
    for index, (line_id, quantity) in enumerate(requested):
        unit = units.get(line_id)
        if unit is None:
            problems.append(TakeProblem(index, "no such line on this order", not_found=True))
            continue
        if line_id in seen:
            problems.append(TakeProblem(index, "this line is listed twice"))
            continue
        seen.add(line_id)
        if quantity <= 0:
            problems.append(TakeProblem(index, "the quantity must be at least 1"))
        elif unit.stock_id is None or unit.free <= 0:
            problems.append(TakeProblem(index, f"nothing of {unit.sku} is left to fulfil from "
                                               "this warehouse"))
        elif quantity > unit.free:
            problems.append(TakeProblem(index, f"only {unit.free} of {unit.sku} can be "
                                               "fulfilled from this warehouse"))
        else:
            takes.append(Take(line_id, unit.stock_id, quantity))
    return ([] if problems else takes), problems


@dataclass(frozen=True, slots=True)
class Package:
    weight_grams: int
    length_cm: int
    width_cm: int
    height_cm: int


def package_problems(packages: Sequence[Package]) -> list[tuple[tuple[str, ...], str]]:
    """(path inside the input, message) for every parcel measure out of bounds."""
    if not 1 <= len(packages) <= MAX_PACKAGES:
        return [(("packages",), f"give 1 to {MAX_PACKAGES} packages")]
    found: list[tuple[tuple[str, ...], str]] = []
    for i, p in enumerate(packages):
        if not 1 <= p.weight_grams <= MAX_WEIGHT_GRAMS:
            found.append((("packages", str(i), "weightGrams"),
                          f"the weight is 1 to {MAX_WEIGHT_GRAMS} grams"))
        for name, value in (("lengthCm", p.length_cm), ("widthCm", p.width_cm),
                            ("heightCm", p.height_cm)):
            if not 1 <= value <= MAX_SIDE_CM:
                found.append((("packages", str(i), name), f"a side is 1 to {MAX_SIDE_CM} cm"))
    return found


def clean_barcode(raw: str) -> str:
    """What a scanner sends, as compared with a SKU: surrounding whitespace (scanners often
    end with a newline) removed; SKUs compare exactly otherwise."""
    return raw.strip()


def shipped_fulfillment_status(line_quantities: Mapping[int, tuple[int, int]]) -> str:
    """The order's fulfilment status after a shipment: ``line_quantities`` maps each order
    line to (quantity ordered, quantity fulfilled after it)."""
    if all(done >= ordered for ordered, done in line_quantities.values()):
        return "FULFILLED"
    return "PARTIALLY_FULFILLED"
