"""One signature for "run this SELECT, give me rows", over a request reader or a session.

Read models that serve both the API (through the request's ``Reader``) and use cases
(inside a write transaction) take a ``Fetch`` so the same code runs in both places.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import Executable, Row
from sqlalchemy.ext.asyncio import AsyncSession

Fetch = Callable[[Executable], Awaitable[Sequence[Row[Any]]]]


def session_fetch(session: AsyncSession) -> Fetch:
    async def fetch(statement: Executable) -> Sequence[Row[Any]]:
        return (await session.execute(statement)).all()

    return fetch
