"""Live updates over WebSocket (graphql-transport-ws and graphql-ws).

Every subscription ends by itself: an open-ended stream on a public socket is a resource
anyone can hold forever. Clients that want more subscribe again.
"""

from __future__ import annotations

from asyncio import sleep
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated

import strawberry

from commerce.shared.clock import utcnow

# A heartbeat runs for at most an hour's worth of beats.
HEARTBEAT_MAX_SECONDS = 3600


def heartbeat_beats(interval_seconds: int, count: int | None) -> int:
    """How many beats a heartbeat sends: ``count``, at most an hour's worth."""
    most = HEARTBEAT_MAX_SECONDS // interval_seconds
    return most if count is None else max(min(count, most), 0)


@strawberry.type(description="Live updates at /graphql over WebSocket or Server-Sent Events.")
class HeartbeatSubscription:
    @strawberry.subscription(description=(
        "The server time every `intervalSeconds` (1-60): a connectivity check for WebSocket "
        "clients. Ends after `count` beats, and at the latest after an hour's worth "
        "(3600 / intervalSeconds beats); subscribe again to go on."))
    async def heartbeat(
        self,
        interval_seconds: Annotated[int, strawberry.argument(
            description="Seconds between beats; values outside 1-60 are clamped.")] = 10,
        count: Annotated[int | None, strawberry.argument(
            description="Beats to send before the subscription completes; null or more "
                        "than an hour's worth means an hour's worth.")] = None,
    ) -> AsyncGenerator[datetime, None]:
        interval = min(max(interval_seconds, 1), 60)
        beats = heartbeat_beats(interval, count)
        for sent in range(beats):
            if sent:
                await sleep(interval)
            yield utcnow()
