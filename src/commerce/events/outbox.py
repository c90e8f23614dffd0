"""Domain events, written to the outbox in the same transaction as the change they report.

A relay (a later issue) delivers them at least once to subscriptions, e-mail, webhooks and
the ledger; payloads carry amounts in minor units with the currency so consumers need
nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.models import OutboxEvent


async def emit(session: AsyncSession, type: str, aggregate_type: str, aggregate_id: int,
               payload: dict[str, Any]) -> None:
    await session.execute(insert(OutboxEvent).values(
        type=type, aggregate_type=aggregate_type, aggregate_id=aggregate_id, payload=payload))


async def emit_many(session: AsyncSession,
                    events: Sequence[tuple[str, str, int, dict[str, Any]]]) -> None:
    """Several events in one statement: (type, aggregate type, aggregate id, payload)."""
    if events:
        await session.execute(insert(OutboxEvent), [
            {"type": t, "aggregate_type": a, "aggregate_id": i, "payload": p}
            for t, a, i, p in events])
