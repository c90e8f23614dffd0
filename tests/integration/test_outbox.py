"""The outbox: events queued in a transaction are written with it, in order, in one insert,
and vanish with it when it rolls back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from commerce.db.database import Database
from commerce.db.models import OutboxEvent
from commerce.events.outbox import emit, emit_many


async def _outbox(db: Database) -> list[tuple[str, int]]:
    async with db.transaction() as s:
        return [(e.type, e.aggregate_id) for e in (await s.execute(
            select(OutboxEvent).order_by(OutboxEvent.id))).scalars()]


async def test_events_commit_with_the_transaction_in_order_in_one_statement(
        db: Database, count_statements: Callable[[], Any]) -> None:
    with count_statements() as counter:
        async with db.transaction() as s:
            await emit(s, "a.one", "A", 1, {})
            await emit_many(s, [("a.two", "A", 2, {}), ("a.three", "A", 3, {"x": 1})])
    assert sum("outbox_events" in q for q in counter.statements) == 1
    assert await _outbox(db) == [("a.one", 1), ("a.two", 2), ("a.three", 3)]


async def test_events_of_a_rolled_back_transaction_are_never_written(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as s:
            await emit(s, "a.lost", "A", 1, {})
            raise RuntimeError("the change failed")
    async with db.transaction() as s:
        await emit(s, "a.kept", "A", 2, {})
    assert await _outbox(db) == [("a.kept", 2)]
