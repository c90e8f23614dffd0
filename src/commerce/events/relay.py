"""The outbox relay: every outbox event reaches every consumer at least once, and no
consumer applies one twice.

How (one ``relay_once`` pass, per consumer):

1. **Fan out** (own short transaction): an ``outbox_deliveries`` row for each unpublished
   event the consumer has no row for yet. The row is unique on (consumer, event id), so two
   relays fanning out the same events at once end up with one row (the second insert waits
   for the first and then does nothing).
2. **Claim and deliver** (one transaction): the consumer's due, undelivered rows, oldest event
   first, locked with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (another relay skips them and
   takes the next ones instead of waiting or delivering them too); on SQLite the transaction
   holds the database's write lock. The handler runs INSIDE this transaction, in a savepoint,
   and the row's ``delivered_at`` is written in the same transaction after it: a handler
   whose effects are database writes through ``event.session`` commits them atomically with
   the delivery record (exactly once), and a handler with outside effects (mail, webhooks,
   the broker) is repeated only when the process dies between the effect and the commit,
   with the same event id to recognise it by. A handler that raises has its savepoint rolled
   back and the row gets ``attempts + 1``, ``last_error`` and a ``next_attempt_at`` with
   exponential backoff; the consumer's other events and the other consumers go on.
3. **Publish** (own transaction, after the deliveries committed, so the relay committing last
   sees every consumer's row): events every consumer has delivered get ``published_at``.

``prune`` deletes events published more than the retention period ago (with their rows).
All relays of a deployment must run the same set of consumers: an event is published, and so
no longer fanned out, once the consumers of the relay that saw it last have it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.database import Database
from commerce.db.models import OutboxDelivery, OutboxEvent
from commerce.shared.clock import utcnow

log = logging.getLogger("commerce.relay")

# Retry a failed delivery after 5 s, 10 s, 20 s... at most an hour apart.
BACKOFF_FIRST = timedelta(seconds=5)
BACKOFF_MAX = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class RelayedEvent:
    """An outbox event handed to a consumer. ``session`` is the delivery's transaction: a
    consumer whose effects are database writes makes them there, so they commit with the
    record of the delivery (or not at all)."""

    id: int
    type: str
    aggregate_type: str
    aggregate_id: int
    payload: dict[str, Any]
    created_at: datetime
    attempt: int  # 1 on the first delivery
    session: AsyncSession = field(repr=False)


Consumer = Callable[[RelayedEvent], Awaitable[None]]


@dataclass(slots=True)
class RelayReport:
    delivered: int = 0
    failed: int = 0
    published: int = 0
    # Every consumer's claim came back full: there is probably more to do right away.
    more: bool = False


def backoff(attempts: int) -> timedelta:
    """How long to wait before the next try after ``attempts`` failed ones (≥ 1)."""
    doublings: int = min(max(attempts - 1, 0), 20)
    delay: timedelta = BACKOFF_FIRST * (2 ** doublings)
    return min(delay, BACKOFF_MAX)


async def _log_consumer(event: RelayedEvent) -> None:
    log.debug("outbox event", extra={"event_id": event.id, "event_type": event.type,
                                     "aggregate": f"{event.aggregate_type}:{event.aggregate_id}"})


def default_consumers() -> dict[str, Consumer]:
    """The consumers ``commerce serve``/``demo``/``worker`` run. Only a logging one so far;
    subscriptions, e-mail, webhooks and the ledger join as they arrive (a new consumer gets
    the events not yet published when it starts)."""
    return {"log": _log_consumer}


def _insert(dialect: str) -> Any:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def _fan_out(session: AsyncSession, dialect: str, consumer: str, batch: int,
                   now: datetime) -> None:
    """Give ``consumer`` a delivery row for each unpublished event it has none for yet."""
    missing = (
        select(literal(consumer), OutboxEvent.id, literal(0), literal(""), literal(now,
               OutboxDelivery.next_attempt_at.type))
        .where(OutboxEvent.published_at.is_(None),
               ~exists().where(OutboxDelivery.consumer == consumer,
                               OutboxDelivery.event_id == OutboxEvent.id))
        .order_by(OutboxEvent.id).limit(batch))
    insert = _insert(dialect)
    await session.execute(
        insert(OutboxDelivery)
        .from_select(["consumer", "event_id", "attempts", "last_error", "next_attempt_at"],
                     missing)
        .on_conflict_do_nothing())


def _claim(consumer: str, batch: int, now: datetime) -> Any:
    return (
        select(OutboxDelivery.id, OutboxDelivery.attempts, OutboxEvent.id, OutboxEvent.type,
               OutboxEvent.aggregate_type, OutboxEvent.aggregate_id, OutboxEvent.payload,
               OutboxEvent.created_at)
        .join(OutboxEvent, OutboxEvent.id == OutboxDelivery.event_id)
        .where(OutboxDelivery.consumer == consumer, OutboxDelivery.delivered_at.is_(None),
               OutboxDelivery.next_attempt_at <= now)
        .order_by(OutboxDelivery.event_id)
        .limit(batch)
        # PostgreSQL: lock the rows this relay delivers; another relay skips them. SQLite
        # ignores this (the transaction holds the write lock).
        .with_for_update(of=OutboxDelivery, skip_locked=True))


async def _deliver(db: Database, name: str, handler: Consumer, batch: int, now: datetime,
                   report: RelayReport) -> tuple[list[int], bool]:
    """Claim and deliver one batch for one consumer; returns the event ids delivered and
    whether the batch was full."""
    delivered_rows: list[int] = []
    delivered_events: list[int] = []
    async with db.transaction() as session:
        rows = (await session.execute(_claim(name, batch, now))).all()
        for row_id, attempts, event_id, type_, agg_type, agg_id, payload, created in rows:
            event = RelayedEvent(event_id, type_, agg_type, agg_id, payload, created,
                                 attempts + 1, session)
            try:
                async with session.begin_nested():
                    await handler(event)
            except Exception as exc:
                report.failed += 1
                log.warning("outbox delivery failed", exc_info=True, extra={
                    "consumer": name, "event_id": event_id, "attempt": attempts + 1})
                await session.execute(
                    update(OutboxDelivery).where(OutboxDelivery.id == row_id)
                    .values(attempts=attempts + 1,
                            last_error=f"{type(exc).__name__}: {exc}"[:2000],
                            next_attempt_at=now + backoff(attempts + 1)))
            else:
                delivered_rows.append(row_id)
                delivered_events.append(event_id)
        if delivered_rows:
            await session.execute(
                update(OutboxDelivery).where(OutboxDelivery.id.in_(delivered_rows))
                .values(delivered_at=now, attempts=OutboxDelivery.attempts + 1))
    report.delivered += len(delivered_rows)
    return delivered_events, len(rows) >= batch


async def _publish(db: Database, consumers: Mapping[str, Consumer], event_ids: set[int],
                   batch: int, now: datetime) -> int:
    condition: ColumnElement[bool]
    if not consumers:  # nobody to wait for
        pending = (select(OutboxEvent.id).where(OutboxEvent.published_at.is_(None))
                   .order_by(OutboxEvent.id).limit(batch))
        condition = OutboxEvent.id.in_(pending.scalar_subquery())
    elif not event_ids:
        return 0
    else:
        delivered = (select(func.count()).select_from(OutboxDelivery)
                     .where(OutboxDelivery.event_id == OutboxEvent.id,
                            OutboxDelivery.delivered_at.is_not(None),
                            OutboxDelivery.consumer.in_(list(consumers)))
                     .scalar_subquery())
        condition = OutboxEvent.id.in_(sorted(event_ids)) & (delivered == len(consumers))
    async with db.transaction() as session:
        result = await session.execute(
            update(OutboxEvent).where(OutboxEvent.published_at.is_(None), condition)
            .values(published_at=now).execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def relay_once(db: Database, consumers: Mapping[str, Consumer], *, batch: int = 100,
                     now: datetime | None = None) -> RelayReport:
    """One pass: up to ``batch`` events per consumer delivered (or failed and rescheduled)."""
    now = now or utcnow()
    report = RelayReport()
    touched: set[int] = set()
    full = False
    for name, handler in consumers.items():
        async with db.transaction() as session:
            await _fan_out(session, db.dialect, name, batch, now)
        delivered, was_full = await _deliver(db, name, handler, batch, now, report)
        touched.update(delivered)
        full = full or was_full
    report.published = await _publish(db, consumers, touched, batch, now)
    report.more = full or (not consumers and report.published >= batch)
    return report


async def prune(db: Database, retention_days: int, now: datetime | None = None) -> int:
    """Delete events published more than ``retention_days`` ago (and their delivery rows);
    returns how many events went. Unpublished events stay whatever their age."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    old = select(OutboxEvent.id).where(OutboxEvent.published_at < cutoff)
    async with db.transaction() as session:
        await session.execute(delete(OutboxDelivery)
                              .where(OutboxDelivery.event_id.in_(old.scalar_subquery()))
                              .execution_options(synchronize_session=False))
        result = await session.execute(delete(OutboxEvent)
                                       .where(OutboxEvent.published_at < cutoff)
                                       .execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]
