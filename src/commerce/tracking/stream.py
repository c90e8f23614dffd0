"""Following an order's tracking log live (and every order's, for staff).

``follow_order`` registers with the hub first, then reads the database (the current version
for a snapshot, or the stored entries after ``since``), then delivers what the hub hands it,
judged by version (``tracking.cursor``): duplicates dropped, a gap filled from the database
before the entry after it, an overflowed inbox replayed from the database. Registering before
reading means nothing committed meanwhile can fall between the two.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from commerce.db.database import Database
from commerce.shared.clock import utcnow
from commerce.tracking import queries
from commerce.tracking.cursor import SeenIds, Step, VersionCursor
from commerce.tracking.hub import Hub

SNAPSHOT = "SNAPSHOT"


@dataclass(frozen=True, slots=True)
class Entry:
    """One tracking log entry as subscribers see it (``type`` SNAPSHOT: the first message of
    a stream started without a version, carrying the order's current version)."""

    order_id: int
    version: int
    type: str
    occurred_at: datetime
    order_status: str = ""
    shipment_id: int | None = None
    message: str = ""

    @classmethod
    def from_row(cls, row: Any) -> Entry:
        return cls(order_id=row.order_id, version=row.version, type=row.type,
                   occurred_at=row.occurred_at, order_status=row.order_status,
                   shipment_id=row.shipment_id, message=row.message)


async def follow_order(hub: Hub, db: Database, order_id: int, since: int | None, *,
                       max_seconds: float) -> AsyncGenerator[Entry, None]:
    """The order's entries after ``since`` (or a SNAPSHOT first when None), then live ones,
    each once and in version order, for at most ``max_seconds``."""
    subscriber = hub.subscribe(order_id)
    reader = db.reader(hold=False)  # no connection held between reads
    try:
        deadline = time.monotonic() + max_seconds
        if since is None:
            version = await queries.current_version(reader, order_id)
            cursor = VersionCursor(version)
            yield Entry(order_id, version, SNAPSHOT, utcnow())
        else:
            # A version from the future (another order's, a made-up Last-Event-ID) would
            # silence the stream until the order caught up: resume from the current one.
            current = await queries.current_version(reader, order_id)
            cursor = VersionCursor(min(max(since, 0), current))
            for row in await queries.events_after(reader, order_id, cursor.last):
                cursor.delivered(row.version)
                yield Entry.from_row(row)
        while (remaining := deadline - time.monotonic()) > 0:
            rows, resync = await subscriber.next(remaining)
            if resync:
                rows = [*await queries.events_after(reader, order_id, cursor.last), *rows]
            for row in sorted(rows, key=_version):
                step = cursor.step(row.version)
                if step is Step.DROP:
                    continue
                if step is Step.FILL:
                    # Not the next one: what lies between is committed (this row's commit
                    # came after it), so the database has it, this row included.
                    for missing in await queries.events_after(reader, order_id, cursor.last):
                        cursor.delivered(missing.version)
                        yield Entry.from_row(missing)
                    continue
                cursor.delivered(row.version)
                yield Entry.from_row(row)
    finally:
        hub.unsubscribe(subscriber)
        await reader.close()


async def follow_all(hub: Hub, db: Database, *, wanted: Callable[[Any], bool],
                     max_seconds: float) -> AsyncGenerator[Entry, None]:
    """Every order's new entries that ``wanted`` accepts (staff dashboards), for at most
    ``max_seconds``. A dashboard that falls behind by more than its inbox re-reads the
    entries after the last one it got, so it skips nothing committed in id order."""
    subscriber = hub.subscribe(None)
    reader = db.reader(hold=False)
    seen = SeenIds()
    last_id = 0
    try:
        deadline = time.monotonic() + max_seconds
        while (remaining := deadline - time.monotonic()) > 0:
            rows: Sequence[Any]
            rows, resync = await subscriber.next(remaining)
            if resync and last_id:
                rows = [*await queries.recent(reader, last_id, ()), *rows]
            for row in rows:
                if not seen.add(row.id, (row.order_id, row.version, row.occurred_at)):
                    continue
                last_id = max(last_id, row.id)
                if wanted(row):
                    yield Entry.from_row(row)
            seen.forget_below(last_id - 4 * hub.queue_size)
    finally:
        hub.unsubscribe(subscriber)
        await reader.close()


def _version(row: Any) -> int:
    return int(row.version)
