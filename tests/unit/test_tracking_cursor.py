"""The version rules a live tracking subscriber follows, and its bounded inbox (pure)."""

from __future__ import annotations

from commerce.tracking.changes import payment_confirmed
from commerce.tracking.cursor import Inbox, SeenIds, Step, VersionCursor


def test_the_next_version_is_delivered_and_older_ones_are_dropped() -> None:
    cursor = VersionCursor(3)
    assert cursor.step(4) is Step.DELIVER
    assert cursor.step(3) is Step.DROP
    assert cursor.step(1) is Step.DROP
    cursor.delivered(4)
    assert cursor.last == 4 and cursor.step(4) is Step.DROP and cursor.step(5) is Step.DELIVER


def test_a_version_beyond_the_next_asks_for_the_gap_to_be_filled() -> None:
    cursor = VersionCursor(0)
    assert cursor.step(2) is Step.FILL
    assert cursor.step(1) is Step.DELIVER


def test_delivering_never_moves_the_cursor_back() -> None:
    cursor = VersionCursor(5)
    cursor.delivered(2)
    assert cursor.last == 5


def test_an_inbox_keeps_items_in_order_until_drained() -> None:
    inbox: Inbox[int] = Inbox(3)
    assert inbox.push(1) and inbox.push(2)
    assert inbox.drain() == ([1, 2], False)
    assert inbox.drain() == ([], False)


def test_an_overflowing_inbox_empties_itself_and_asks_for_a_resync() -> None:
    inbox: Inbox[int] = Inbox(2)
    assert inbox.push(1) and inbox.push(2)
    assert not inbox.push(3)
    assert inbox.items == type(inbox.items)() and inbox.resync
    assert not inbox.push(4)  # nothing held while resynchronising: the replay covers it
    assert inbox.drain() == ([], True)
    assert inbox.push(5) and inbox.drain() == ([5], False)


def test_seen_rows_are_recognised_by_id_and_content_and_forgotten_below_a_floor() -> None:
    seen = SeenIds()
    assert seen.add(10, (1, 1)) and not seen.add(10, (1, 1))
    assert seen.seen(10, (1, 1)) and not seen.seen(10, (7, 1))
    assert seen.add(10, (7, 1))  # the id came back for another row: a new row
    seen.add(20, (2, 1))
    seen.forget_below(10)
    assert not seen.seen(10, (7, 1)) and seen.seen(20, (2, 1))


def test_payment_is_confirmed_once_when_it_becomes_paid_or_authorised() -> None:
    assert payment_confirmed("NOT_PAID", "PAID")
    assert payment_confirmed("PARTIALLY_PAID", "PAID")
    assert payment_confirmed("NOT_PAID", "AUTHORIZED")
    assert payment_confirmed("PENDING", "PAID")
    assert not payment_confirmed("AUTHORIZED", "PAID")  # captured later: confirmed already
    assert not payment_confirmed("PAID", "PAID")
    assert not payment_confirmed("NOT_PAID", "PARTIALLY_PAID")
    assert not payment_confirmed("PAID", "PARTIALLY_REFUNDED")
    assert not payment_confirmed("PARTIALLY_REFUNDED", "PAID")


def test_a_stream_resumes_from_since_version_else_from_a_numeric_last_event_id() -> None:
    from commerce.api.graphql.tracking.access import resume_version

    assert resume_version(3, "7") == 3  # the argument wins
    assert resume_version(-2, None) == 0
    assert resume_version(None, " 7 ") == 7
    assert resume_version(None, None) is None
    for garbage in ("", "abc", "7.5", "-1", "1e3", "9" * 13):
        assert resume_version(None, garbage) is None  # a fresh stream, with a snapshot


def test_the_api_enum_lists_every_tracking_log_type_plus_snapshot() -> None:
    # The API enum is declared by hand (for its descriptions); a log type missing from it
    # would crash every stream that meets such an entry.
    from commerce.api.graphql.tracking.types import TrackingEventType
    from commerce.tracking.log import OrderTrackingEventType

    assert {t.value for t in TrackingEventType} == (
        {t.value for t in OrderTrackingEventType} | {"SNAPSHOT"})
