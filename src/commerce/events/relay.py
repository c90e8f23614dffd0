"""The outbox relay: every outbox event reaches every consumer at least once, and no
consumer applies one twice.

How (one ``relay_once`` pass, per consumer):

1. **Fan out** (own short transaction): an ``outbox_deliveries`` row for each unpublished
   event the consumer has no row for yet. The row is unique on (consumer, event id), so two
   relays fanning out the same events at once end up with one row (the second insert waits
   for the first and then does nothing).
2. **Claim and deliver**, in one of two ways, chosen by the consumer:

   - A plain handler (database effects) runs INSIDE the claiming transaction: the
     consumer's due, undelivered rows, oldest event first, locked with ``FOR UPDATE SKIP
     LOCKED`` on PostgreSQL (another relay skips them and takes the next ones instead of
     waiting or delivering them too); on SQLite the transaction holds the database's write
     lock. The handler runs in a savepoint and the row's ``delivered_at`` is written in the
     same transaction after it: a handler whose effects are database writes through
     ``event.session`` commits them atomically with the delivery record (exactly once).
   - A ``Leased`` consumer (effects outside the database: mail, HTTP) must not run inside
     that transaction: on SQLite it would hold the write lock, and so stop every write in
     the shop, for a whole SMTP conversation. Its rows are claimed in a short transaction
     that takes a lease (``next_attempt_at = now + lease``, ``attempts + 1``) and commits;
     the handler then runs with no transaction open, and a second short transaction
     records ``delivered_at`` (or the failure). Another relay does not take a leased row
     until the lease runs out, so two relays do not deliver one event to one consumer at
     the same time; a relay that dies between the effect and the record leaves the row to
     be delivered again after the lease, with the same event id (an e-mail's Message-ID
     derives from it), and one that dies before the effect loses nothing either.

   When a handler raises (a plain one's savepoint is rolled back first), the row gets
   ``last_error`` and a ``next_attempt_at`` with exponential backoff over its attempts (the
   longest one for a leased handler's ``PermanentFailure``); the consumer's other events
   and the other consumers go on.
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
from commerce.settings import Settings
from commerce.shared.clock import utcnow

log = logging.getLogger("commerce.relay")

# Retry a failed delivery after 5 s, 10 s, 20 s... at most an hour apart.
BACKOFF_FIRST = timedelta(seconds=5)
BACKOFF_MAX = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class ClaimedEvent:
    """An outbox event as a consumer receives it."""

    id: int
    type: str
    aggregate_type: str
    aggregate_id: int
    payload: dict[str, Any]
    created_at: datetime
    attempt: int  # 1 on the first delivery


@dataclass(frozen=True, slots=True)
class RelayedEvent(ClaimedEvent):
    """An outbox event handed to a plain consumer. ``session`` is the delivery's
    transaction: a consumer whose effects are database writes makes them there, so they
    commit with the record of the delivery (or not at all)."""

    session: AsyncSession = field(repr=False)


Handler = Callable[[RelayedEvent], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Leased:
    """A consumer whose effects leave the database (mail, HTTP): its handler runs with no
    transaction open, under a lease on the rows it was given.

    ``lease`` must outlast a whole batch of ``batch`` handler calls (bound each call with a
    timeout shorter than ``lease / batch``): a row whose lease ran out may be claimed by
    another relay while the first still works on it."""

    handler: Callable[[ClaimedEvent], Awaitable[None]]
    lease: timedelta
    batch: int = 10


Consumer = Handler | Leased


class PermanentFailure(Exception):
    """Raised by a leased consumer's handler when trying again soon cannot help (a mail
    server refusing the recipient): the failure is logged as an error and the row waits the
    longest backoff (``BACKOFF_MAX``) before the next try, its ``last_error`` saying why."""


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


def default_consumers(db: Database, settings: Settings) -> dict[str, Consumer]:
    """The consumers ``commerce serve``/``demo``/``worker`` run: a logging one and "mail"
    (order e-mails; unless neither SMTP nor a mail folder is configured). Webhooks and the
    ledger join as they arrive (a new consumer gets the events not yet published when it
    starts)."""
    # Imported here: the mail consumer is built on this module's types.
    from commerce.notifications.consumer import CONSUMER, mail_consumer

    consumers: dict[str, Consumer] = {"log": _log_consumer}
    mail = mail_consumer(db, settings)
    if mail is not None:
        consumers[CONSUMER] = mail
    return consumers


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


async def _deliver(db: Database, name: str, handler: Handler, batch: int, now: datetime,
                   report: RelayReport) -> tuple[list[int], bool]:
    """Claim and deliver one batch for a plain consumer, inside the claiming transaction;
    returns the event ids delivered and whether the batch was full."""
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


def _claimable(consumer: str, batch: int, now: datetime) -> Any:
    return (
        select(OutboxDelivery.id)
        .where(OutboxDelivery.consumer == consumer, OutboxDelivery.delivered_at.is_(None),
               OutboxDelivery.next_attempt_at <= now)
        .order_by(OutboxDelivery.event_id)
        .limit(batch)
        # PostgreSQL: a relay claiming at the same moment skips these rows; once this
        # transaction commits, their lease keeps them out of its WHERE clause.
        .with_for_update(skip_locked=True))


async def _lease(db: Database, name: str, consumer: Leased, batch: int,
                 now: datetime) -> list[ClaimedEvent]:
    """Take a lease on up to ``batch`` due rows of ``consumer``, in a short transaction."""
    async with db.transaction() as session:
        ids = list((await session.execute(_claimable(name, batch, now))).scalars())
        if not ids:
            return []
        # The lease: the rows are not due again until it runs out. The conditions are
        # repeated so a row that stopped being due since it was read is not taken.
        leased = (await session.execute(
            update(OutboxDelivery)
            .where(OutboxDelivery.id.in_(ids), OutboxDelivery.delivered_at.is_(None),
                   OutboxDelivery.next_attempt_at <= now)
            .values(attempts=OutboxDelivery.attempts + 1,
                    next_attempt_at=max(now, utcnow()) + consumer.lease)
            .returning(OutboxDelivery.event_id, OutboxDelivery.attempts)
            .execution_options(synchronize_session=False))).all()
        attempts = {int(event_id): int(n) for event_id, n in leased}
        rows = (await session.execute(
            select(OutboxEvent.id, OutboxEvent.type, OutboxEvent.aggregate_type,
                   OutboxEvent.aggregate_id, OutboxEvent.payload, OutboxEvent.created_at)
            .where(OutboxEvent.id.in_(list(attempts))).order_by(OutboxEvent.id))).all()
    return [ClaimedEvent(event_id, type_, agg_type, agg_id, payload, created, attempts[event_id])
            for event_id, type_, agg_type, agg_id, payload, created in rows]


async def _deliver_leased(db: Database, name: str, consumer: Leased, batch: int,
                          now: datetime, report: RelayReport) -> tuple[list[int], bool]:
    """Claim a batch for a leased consumer, then run its handler on each event with no
    transaction open, recording each outcome in its own short transaction."""
    size = min(batch, consumer.batch)
    events = await _lease(db, name, consumer, size, now)
    delivered: list[int] = []
    for event in events:
        where = (OutboxDelivery.consumer == name, OutboxDelivery.event_id == event.id,
                 OutboxDelivery.delivered_at.is_(None))
        try:
            await consumer.handler(event)
        except Exception as exc:
            report.failed += 1
            permanent = isinstance(exc, PermanentFailure)
            log.log(logging.ERROR if permanent else logging.WARNING,
                    "outbox delivery failed%s", " permanently" if permanent else "",
                    exc_info=True, extra={"consumer": name, "event_id": event.id,
                                          "attempt": event.attempt})
            delay = BACKOFF_MAX if permanent else backoff(event.attempt)
            async with db.transaction() as session:
                await session.execute(
                    update(OutboxDelivery).where(*where)
                    .values(last_error=f"{type(exc).__name__}: {exc}"[:2000],
                            next_attempt_at=max(now, utcnow()) + delay)
                    .execution_options(synchronize_session=False))
        else:
            # Dying before this commits means the event is delivered again after the lease
            # (the same event id, so a recognisable duplicate), never lost.
            async with db.transaction() as session:
                await session.execute(
                    update(OutboxDelivery).where(*where)
                    .values(delivered_at=max(now, utcnow()), last_error="")
                    .execution_options(synchronize_session=False))
            delivered.append(event.id)
    report.delivered += len(delivered)
    return delivered, len(events) >= size


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
        if isinstance(handler, Leased):
            delivered, was_full = await _deliver_leased(db, name, handler, batch, now, report)
        else:
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
