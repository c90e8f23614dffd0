"""The rules a live tracking subscriber follows to deliver every entry once, in order (pure).

An order's entries are numbered 1, 2, 3... in commit order (``tracking.log``). A subscriber
remembers the last version it delivered; whatever reaches it (the hub's fan-out, a replay
from the database) is judged against that number alone, so a wake-up lost, doubled or out
of order changes when an entry arrives, never whether or how often.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass, field
from enum import Enum
from typing import Generic, TypeVar

T = TypeVar("T")


class Step(Enum):
    DROP = "DROP"        # delivered already (a re-read, a replayed row, a late duplicate)
    DELIVER = "DELIVER"  # the next one
    FILL = "FILL"        # later than the next: read the missing ones from the database first


@dataclass(slots=True)
class VersionCursor:
    """The last version delivered to one subscriber of one order."""

    last: int

    def step(self, version: int) -> Step:
        if version <= self.last:
            return Step.DROP
        return Step.DELIVER if version == self.last + 1 else Step.FILL

    def delivered(self, version: int) -> None:
        self.last = max(self.last, version)


@dataclass(slots=True)
class Inbox(Generic[T]):
    """A subscriber's bounded queue. A subscriber that does not keep up is not allowed to
    hold more memory: on overflow its queue is emptied and marked ``resync``, and it reads
    what it missed from the database (by version) when it next drains."""

    capacity: int
    items: deque[T] = field(default_factory=deque)
    resync: bool = False

    def push(self, item: T) -> bool:
        """Queue ``item``; False when that overflowed the queue (it was emptied)."""
        if self.resync:
            return False  # the database replay will include it
        if len(self.items) >= self.capacity:
            self.items.clear()
            self.resync = True
            return False
        self.items.append(item)
        return True

    def drain(self) -> tuple[list[T], bool]:
        """Everything queued, and whether the subscriber must resynchronise first."""
        items, resync = list(self.items), self.resync
        self.items.clear()
        self.resync = False
        return items, resync


@dataclass(slots=True)
class SeenIds:
    """Rows the hub (or a staff stream) has handed on, kept for the ids above a floor (the
    lookback window it re-reads), so a re-read row goes out once. A row is known by its id
    and a key of its content (order, version, time): an id given again to another row (a
    database emptied and refilled, as tests do) is a new row."""

    rows: dict[int, Hashable] = field(default_factory=dict)

    def add(self, row_id: int, key: Hashable) -> bool:
        """True the first time this row is seen."""
        if self.rows.get(row_id) == key:
            return False
        self.rows[row_id] = key
        return True

    def seen(self, row_id: int, key: Hashable) -> bool:
        return self.rows.get(row_id) == key

    def forget_below(self, floor: int) -> None:
        if self.rows and min(self.rows) <= floor:
            self.rows = {i: k for i, k in self.rows.items() if i > floor}
