"""Tracking rules: event ordering, DELIVERED finality, promised date, delay notices."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from commerce.shipping.tracking import (
    CARRIER_STATUSES,
    DelayNotice,
    DelayReason,
    TrackingState,
    TrackingStatus,
    TrackingUpdate,
    add_business_days,
    apply_event,
    delay_notice_due,
    fold_events,
    is_late,
    promised_date,
    shipped_state,
)

S = TrackingStatus
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a Tuesday


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def ev(status: TrackingStatus, hours: float, eta: date | None = None) -> TrackingUpdate:
    return TrackingUpdate(status, at(hours), eta)


def fold(*events: TrackingUpdate) -> TrackingState:
    state = fold_events(events, shipped_state(T0))
    assert state is not None
    return state


def test_carrier_statuses_are_the_five_of_the_webhook() -> None:
    assert {s.value for s in CARRIER_STATUSES} == {
        "IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED", "EXCEPTION", "DELAYED"}
    assert S.SHIPPED not in CARRIER_STATUSES


def test_a_shipment_starts_shipped() -> None:
    state = shipped_state(T0, eta=date(2026, 12, 3))
    assert state.status is S.SHIPPED and state.status_at == T0
    assert state.eta == date(2026, 12, 3)
    with pytest.raises(ValueError):
        shipped_state(datetime(2026, 12, 1, 9, 0))


def test_events_move_the_status_forward() -> None:
    state = fold(ev(S.IN_TRANSIT, 1), ev(S.OUT_FOR_DELIVERY, 20))
    assert state.status is S.OUT_FOR_DELIVERY and state.status_at == at(20)
    assert fold(ev(S.IN_TRANSIT, 1), ev(S.OUT_FOR_DELIVERY, 20), ev(S.DELIVERED, 25)).is_delivered


def test_an_older_event_never_overwrites_a_newer_status() -> None:
    state = fold(ev(S.OUT_FOR_DELIVERY, 20), ev(S.IN_TRANSIT, 1))
    assert state.status is S.OUT_FOR_DELIVERY and state.status_at == at(20)
    # A carrier scan timestamped before we recorded the shipment (picked up first, tracking
    # number entered later) still replaces our own SHIPPED.
    assert fold(ev(S.IN_TRANSIT, -5)).status is S.IN_TRANSIT
    assert fold(ev(S.OUT_FOR_DELIVERY, 20), ev(S.IN_TRANSIT, -5)).status is S.OUT_FOR_DELIVERY


def test_a_newer_event_may_go_back() -> None:
    # A newer DELAYED after OUT_FOR_DELIVERY (the van came back) is the truth now.
    assert fold(ev(S.OUT_FOR_DELIVERY, 20), ev(S.DELAYED, 22)).status is S.DELAYED
    assert fold(ev(S.EXCEPTION, 20), ev(S.IN_TRANSIT, 22)).status is S.IN_TRANSIT


def test_a_tie_goes_to_the_status_further_along() -> None:
    assert fold(ev(S.OUT_FOR_DELIVERY, 5), ev(S.IN_TRANSIT, 5)).status is S.OUT_FOR_DELIVERY
    assert fold(ev(S.IN_TRANSIT, 5), ev(S.OUT_FOR_DELIVERY, 5)).status is S.OUT_FOR_DELIVERY


def test_delivered_is_final_against_later_scans() -> None:
    state = fold(ev(S.DELIVERED, 10), ev(S.IN_TRANSIT, 12), ev(S.OUT_FOR_DELIVERY, 13),
                 ev(S.DELAYED, 14))
    assert state.status is S.DELIVERED and state.status_at == at(10)


def test_a_later_exception_reopens_a_delivery() -> None:
    state = fold(ev(S.DELIVERED, 10), ev(S.EXCEPTION, 30))
    assert state.status is S.EXCEPTION and state.status_at == at(30)
    # ... then the newest event rules again (returned to sender) ...
    assert fold(ev(S.DELIVERED, 10), ev(S.EXCEPTION, 30),
                ev(S.IN_TRANSIT, 31)).status is S.IN_TRANSIT
    # ... until the next delivery.
    assert fold(ev(S.DELIVERED, 10), ev(S.EXCEPTION, 30), ev(S.IN_TRANSIT, 31),
                ev(S.DELIVERED, 40)).status is S.DELIVERED


def test_an_earlier_or_simultaneous_exception_does_not_reopen_a_delivery() -> None:
    assert fold(ev(S.EXCEPTION, 5), ev(S.DELIVERED, 10)).status is S.DELIVERED
    assert fold(ev(S.DELIVERED, 10), ev(S.EXCEPTION, 10)).status is S.DELIVERED


EVENT_SETS = [
    [ev(S.IN_TRANSIT, 1), ev(S.OUT_FOR_DELIVERY, 20), ev(S.DELIVERED, 25),
     ev(S.IN_TRANSIT, 26)],
    [ev(S.IN_TRANSIT, 1, date(2026, 12, 3)), ev(S.DELAYED, 5, date(2026, 12, 7)),
     ev(S.DELIVERED, 10), ev(S.EXCEPTION, 30), ev(S.IN_TRANSIT, 40, date(2026, 12, 9))],
    [ev(S.DELIVERED, 10), ev(S.EXCEPTION, 30), ev(S.DELAYED, 30), ev(S.EXCEPTION, 5),
     ev(S.OUT_FOR_DELIVERY, 10)],
    [ev(S.IN_TRANSIT, 5, date(2026, 12, 4)), ev(S.IN_TRANSIT, 5, date(2026, 12, 3)),
     ev(S.OUT_FOR_DELIVERY, 6)],
]


@pytest.mark.parametrize("events", EVENT_SETS)
def test_any_order_gives_the_same_state(events: list[TrackingUpdate]) -> None:
    results = {fold(*order) for order in itertools.permutations(events)}
    assert len(results) == 1


@pytest.mark.parametrize("events", EVENT_SETS)
def test_a_duplicate_changes_nothing(events: list[TrackingUpdate]) -> None:
    state = fold(*events)
    for event in events:
        assert apply_event(state, event) == state


def test_the_newest_eta_wins_and_events_without_one_keep_it() -> None:
    state = fold(ev(S.IN_TRANSIT, 1, date(2026, 12, 3)), ev(S.DELAYED, 5, date(2026, 12, 7)),
                 ev(S.OUT_FOR_DELIVERY, 30))
    assert state.eta == date(2026, 12, 7)
    # An older event's ETA does not replace a newer one.
    assert apply_event(state, ev(S.IN_TRANSIT, 2, date(2026, 12, 2))).eta == date(2026, 12, 7)


def test_the_first_event_without_a_start_state() -> None:
    state = apply_event(None, ev(S.IN_TRANSIT, 1))
    assert state.status is S.IN_TRANSIT
    assert fold_events([]) is None


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        apply_event(shipped_state(T0), TrackingUpdate(S.IN_TRANSIT, datetime(2026, 12, 1)))


# -- promised date --------------------------------------------------------------------------

@pytest.mark.parametrize(("shipped", "days", "promised"), [
    (date(2026, 12, 1), 1, date(2026, 12, 2)),    # Tue + 1 -> Wed
    (date(2026, 12, 1), 3, date(2026, 12, 4)),    # Tue + 3 -> Fri
    (date(2026, 12, 4), 1, date(2026, 12, 7)),    # Fri + 1 -> Mon
    (date(2026, 12, 4), 2, date(2026, 12, 8)),    # Fri + 2 -> Tue
    (date(2026, 12, 5), 1, date(2026, 12, 7)),    # Sat + 1 -> Mon
    (date(2026, 12, 6), 1, date(2026, 12, 7)),    # Sun + 1 -> Mon
    (date(2026, 12, 1), 5, date(2026, 12, 8)),    # a whole week
    (date(2026, 12, 1), 10, date(2026, 12, 15)),  # two weekends
    (date(2026, 12, 1), 0, date(2026, 12, 1)),    # same day
])
def test_promised_date_counts_business_days(shipped: date, days: int, promised: date) -> None:
    shipped_at = datetime.combine(shipped, datetime.min.time(), UTC) + timedelta(hours=15)
    assert promised_date(shipped_at, days) == promised
    assert add_business_days(shipped, days) == promised


def test_promised_date_uses_the_shop_time_zone() -> None:
    # 23:30 on Friday in New York is already Saturday in UTC.
    new_york = timezone(timedelta(hours=-5))
    shipped_at = datetime(2026, 12, 5, 4, 30, tzinfo=UTC)
    assert promised_date(shipped_at, 1) == date(2026, 12, 7)                  # Sat -> Mon
    assert promised_date(shipped_at, 2, tz=new_york) == date(2026, 12, 8)     # Fri -> Tue


@pytest.mark.parametrize("days", [-1, True])
def test_promised_date_refuses_nonsense(days: int) -> None:
    with pytest.raises(ValueError):
        promised_date(T0, days)
    with pytest.raises(ValueError):
        promised_date(datetime(2026, 12, 1), 2)


def test_late_once_the_whole_promised_day_has_passed_undelivered() -> None:
    promised = date(2026, 12, 4)
    assert not is_late(promised, datetime(2026, 12, 4, 23, 59, tzinfo=UTC), S.IN_TRANSIT)
    assert is_late(promised, datetime(2026, 12, 5, 0, 0, tzinfo=UTC), S.IN_TRANSIT)
    assert not is_late(promised, datetime(2026, 12, 9, tzinfo=UTC), S.DELIVERED)


# -- delay notices ----------------------------------------------------------------------------

PROMISED = date(2026, 12, 4)
BEFORE = datetime(2026, 12, 3, 12, tzinfo=UTC)
AFTER = datetime(2026, 12, 5, 12, tzinfo=UTC)


def test_no_notice_while_on_time() -> None:
    assert delay_notice_due(fold(ev(S.IN_TRANSIT, 1)), promised=PROMISED, now=BEFORE,
                            previous=None) is None


def test_a_passed_promise_gives_one_notice_with_an_unknown_eta() -> None:
    state = fold(ev(S.IN_TRANSIT, 1))
    notice = delay_notice_due(state, promised=PROMISED, now=AFTER, previous=None)
    assert notice == DelayNotice(None, DelayReason.PROMISED_DATE_PASSED)
    assert delay_notice_due(state, promised=PROMISED, now=AFTER + timedelta(days=1),
                            previous=notice) is None


@pytest.mark.parametrize(("status", "reason"), [
    (S.DELAYED, DelayReason.CARRIER_DELAYED), (S.EXCEPTION, DelayReason.CARRIER_EXCEPTION)])
def test_a_carrier_delay_or_exception_gives_a_notice_before_the_promise(
        status: TrackingStatus, reason: DelayReason) -> None:
    state = fold(ev(status, 1, date(2026, 12, 8)))
    notice = delay_notice_due(state, promised=PROMISED, now=BEFORE, previous=None)
    assert notice == DelayNotice(date(2026, 12, 8), reason)


def test_one_notice_per_new_eta() -> None:
    state = fold(ev(S.DELAYED, 1, date(2026, 12, 8)))
    first = delay_notice_due(state, promised=PROMISED, now=BEFORE, previous=None)
    assert first is not None
    # The same ETA again (another DELAYED scan, the promise passing): nothing new to say.
    state = apply_event(state, ev(S.DELAYED, 5, date(2026, 12, 8)))
    assert delay_notice_due(state, promised=PROMISED, now=BEFORE, previous=first) is None
    assert delay_notice_due(state, promised=PROMISED, now=AFTER, previous=first) is None
    # A new ETA: a new notice.
    state = apply_event(state, ev(S.DELAYED, 6, date(2026, 12, 10)))
    second = delay_notice_due(state, promised=PROMISED, now=AFTER, previous=first)
    assert second == DelayNotice(date(2026, 12, 10), DelayReason.CARRIER_DELAYED)
    # The announced ETA passes undelivered: one more notice, "unknown" ...
    late = datetime(2026, 12, 11, 12, tzinfo=UTC)
    third = delay_notice_due(state, promised=PROMISED, now=late, previous=second)
    assert third == DelayNotice(None, DelayReason.CARRIER_DELAYED)
    # ... and then no more until the carrier gives a date.
    assert delay_notice_due(state, promised=PROMISED, now=late + timedelta(days=3),
                            previous=third) is None


def test_no_notice_once_delivered() -> None:
    state = fold(ev(S.DELAYED, 1, date(2026, 12, 8)), ev(S.DELIVERED, 50))
    assert delay_notice_due(state, promised=PROMISED, now=AFTER, previous=None) is None


def test_no_promise_no_promise_notice() -> None:
    state = fold(ev(S.IN_TRANSIT, 1))
    assert delay_notice_due(state, promised=None, now=AFTER, previous=None) is None


# -- messages for the order's tracking log ---------------------------------------------------

def test_status_messages_name_the_place_and_the_expected_date() -> None:
    from commerce.shipping.tracking import status_message

    assert status_message(TrackingStatus.IN_TRANSIT, location="Memphis, TN",
                          eta=date(2030, 1, 2)) == "In transit (Memphis, TN); expected 2030-01-02"
    assert status_message(TrackingStatus.OUT_FOR_DELIVERY) == "Out for delivery"
    # A delivered parcel has no expected date any more.
    assert status_message(TrackingStatus.DELIVERED, eta=date(2030, 1, 2)) == "Delivered"


def test_delay_messages_give_the_new_date_or_unknown() -> None:
    from commerce.shipping.tracking import DelayNotice, DelayReason, delay_message

    assert delay_message(DelayNotice(date(2030, 1, 9), DelayReason.CARRIER_DELAYED)) == (
        "Delayed: the carrier reports a delay; new expected delivery date: 2030-01-09")
    assert delay_message(DelayNotice(None, DelayReason.PROMISED_DATE_PASSED)).endswith(
        "the promised delivery date has passed; new expected delivery date: unknown")
