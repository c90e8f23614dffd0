"""Two ``commerce serve`` processes on one PostgreSQL database: a subscriber to an order's
tracking on process 1 (over WebSocket and over SSE) sees, in order, the changes made through
process 2 — woken by PostgreSQL NOTIFY, and once more with Redis configured.

The hub's periodic poll is set to a minute, so only a wake-up can deliver within the test's
bounds: the test fails if the wake-up path is broken, not merely slow.

Skipped until the schema has ``Subscription.orderTracking`` (the live-tracking work).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest
import websockets
from httpx_sse import aconnect_sse

from commerce.api.graphql.schema import schema
from commerce.db.database import Database
from commerce.settings import Settings
from commerce.shared.ids import encode_id
from tests.account_helpers import user_with_token
from tests.conftest import BACKEND
from tests.customer_helpers import make_order
from tests.redis_helpers import REDIS_URL, requires_redis
from tests.serve_process import commerce_serve


def _has_order_tracking() -> bool:
    subscription = schema.get_type_by_name("Subscription")
    fields = getattr(subscription, "fields", ())
    return any(f.python_name == "order_tracking" or f.graphql_name == "orderTracking"
               for f in fields)


pytestmark = [
    pytest.mark.skipif(not _has_order_tracking(),
                       reason="needs Subscription.orderTracking (live tracking)"),
    pytest.mark.skipif(BACKEND != "postgresql",
                       reason="two server processes share a PostgreSQL database"),
    pytest.mark.timeout(120),
]

TRACKING = """subscription Track($id: ID!) {
  orderTracking(orderId: $id) { version type }
}"""
HOLD = """mutation Hold($id: ID!) {
  orderHold(input: {id: $id, reason: "checking the address"}) { errors { code message } }
}"""
RELEASE = """mutation Release($id: ID!) {
  orderRelease(input: {id: $id}) { errors { code message } }
}"""


async def _mutate(host: str, token: str, query: str, order_gid: str) -> None:
    async with httpx.AsyncClient(base_url=f"http://{host}") as client:
        r = await client.post("/graphql", json={"query": query, "variables": {"id": order_gid}},
                              headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert "errors" not in body, body
    (payload,) = body["data"].values()
    assert payload["errors"] == [], payload


async def _websocket_events(host: str, token: str, order_gid: str, count: int,
                            ready: asyncio.Event) -> list[dict[str, Any]]:
    async with websockets.connect(f"ws://{host}/graphql",
                                  subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init",
                                  "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "t", "type": "subscribe", "payload": {
            "query": TRACKING, "variables": {"id": order_gid}}}))
        received: list[dict[str, Any]] = []
        while len(received) < count:
            message = json.loads(await ws.recv())
            if message["type"] == "ping":
                await ws.send(json.dumps({"type": "pong"}))
                continue
            assert message["type"] == "next", message
            assert "errors" not in message["payload"], message
            received.append(message["payload"]["data"]["orderTracking"])
            ready.set()
        return received


async def _sse_events(host: str, token: str, order_gid: str, count: int,
                      ready: asyncio.Event) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=f"http://{host}", timeout=30) as client, \
            aconnect_sse(client, "POST", "/graphql",
                         json={"query": TRACKING, "variables": {"id": order_gid}},
                         headers={"Accept": "text/event-stream",
                                  "Authorization": f"Bearer {token}"}) as source:
        received: list[dict[str, Any]] = []
        async for event in source.aiter_sse():
            if event.event == "message" and not event.data:
                # A ``: ping`` keep-alive: httpx-sse reports it as an empty event once an
                # id has been seen (browsers dispatch nothing).
                continue
            assert event.event == "next", event
            body = json.loads(event.data)
            assert "errors" not in body, body
            tracked = body["data"]["orderTracking"]
            # The version is the SSE id, so an EventSource resumes by itself.
            assert event.id == str(tracked["version"])
            received.append(tracked)
            ready.set()
            if len(received) == count:
                break
        return received


@pytest.mark.parametrize("broker", ["notify", pytest.param("redis", marks=requires_redis)])
async def test_a_subscriber_on_one_process_sees_changes_made_through_another(
        broker: str, settings: Settings, db: Database) -> None:
    redis_url = REDIS_URL if broker == "redis" else ""
    _, token = await user_with_token(db, f"staff-{uuid.uuid4().hex[:6]}@example.com",
                                     superuser=True)
    order_gid = encode_id("Order", await make_order(db, None, 1000))
    # Only a wake-up can deliver within the test's bounds: the hub's poll waits a minute.
    env = {"REDIS_URL": redis_url, "TRACKING_POLL_SECONDS": "60"}
    async with commerce_serve(settings, **env) as (watcher, _), \
            commerce_serve(settings, **env) as (changer, _):
        ws_ready, sse_ready = asyncio.Event(), asyncio.Event()
        over_ws = asyncio.create_task(_websocket_events(watcher, token, order_gid, 3, ws_ready))
        over_sse = asyncio.create_task(_sse_events(watcher, token, order_gid, 3, sse_ready))
        try:
            # Both have their snapshot before anything changes.
            await asyncio.wait_for(asyncio.gather(ws_ready.wait(), sse_ready.wait()), 20)
            await _mutate(changer, token, HOLD, order_gid)
            await _mutate(changer, token, RELEASE, order_gid)
            ws_events, sse_events = await asyncio.wait_for(
                asyncio.gather(over_ws, over_sse), 20)
        finally:
            for task in (over_ws, over_sse):
                task.cancel()
    for received in (ws_events, sse_events):
        snapshot, held, released = received
        assert snapshot["type"] == "SNAPSHOT"
        assert [held["type"], released["type"]] == ["ON_HOLD", "RELEASED"]
        assert [held["version"], released["version"]] == [snapshot["version"] + 1,
                                                          snapshot["version"] + 2]
