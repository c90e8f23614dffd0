"""Domain events, written to the outbox in the same transaction as the change they report.

A relay (a later issue) delivers them at least once to subscriptions, e-mail, webhooks and
the ledger; payloads carry amounts in minor units with the currency so consumers need
nothing else.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.models import OutboxEvent


async def emit(session: AsyncSession, type: str, aggregate_type: str, aggregate_id: int,
               payload: dict[str, Any]) -> None:
    await session.execute(insert(OutboxEvent).values(
        type=type, aggregate_type=aggregate_type, aggregate_id=aggregate_id, payload=payload))
