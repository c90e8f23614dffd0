"""Per-connection tasks and queues go away on disconnect: 10,000 connect / subscribe /
disconnect cycles of orderTracking (in-process ASGI WebSocket client) leave the task count,
the hub's subscribers and traced memory where they were."""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
from typing import Any

import pytest

from commerce.db.database import Database
from commerce.settings import Settings
from commerce.tracking.hub import hub_for
from tests.asgi_ws import AsgiWebSocket
from tests.order_api_helpers import place_order
from tests.order_factories import make_shop, make_variant

pytestmark = pytest.mark.timeout(240)

CYCLES = 10_000
SNAPSHOT = "subscription ($id: ID!) { orderTracking(orderId: $id) { version type } }"
WARM_UP = 500


async def test_ten_thousand_subscribe_disconnect_cycles_leak_nothing(
        app: Any, db: Database, settings: Settings) -> None:
    shop = await make_shop(db)
    order = await place_order(db, settings, shop, {await make_variant(db, shop): 1})
    hub = await hub_for(db, settings)

    async def cycle(n: int) -> None:
        protocol = "graphql-ws" if n % 2 else "graphql-transport-ws"
        async with AsgiWebSocket(app, protocol) as ws:
            await ws.send_json({"type": "connection_init",
                                "payload": {"orderToken": order.token}})
            assert (await ws.receive_json())["type"] == "connection_ack"
            await ws.send_json({"id": "1", "type": "start" if n % 2 else "subscribe",
                                "payload": {"query": SNAPSHOT,
                                            "variables": {"id": order.id}}})
            while True:
                message = await ws.receive_json()
                if message["type"] != "ka":
                    break
            assert message["payload"]["data"]["orderTracking"]["type"] == "SNAPSHOT"
            assert hub.subscriber_count == 1
            # Leave with the subscription running: the server must clean it up.

    async def settled() -> tuple[int, int]:
        await asyncio.sleep(0.05)  # anything the last socket scheduled runs
        gc.collect()
        return len(asyncio.all_tasks()), tracemalloc.get_traced_memory()[0]

    tracemalloc.start()
    try:
        for n in range(WARM_UP):
            await cycle(n)
        tasks_before, memory_before = await settled()
        for n in range(CYCLES):
            await cycle(n)
        tasks_after, memory_after = await settled()
    finally:
        tracemalloc.stop()

    assert hub.subscriber_count == 0
    assert tasks_after <= tasks_before, (tasks_before, tasks_after)
    # Under 100 bytes per cycle: a leaked subscriber, queue or task would be kilobytes each.
    assert memory_after - memory_before < CYCLES * 100, (memory_before, memory_after)
