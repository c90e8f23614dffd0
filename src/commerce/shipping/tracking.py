"""A shipment's tracking status, how carrier events move it, and when a customer is told
about a delay (pure; no I/O).

Ordering. Carrier events arrive late, twice and out of order, so the state is built to give
the same answer whatever order the same events are applied in (and applying one twice
changes nothing). ``TrackingState`` keeps a few running maxima (the newest event, the newest
DELIVERED, the newest EXCEPTION, the newest ETA) and derives ``status`` from them:

- The newest event by ``occurred_at`` sets the status; an OLDER event never overwrites a
  newer status. Two events at the same instant: the one further along wins
  (SHIPPED < IN_TRANSIT < DELAYED < OUT_FOR_DELIVERY < EXCEPTION < DELIVERED).
- DELIVERED is final: later IN_TRANSIT / OUT_FOR_DELIVERY / DELAYED scans are ignored.
  Only an EXCEPTION that occurred AFTER the newest DELIVERED reopens it (damaged, delivered
  to the wrong address, returned to sender); from there the newest event rules again, until
  another DELIVERED.
- An event's ETA replaces the ETA only if the event is the newest one carrying an ETA; an
  event without an ETA keeps the one known.

SHIPPED is our own status (the shipment was created with its carrier and tracking number);
carriers report only ``CARRIER_STATUSES``, and any carrier event replaces SHIPPED whatever its
time: a clerk often enters the tracking number after the carrier has already scanned the
parcel at pickup, and the carrier's clock is not ours. (SHIPPED is the bottom of the order,
so the fold stays commutative.) There is no LABEL_CREATED: a shipment exists here
only once it has been handed to the carrier.

Promised date. A shipping method promises ``max_delivery_days`` BUSINESS days (Monday to
Friday), counted from the first business day after the day the parcel shipped (in the
shop's time zone; UTC by default): shipped Friday with 2 days -> promised Tuesday. Public
holidays are not counted out (a slip of a day on a holiday week only makes a notice a day
early). A shipment is late once the whole promised day has passed without DELIVERED.

Delay notice. A notice is due when the promised date has passed undelivered, or the carrier's
current status is DELAYED or EXCEPTION; it is sent once per new ETA: not again while the
expected date it announces (the carrier's ETA, or "unknown" when there is none or it is in
the past) is the one the previous notice announced.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Protocol


class TrackingStatus(StrEnum):
    """Where a shipment is."""

    SHIPPED = "SHIPPED"
    IN_TRANSIT = "IN_TRANSIT"
    DELAYED = "DELAYED"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    EXCEPTION = "EXCEPTION"
    DELIVERED = "DELIVERED"


CARRIER_STATUSES = frozenset({
    TrackingStatus.IN_TRANSIT, TrackingStatus.OUT_FOR_DELIVERY, TrackingStatus.DELIVERED,
    TrackingStatus.EXCEPTION, TrackingStatus.DELAYED,
})
"""The statuses a carrier (webhook or staff entry on its behalf) may report."""

_RANK = {
    TrackingStatus.SHIPPED: 0,
    TrackingStatus.IN_TRANSIT: 1,
    TrackingStatus.DELAYED: 2,
    TrackingStatus.OUT_FOR_DELIVERY: 3,
    TrackingStatus.EXCEPTION: 4,
    TrackingStatus.DELIVERED: 5,
}


class TrackingObservation(Protocol):
    """Anything that says "at ``occurred_at`` the parcel was ``status``, expected ``eta``"."""

    @property
    def status(self) -> TrackingStatus: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def eta(self) -> date | None: ...


@dataclass(frozen=True, slots=True)
class TrackingUpdate:
    """One tracking event (``occurred_at`` timezone-aware)."""

    status: TrackingStatus
    occurred_at: datetime
    eta: date | None = None


def _aware(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")
    return moment


def _later(a: datetime | None, b: datetime) -> datetime:
    return b if a is None or b > a else a


@dataclass(frozen=True, slots=True)
class TrackingState:
    """A shipment's tracking as running maxima over its events (see the module docstring);
    ``status``/``status_at`` are derived. Store the fields, or re-fold the stored events
    with ``fold_events`` - both give the same state."""

    latest_status: TrackingStatus
    latest_at: datetime
    delivered_at: datetime | None = None
    exception_at: datetime | None = None
    eta: date | None = None
    eta_at: datetime | None = None

    @property
    def _delivered_final(self) -> bool:
        return self.delivered_at is not None and (
            self.exception_at is None or self.exception_at <= self.delivered_at)

    @property
    def status(self) -> TrackingStatus:
        return TrackingStatus.DELIVERED if self._delivered_final else self.latest_status

    @property
    def status_at(self) -> datetime:
        """When the current status was reached."""
        if self._delivered_final:
            assert self.delivered_at is not None
            return self.delivered_at
        return self.latest_at

    @property
    def is_delivered(self) -> bool:
        return self.status is TrackingStatus.DELIVERED


def shipped_state(shipped_at: datetime, eta: date | None = None) -> TrackingState:
    """The state of a shipment just handed to its carrier."""
    _aware(shipped_at, "shipped_at")
    return TrackingState(TrackingStatus.SHIPPED, shipped_at, eta=eta,
                         eta_at=shipped_at if eta is not None else None)


def apply_event(current: TrackingState | None, event: TrackingObservation) -> TrackingState:
    """``current`` after ``event``. Commutative and idempotent: any order of the same events
    gives the same state, and a duplicate changes nothing."""
    at = _aware(event.occurred_at, "occurred_at")
    status = TrackingStatus(event.status)
    if current is None:
        current = TrackingState(status, at)
    elif (current.latest_status is TrackingStatus.SHIPPED
          or (at, _RANK[status]) > (current.latest_at, _RANK[current.latest_status])):
        current = replace(current, latest_status=status, latest_at=at)
    if status is TrackingStatus.DELIVERED:
        current = replace(current, delivered_at=_later(current.delivered_at, at))
    elif status is TrackingStatus.EXCEPTION:
        current = replace(current, exception_at=_later(current.exception_at, at))
    if event.eta is not None and (
            current.eta_at is None or current.eta is None
            or (at, event.eta) > (current.eta_at, current.eta)):
        current = replace(current, eta=event.eta, eta_at=at)
    return current


def fold_events(events: Iterable[TrackingObservation],
                start: TrackingState | None = None) -> TrackingState | None:
    """``apply_event`` over ``events`` from ``start`` (None when there are none)."""
    state = start
    for event in events:
        state = apply_event(state, event)
    return state


# -- promised date and delay notices ----------------------------------------------------------

def _local_date(moment: datetime, tz: tzinfo) -> date:
    return _aware(moment, "time").astimezone(tz).date()


def add_business_days(start: date, days: int) -> date:
    """The ``days``-th business day (Mon-Fri) after ``start``; ``start`` itself if 0."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def promised_date(shipped_at: datetime, max_delivery_days: int, *,
                  tz: tzinfo = UTC) -> date:
    """The last day the shipping method promised delivery by: ``max_delivery_days`` business
    days after the (local) day the parcel shipped."""
    if isinstance(max_delivery_days, bool) or max_delivery_days < 0:
        raise ValueError("max_delivery_days must be a non-negative number of days")
    return add_business_days(_local_date(shipped_at, tz), max_delivery_days)


def is_late(promised: date, now: datetime, status: TrackingStatus, *,
            tz: tzinfo = UTC) -> bool:
    """Undelivered and the whole promised day has passed (in ``tz``)."""
    return status is not TrackingStatus.DELIVERED and _local_date(now, tz) > promised


class DelayReason(StrEnum):
    PROMISED_DATE_PASSED = "PROMISED_DATE_PASSED"
    CARRIER_DELAYED = "CARRIER_DELAYED"
    CARRIER_EXCEPTION = "CARRIER_EXCEPTION"


@dataclass(frozen=True, slots=True)
class DelayNotice:
    """A delay to tell the customer about: the new expected date (None: unknown) and why."""

    eta: date | None
    reason: DelayReason


def delay_notice_due(state: TrackingState, *, promised: date | None, now: datetime,
                     previous: DelayNotice | None, tz: tzinfo = UTC) -> DelayNotice | None:
    """The notice to send now, or None: nothing is wrong, the shipment was delivered, or the
    ``previous`` notice already announced the same expected date."""
    status = state.status
    if status is TrackingStatus.DELIVERED:
        return None
    if status is TrackingStatus.EXCEPTION:
        reason = DelayReason.CARRIER_EXCEPTION
    elif status is TrackingStatus.DELAYED:
        reason = DelayReason.CARRIER_DELAYED
    elif promised is not None and is_late(promised, now, status, tz=tz):
        reason = DelayReason.PROMISED_DATE_PASSED
    else:
        return None
    today = _local_date(now, tz)
    eta = state.eta if state.eta is not None and state.eta >= today else None
    if previous is not None and previous.eta == eta:
        return None
    return DelayNotice(eta, reason)


# -- what the customer reads ------------------------------------------------------------------

_STATUS_WORDS = {
    TrackingStatus.SHIPPED: "Shipped",
    TrackingStatus.IN_TRANSIT: "In transit",
    TrackingStatus.DELAYED: "Delayed",
    TrackingStatus.OUT_FOR_DELIVERY: "Out for delivery",
    TrackingStatus.EXCEPTION: "Delivery problem",
    TrackingStatus.DELIVERED: "Delivered",
}

_DELAY_WORDS = {
    DelayReason.PROMISED_DATE_PASSED: "the promised delivery date has passed",
    DelayReason.CARRIER_DELAYED: "the carrier reports a delay",
    DelayReason.CARRIER_EXCEPTION: "the carrier reports a delivery problem",
}


def status_message(status: TrackingStatus, *, location: str | None = None,
                   eta: date | None = None) -> str:
    """One line for the order's tracking log: "In transit (Memphis, TN); expected
    2026-12-03"."""
    text = _STATUS_WORDS[status]
    if location:
        text += f" ({location})"
    if eta is not None and status is not TrackingStatus.DELIVERED:
        text += f"; expected {eta.isoformat()}"
    return text


def delay_message(notice: DelayNotice) -> str:
    """The delay notice's line: why, and the new expected date or "unknown"."""
    expected = notice.eta.isoformat() if notice.eta is not None else "unknown"
    return f"Delayed: {_DELAY_WORDS[notice.reason]}; new expected delivery date: {expected}"
