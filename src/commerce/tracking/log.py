"""The order's tracking log: what a customer (or a staff dashboard) watching an order sees.

Every change a customer would care about appends one ``order_tracking_events`` row in the
transaction of the change itself: the order's ``tracking_version`` is bumped by one with a
single ``UPDATE ... RETURNING`` (which also takes the order's row lock on PostgreSQL and the
write lock on SQLite), and the row gets that number. So versions per order are 1, 2, 3...
without gaps and in commit order, and a client that has seen version ``n`` gets exactly the
rows after ``n``. Each entry is also an outbox event (``order.tracking``), which is what
e-mail and later consumers read.

After the transaction commits, the ids of the orders that changed are handed to the
registered commit listeners (the live-subscription hub's wake-up); a lost wake-up only
delays an update, because subscribers read the rows, never the wake-up.

On PostgreSQL the same ids also go to other processes: one ``pg_notify`` per transaction,
issued inside it just before it commits. NOTIFY is transactional, so the notice is delivered
when (and only if) the change commits, never before its rows are visible
(``tracking/wakeups.py`` listens).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import event, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from commerce.db.models import Order, OrderTrackingEvent
from commerce.events.outbox import emit
from commerce.shared.clock import utcnow
from commerce.tracking.wakeup_payload import CHANNEL, encode_order_ids

log = logging.getLogger("commerce.tracking")

_CHANGED = "commerce.tracking.changed"
_NOTIFIED = "commerce.tracking.notified"

TRACKING_EVENT = "order.tracking"
"""The outbox event type every tracking log entry is also written as."""


class OrderTrackingEventType(StrEnum):
    """What happened to an order, as its customer sees it."""

    PLACED = "PLACED"
    PAYMENT_CONFIRMED = "PAYMENT_CONFIRMED"
    ON_HOLD = "ON_HOLD"
    RELEASED = "RELEASED"
    PICKING = "PICKING"
    PACKED = "PACKED"
    SHIPPED = "SHIPPED"
    IN_TRANSIT = "IN_TRANSIT"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    DELIVERED = "DELIVERED"
    DELAYED = "DELAYED"
    CANCELED = "CANCELED"
    REFUNDED = "REFUNDED"
    RETURN_REQUESTED = "RETURN_REQUESTED"
    RETURN_APPROVED = "RETURN_APPROVED"
    RETURN_DECLINED = "RETURN_DECLINED"
    RETURN_RECEIVED = "RETURN_RECEIVED"


_listeners: list[Callable[[Collection[int]], None]] = []


def add_change_listener(listener: Callable[[Collection[int]], None]) -> None:
    """Call ``listener(order_ids)`` after each commit that appended tracking events."""
    _listeners.append(listener)


def remove_change_listener(listener: Callable[[Collection[int]], None]) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


async def record(session: AsyncSession, order_id: int, type: OrderTrackingEventType, *,
                 shipment_id: int | None = None, message: str = "",
                 data: dict[str, Any] | None = None,
                 occurred_at: datetime | None = None) -> int:
    """Append an entry to the order's tracking log; returns its version. Call inside the
    transaction that makes the change (after taking the order's lock where the caller
    needs one; this UPDATE takes it anyway)."""
    bumped = (await session.execute(
        update(Order).where(Order.id == order_id)
        .values(tracking_version=Order.tracking_version + 1)
        .returning(Order.tracking_version, Order.status)
        .execution_options(synchronize_session=False))).one()
    version, order_status = int(bumped[0]), str(bumped[1])
    at = occurred_at or utcnow()
    body = data or {}
    await session.execute(insert(OrderTrackingEvent).values(
        order_id=order_id, version=version, type=type.value, shipment_id=shipment_id,
        message=message, order_status=order_status, data=body, occurred_at=at))
    await emit(session, TRACKING_EVENT, "order", order_id, {
        "order_id": order_id, "version": version, "type": type.value,
        "shipment_id": shipment_id, "message": message, "order_status": order_status,
        "occurred_at": at.isoformat(), "data": body})
    session.info.setdefault(_CHANGED, set()).add(order_id)
    return version


def placed_entry(session: AsyncSession, order_id: int, *, order_status: str,
                 occurred_at: datetime, message: str = "",
                 data: dict[str, Any] | None = None
                 ) -> tuple[dict[str, Any], tuple[str, str, int, dict[str, Any]]]:
    """The PLACED entry (version 1) of an order inserted with ``tracking_version=1``: the
    row's values and its outbox event, for the caller to insert with the order's other rows
    and to queue with its other events. Checkout is the hottest write path, so it pays one
    INSERT for its entry instead of ``record``'s UPDATE + INSERT (the order row is new and
    locked by its transaction, so nobody can have bumped the counter)."""
    body = data or {}
    row = {"order_id": order_id, "version": 1, "type": OrderTrackingEventType.PLACED.value,
           "shipment_id": None, "message": message, "order_status": order_status,
           "data": body, "occurred_at": occurred_at}
    event = (TRACKING_EVENT, "order", order_id, {
        "order_id": order_id, "version": 1, "type": OrderTrackingEventType.PLACED.value,
        "shipment_id": None, "message": message, "order_status": order_status,
        "occurred_at": occurred_at.isoformat(), "data": body})
    session.info.setdefault(_CHANGED, set()).add(order_id)
    return row, event


@event.listens_for(Session, "before_commit")
def _notify_other_processes(session: Session) -> None:
    """PostgreSQL: NOTIFY the changed orders in the committing transaction itself. Runs
    again for a savepoint's release; ids already notified in this transaction are skipped
    (an extra notice would only cost a read)."""
    changed: set[int] | None = session.info.get(_CHANGED)
    if not changed:
        return
    notified: set[int] = session.info.setdefault(_NOTIFIED, set())
    pending = changed - notified
    if not pending or session.get_bind().dialect.name != "postgresql":
        return
    for payload in encode_order_ids(pending):
        session.execute(select(func.pg_notify(CHANNEL, payload)))
    notified |= pending


@event.listens_for(Session, "after_commit")
def _notify_changed(session: Session) -> None:
    session.info.pop(_NOTIFIED, None)
    changed = session.info.pop(_CHANGED, None)
    if changed:
        for listener in list(_listeners):
            try:
                listener(changed)
            except Exception:  # a wake-up must never fail the caller's commit
                log.exception("tracking change listener failed")


@event.listens_for(Session, "after_soft_rollback")
def _drop_changed(session: Session, _previous_transaction: object) -> None:
    session.info.pop(_CHANGED, None)
    session.info.pop(_NOTIFIED, None)
