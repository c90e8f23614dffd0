"""Domain events, written to the outbox in the same transaction as the change they report.

The relay (``events.relay``) delivers them at least once to subscriptions, e-mail, webhooks and
the ledger; payloads carry amounts in minor units with the currency so consumers need
nothing else.

``emit`` only queues an event on the session; the queue is written by ONE insert just before
the transaction commits (and dropped if it rolls back). A checkout reports an order, a cart
and every stock row it touched, and that stays one statement whatever the count.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from commerce.db.models import OutboxEvent

_PENDING = "commerce.outbox.pending"
_WRITTEN = "commerce.outbox.written"

log = logging.getLogger("commerce.outbox")

# Called after a commit that wrote outbox events (the in-process relay's wake-up).
_commit_listeners: list[Callable[[], None]] = []


def add_commit_listener(listener: Callable[[], None]) -> None:
    _commit_listeners.append(listener)


def remove_commit_listener(listener: Callable[[], None]) -> None:
    if listener in _commit_listeners:
        _commit_listeners.remove(listener)


async def emit(session: AsyncSession, type: str, aggregate_type: str, aggregate_id: int,
               payload: dict[str, Any]) -> None:
    await emit_many(session, [(type, aggregate_type, aggregate_id, payload)])


async def emit_many(session: AsyncSession,
                    events: Sequence[tuple[str, str, int, dict[str, Any]]]) -> None:
    """Queue several events: (type, aggregate type, aggregate id, payload), in order."""
    session.info.setdefault(_PENDING, []).extend(
        {"type": t, "aggregate_type": a, "aggregate_id": i, "payload": p}
        for t, a, i, p in events)


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.execute(insert(OutboxEvent), pending)
        session.info[_WRITTEN] = True


@event.listens_for(Session, "after_commit")
def _notify_committed(session: Session) -> None:
    if session.info.pop(_WRITTEN, False):
        for listener in list(_commit_listeners):
            try:
                listener()
            except Exception:  # a wake-up must never fail the caller's commit
                log.exception("outbox commit listener failed")


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, _previous_transaction: object) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_WRITTEN, None)
