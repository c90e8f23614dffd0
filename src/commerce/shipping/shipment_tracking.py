"""Applying a tracking event to a shipment (carrier webhook or staff entry) and telling the
order's customer what changed.

One event, one transaction:

1. Find the shipment (by carrier + normalised tracking number, or by id), then lock the
   ORDER first and the shipment second (FOR UPDATE on PostgreSQL; SQLite runs one writer at a
   time). Every writer to an order takes its lock first, so two events for two shipments of
   the same order serialise (the "all delivered?" check below sees both), and the fixed order
   (order, then shipment) cannot deadlock with the fulfilment use cases.
2. Store the event: ``INSERT ... ON CONFLICT (carrier, external_id) DO NOTHING``. When it
   inserts nothing the event was stored before (a redelivery, or a twin delivery that won the
   race): nothing else happens.
3. Fold it into the shipment's stored running maxima (``shipping.tracking.apply_event``), so
   events apply in any order and an older event never overwrites a newer status; write the
   maxima and the derived status back.
4. Tell the customer, in the order's tracking log (``tracking.log.record``): one entry when
   the visible status became IN_TRANSIT, OUT_FOR_DELIVERY or DELIVERED; a DELAYED entry when
   ``delay_notice_due`` says so (carrier DELAYED/EXCEPTION, or the promised date passed),
   once per new expected date. Because entries follow the derived status, a late, older
   event adds no entry: the log never goes backwards.
5. The order's fulfilment status: FULFILLED -> DELIVERED once every shipment of the order is
   delivered; back to FULFILLED when an EXCEPTION after delivery reopens one.

Delay notices also come from ``check_delays`` (a periodic sweep, for promised dates that
pass with no carrier event at all). Both paths write the notice with a conditional UPDATE of
``delay_notified_at``/``delay_notified_eta`` (WHERE they still hold what was read), so two
sweepers, or a sweeper and a webhook, cannot announce the same date twice.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Row, and_, case, func, null, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.database import Database
from commerce.db.models import Order, Shipment, ShipmentEvent
from commerce.db.upsert import insert_for
from commerce.integrations.carriers.webhooks import MAX_EVENT_SKEW, MAX_LOCATION_LENGTH
from commerce.orders.locking import lock_order
from commerce.orders.state import FulfillmentStatus, fulfillment_transition
from commerce.shared.clock import utcnow
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, Problem, Problems
from commerce.shipping.carriers import Carrier, tracking_url
from commerce.shipping.tracking import (
    CARRIER_STATUSES,
    DelayNotice,
    DelayReason,
    TrackingState,
    TrackingStatus,
    TrackingUpdate,
    apply_event,
    delay_message,
    delay_notice_due,
    status_message,
)
from commerce.tracking.log import OrderTrackingEventType, record

log = logging.getLogger("commerce.shipping.tracking")

MAX_MESSAGE_LENGTH = 1000

# Visible statuses that get their own tracking log entry; DELAYED and EXCEPTION are told
# through the delay-notice rule (once per new expected date), SHIPPED by the shipment's
# creation.
_ENTRY_FOR = {
    TrackingStatus.IN_TRANSIT: OrderTrackingEventType.IN_TRANSIT,
    TrackingStatus.OUT_FOR_DELIVERY: OrderTrackingEventType.OUT_FOR_DELIVERY,
    TrackingStatus.DELIVERED: OrderTrackingEventType.DELIVERED,
}


class EventSource(StrEnum):
    CARRIER = "CARRIER"
    STAFF = "STAFF"


class ShipmentNotFound(DomainError):
    """No shipment has this id (or this carrier + tracking number)."""

    def __init__(self, message: str) -> None:
        super().__init__([Problem(ErrorCode.NOT_FOUND, message, ("shipmentId",))])


@dataclass(frozen=True, slots=True)
class TrackingResult:
    """What one event did: ``applied`` is False for a duplicate (nothing changed);
    ``versions`` are the order tracking log entries appended."""

    shipment_id: int
    order_id: int
    applied: bool
    status: TrackingStatus
    versions: tuple[int, ...] = ()


@dataclass(slots=True)
class DelayCheckReport:
    """What a sweep did: shipments looked at, and notices recorded."""

    checked: int = 0
    notified: int = 0
    order_ids: list[int] = field(default_factory=list)


# -- shared steps -----------------------------------------------------------------------------

def _state(row: Row[Any]) -> TrackingState:
    return TrackingState(TrackingStatus(row.latest_status), row.latest_at,
                         delivered_at=row.delivered_at, exception_at=row.exception_at,
                         eta=row.eta, eta_at=row.eta_at)


def _previous_notice(row: Row[Any]) -> DelayNotice | None:
    # The reason of the previous notice is not stored: only its date decides "new ETA".
    if row.delay_notified_at is None:
        return None
    return DelayNotice(row.delay_notified_eta, DelayReason.PROMISED_DATE_PASSED)


async def _lock_shipment(session: AsyncSession, shipment_id: int) -> Row[Any]:
    """The shipment's row, locked until the transaction ends (the order's lock is held)."""
    statement = select(Shipment.__table__).where(Shipment.id == shipment_id)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    return (await session.execute(statement)).one()


def _today(now: datetime) -> date:
    # The shop's time zone is UTC (``shipping.tracking``'s default); a setting would go here.
    return now.date()


async def _notify_delay(session: AsyncSession, shipment: Row[Any], state: TrackingState,
                        now: datetime) -> int | None:
    """Record a DELAYED entry if one is due and nobody recorded it meanwhile; its version."""
    notice = delay_notice_due(state, promised=shipment.promised_date, now=now,
                              previous=_previous_notice(shipment))
    if notice is None:
        return None
    # Conditional on what was read: of two writers that both saw the same previous notice,
    # only the first changes the row; the second updates nothing and says nothing.
    claimed = await session.execute(
        update(Shipment)
        .where(Shipment.id == shipment.id,
               Shipment.delay_notified_at.is_not_distinct_from(shipment.delay_notified_at),
               Shipment.delay_notified_eta.is_not_distinct_from(shipment.delay_notified_eta))
        .values(delay_notified_at=now, delay_notified_eta=notice.eta)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return await record(
        session, shipment.order_id, OrderTrackingEventType.DELAYED, shipment_id=shipment.id,
        message=delay_message(notice),
        data={"reason": notice.reason.value,
              "eta": notice.eta.isoformat() if notice.eta is not None else None,
              "previous_eta": (shipment.delay_notified_eta.isoformat()
                               if shipment.delay_notified_eta is not None else None),
              "promised_date": (shipment.promised_date.isoformat()
                                if shipment.promised_date is not None else None),
              "shipment_status": state.status.value,
              **_links(shipment)})


def _links(shipment: Row[Any]) -> dict[str, Any]:
    carrier = Carrier(shipment.carrier)
    return {"carrier": carrier.value, "tracking_number": shipment.tracking_number,
            "tracking_url": tracking_url(carrier, shipment.tracking_number)}


async def _update_fulfillment_status(session: AsyncSession, order: Order, shipment_id: int,
                                     before: TrackingStatus, after: TrackingStatus) -> None:
    """FULFILLED -> DELIVERED when this delivery was the last one outstanding; DELIVERED ->
    FULFILLED when an exception reopened a delivered shipment."""
    current = FulfillmentStatus(order.fulfillment_status)
    if after is TrackingStatus.DELIVERED and before is not TrackingStatus.DELIVERED:
        if current is not FulfillmentStatus.FULFILLED:
            return  # partly fulfilled: more is still to ship
        outstanding = (await session.execute(
            select(func.count()).select_from(Shipment)
            .where(Shipment.order_id == order.id, Shipment.id != shipment_id,
                   Shipment.status != TrackingStatus.DELIVERED.value))).scalar_one()
        if outstanding:
            return
        target = FulfillmentStatus.DELIVERED
    elif before is TrackingStatus.DELIVERED and after is not TrackingStatus.DELIVERED:
        if current is not FulfillmentStatus.DELIVERED:
            return
        target = FulfillmentStatus.FULFILLED
    else:
        return
    await session.execute(
        update(Order).where(Order.id == order.id)
        .values(fulfillment_status=fulfillment_transition(current, target).value)
        .execution_options(synchronize_session=False))
    order.fulfillment_status = target.value


# -- the use cases ----------------------------------------------------------------------------

async def _find_shipment(session: AsyncSession, *, carrier: Carrier | None,
                         tracking_number: str | None,
                         shipment_id: int | None) -> tuple[int, int]:
    if shipment_id is not None:
        where = Shipment.id == shipment_id
    elif carrier is not None and tracking_number is not None:
        where = and_(Shipment.carrier == carrier.value,
                     Shipment.tracking_number == tracking_number)
    else:
        raise ValueError("give shipment_id, or carrier and tracking_number")
    found = (await session.execute(select(Shipment.id, Shipment.order_id).where(where))
             ).one_or_none()
    if found is None:
        raise ShipmentNotFound("no shipment has this tracking number"
                               if shipment_id is None else "no such shipment")
    return int(found[0]), int(found[1])


async def apply_tracking_event(
        db: Database, *, external_id: str, status: TrackingStatus, occurred_at: datetime,
        carrier: Carrier | None = None, tracking_number: str | None = None,
        shipment_id: int | None = None, eta: date | None = None, location: str | None = None,
        message: str = "", source: EventSource = EventSource.CARRIER,
        actor_id: int | None = None, now: datetime | None = None) -> TrackingResult:
    """Store a tracking event once and apply it (see the module docstring). The shipment is
    found by ``shipment_id``, or by ``carrier`` + normalised ``tracking_number``; raises
    ``ShipmentNotFound``. A duplicate (same carrier and ``external_id``) changes nothing."""
    if status not in CARRIER_STATUSES:
        raise ValueError(f"{status} is not a carrier status")
    moment = now or utcnow()
    async with db.transaction() as session:
        pk, order_id = await _find_shipment(session, carrier=carrier,
                                            tracking_number=tracking_number,
                                            shipment_id=shipment_id)
        order = await lock_order(session, order_id)
        shipment = await _lock_shipment(session, pk)
        stored = (await session.execute(
            insert_for(session, ShipmentEvent).values(
                shipment_id=pk, carrier=shipment.carrier, external_id=external_id,
                status=status.value, occurred_at=occurred_at, eta=eta,
                location=location or "", message=message, source=source.value,
                created_by=actor_id, created_at=moment)
            .on_conflict_do_nothing(index_elements=["carrier", "external_id"])
            .returning(ShipmentEvent.id))).scalar_one_or_none()
        before = _state(shipment)
        if stored is None:
            return TrackingResult(pk, order_id, False, before.status)
        after = apply_event(before, TrackingUpdate(status, occurred_at, eta))
        await session.execute(
            update(Shipment).where(Shipment.id == pk)
            .values(status=after.status.value, status_at=after.status_at,
                    latest_status=after.latest_status.value, latest_at=after.latest_at,
                    delivered_at=after.delivered_at, exception_at=after.exception_at,
                    eta=after.eta, eta_at=after.eta_at)
            .execution_options(synchronize_session=False))
        await _update_fulfillment_status(session, order, pk, before.status, after.status)
        versions: list[int] = []
        entry = _ENTRY_FOR.get(after.status)
        if entry is not None and after.status is not before.status:
            versions.append(await record(
                session, order_id, entry, shipment_id=pk,
                message=status_message(after.status, location=location, eta=after.eta),
                data={"shipment_status": after.status.value,
                      "occurred_at": occurred_at.isoformat(), "location": location,
                      "eta": after.eta.isoformat() if after.eta is not None else None,
                      **_links(shipment)}))
        delayed = await _notify_delay(session, shipment, after, moment)
        if delayed is not None:
            versions.append(delayed)
    return TrackingResult(pk, order_id, True, after.status, tuple(versions))


def _staff_problems(status: TrackingStatus, occurred_at: datetime, location: str,
                    message: str, now: datetime) -> Problems:
    problems = Problems()
    if status not in CARRIER_STATUSES:
        allowed = ", ".join(sorted(s.value for s in CARRIER_STATUSES))
        problems.add(ErrorCode.INVALID, f"must be a carrier status: {allowed}", ["status"])
    if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        problems.add(ErrorCode.INVALID, "must be a date-time with a UTC offset",
                     ["occurredAt"])
    elif occurred_at > now + MAX_EVENT_SKEW:
        problems.add(ErrorCode.INVALID, "must not be in the future", ["occurredAt"])
    if len(location) > MAX_LOCATION_LENGTH:
        problems.add(ErrorCode.INVALID, f"at most {MAX_LOCATION_LENGTH} characters",
                     ["location"])
    if len(message) > MAX_MESSAGE_LENGTH:
        problems.add(ErrorCode.INVALID, f"at most {MAX_MESSAGE_LENGTH} characters",
                     ["message"])
    return problems


async def add_staff_event(db: Database, shipment_id: int, *, status: TrackingStatus,
                          occurred_at: datetime | None = None, eta: date | None = None,
                          location: str = "", message: str = "", actor_id: int | None,
                          now: datetime | None = None) -> TrackingResult:
    """A tracking event entered by staff (e.g. from a carrier's phone call): validated, then
    applied like a carrier's, under a generated id. Raises ``DomainError``."""
    moment = now or utcnow()
    at = occurred_at or moment
    location, message = location.strip(), message.strip()
    _staff_problems(status, at, location, message, moment).raise_if_any()
    return await apply_tracking_event(
        db, external_id=f"staff-{uuid.uuid4().hex}", status=status, occurred_at=at,
        shipment_id=shipment_id, eta=eta, location=location or None, message=message,
        source=EventSource.STAFF, actor_id=actor_id, now=moment)


# -- the delay sweep --------------------------------------------------------------------------

def _candidates(today: date, after: int, batch: int) -> Any:
    """Undelivered shipments that may owe a delay notice: past their promised date, or
    DELAYED/EXCEPTION (their ETA may have passed since the last notice), and whose last
    notice (if any) announced another date than the one a notice would announce now."""
    announced = case((Shipment.eta >= today, Shipment.eta), else_=null())
    return (select(Shipment.id, Shipment.order_id)
            .where(Shipment.status != TrackingStatus.DELIVERED.value,
                   or_(Shipment.promised_date < today,
                       Shipment.status.in_([TrackingStatus.DELAYED.value,
                                            TrackingStatus.EXCEPTION.value])),
                   or_(Shipment.delay_notified_at.is_(None),
                       announced.is_distinct_from(Shipment.delay_notified_eta)),
                   Shipment.id > after)
            .order_by(Shipment.id).limit(batch))


async def _check_one(db: Database, shipment_id: int, order_id: int, now: datetime) -> bool:
    async with db.transaction() as session:
        await lock_order(session, order_id)
        shipment = await _lock_shipment(session, shipment_id)
        return await _notify_delay(session, shipment, _state(shipment), now) is not None


async def check_delays(db: Database, now: datetime | None = None, *,
                       batch: int = 100) -> DelayCheckReport:
    """Record the delay notices due at ``now`` (one statement per page of ``batch``
    candidates, one short transaction per candidate). Safe to run in several processes at
    once: a notice is claimed by a conditional update."""
    moment = now or utcnow()
    today = _today(moment)
    report = DelayCheckReport()
    after = 0
    while True:
        # Read outside any write transaction (on SQLite that would hold the write lock).
        page = await db.reader(hold=False).all(_candidates(today, after, batch))
        for row in page:
            report.checked += 1
            if await _check_one(db, int(row.id), int(row.order_id), moment):
                report.notified += 1
                report.order_ids.append(int(row.order_id))
        if len(page) < batch:
            return report
        after = int(page[-1].id)
