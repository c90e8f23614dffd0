"""Order tracking over SSE as a browser's ``EventSource`` uses it: GET with the guest's
``orderToken`` in the URL, each event's version as its ``id:``, and a reconnection with
``Last-Event-ID`` receiving exactly the entries after it.

Skipped until the schema has ``Subscription.orderTracking`` (the live-tracking work).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from httpx_sse import ServerSentEvent, aconnect_sse
from sqlalchemy import select

from commerce.api.graphql.schema import schema
from commerce.db.database import Database
from commerce.db.models import Order
from commerce.shared.ids import encode_id
from commerce.tracking.log import OrderTrackingEventType, record
from tests.customer_helpers import make_order
from tests.live_server import serve


def _has_order_tracking() -> bool:
    subscription = schema.get_type_by_name("Subscription")
    return any(f.graphql_name == "orderTracking" or f.python_name == "order_tracking"
               for f in getattr(subscription, "fields", ()))


pytestmark = pytest.mark.skipif(not _has_order_tracking(),
                                reason="needs Subscription.orderTracking (live tracking)")

TRACKING = "subscription Track($id: ID!) { orderTracking(orderId: $id) { version type } }"


async def _order_with_entries(db: Database, count: int) -> tuple[int, str]:
    order_id = await make_order(db, None, 1000)
    for _ in range(count):
        async with db.transaction() as session:
            await record(session, order_id, OrderTrackingEventType.ON_HOLD)
    async with db.transaction() as session:
        token = (await session.execute(select(Order.token).where(Order.id == order_id))
                 ).scalar_one()
    return order_id, token


async def _events(host: str, params: dict[str, str], headers: dict[str, str], count: int
                  ) -> tuple[list[ServerSentEvent], Any]:
    async with httpx.AsyncClient(base_url=f"http://{host}", timeout=10) as client, \
            aconnect_sse(client, "GET", "/graphql", params=params,
                         headers={"Accept": "text/event-stream", **headers}) as source:
        received: list[ServerSentEvent] = []
        async for event in source.aiter_sse():
            if event.event == "message" and not event.data:
                continue  # a keep-alive, as httpx-sse reports it after an id
            received.append(event)
            if len(received) == count:
                break
        return received, source.response


async def test_an_event_source_resumes_after_its_last_event_id(app: Any,
                                                               db: Database) -> None:
    order_id, token = await _order_with_entries(db, 3)
    params = {"query": TRACKING, "variables": json.dumps({"id": encode_id("Order", order_id)}),
              "orderToken": token}
    async with serve(app) as host:
        # Fresh: the snapshot, whose id is the current version.
        (snapshot,), response = await asyncio.wait_for(_events(host, params, {}, 1), 10)
        assert response.status_code == 200
        assert json.loads(snapshot.data)["data"]["orderTracking"] == {
            "version": 3, "type": "SNAPSHOT"}
        assert snapshot.id == "3"
        # Reconnecting after version 1: exactly 2 and 3, then the live 4.
        reading = asyncio.create_task(_events(host, params, {"Last-Event-ID": "1"}, 3))
        await asyncio.sleep(0.5)
        async with db.transaction() as session:
            await record(session, order_id, OrderTrackingEventType.RELEASED)
        received, _ = await asyncio.wait_for(reading, 10)
    assert [e.id for e in received] == ["2", "3", "4"]
    assert [json.loads(e.data)["data"]["orderTracking"]["type"] for e in received] == [
        "ON_HOLD", "ON_HOLD", "RELEASED"]


async def test_a_wrong_order_token_gets_forbidden_and_no_events(app: Any,
                                                                db: Database) -> None:
    order_id, _ = await _order_with_entries(db, 1)
    params = {"query": TRACKING, "variables": json.dumps({"id": encode_id("Order", order_id)}),
              "orderToken": "not-the-token"}
    async with serve(app) as host:
        received, _ = await asyncio.wait_for(_events(host, params, {}, 2), 10)
    assert [e.event for e in received] == ["next", "complete"]
    body = json.loads(received[0].data)
    assert "data" not in body or body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
