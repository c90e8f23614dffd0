"""Live updates over WebSocket (graphql-transport-ws and graphql-ws)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated

import strawberry

from commerce.shared.clock import utcnow


@strawberry.type(description="Live updates, over WebSocket (`graphql-transport-ws` or "
                                "`graphql-ws`).")
class Subscription:
    @strawberry.subscription(description="The server time every `intervalSeconds` (1-60): a "
                                         "connectivity check for WebSocket clients.")
    async def heartbeat(
        self,
        interval_seconds: Annotated[int, strawberry.argument(
            description="Seconds between beats; clamped to 1-60.")] = 10,
        count: Annotated[int | None, strawberry.argument(
            description="Stop after this many beats; null runs until the client stops.")] = None,
    ) -> AsyncGenerator[datetime, None]:
        interval = min(max(interval_seconds, 1), 60)
        sent = 0
        while count is None or sent < count:
            yield utcnow()
            sent += 1
            if count is None or sent < count:
                await asyncio.sleep(interval)
