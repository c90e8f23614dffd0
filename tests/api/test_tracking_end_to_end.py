"""Issue 8's proof, end to end on a real server: a WebSocket client and an SSE client following
one order receive, in order and without gaps, every entry caused by the warehouse's mutations
and by the carrier's webhooks; reconnecting with ``sinceVersion`` (WebSocket) or
``Last-Event-ID`` (SSE) gives exactly the entries missed."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from httpx_sse import aconnect_sse

from commerce.app import create_app
from commerce.db.database import Database
from commerce.settings import Settings
from commerce.shared.clock import utcnow
from tests.api.test_fulfillment_api import (
    CREATE,
    PACK,
    PARCEL,
    SCAN,
    SHIP,
    Setup,
    setup,
    ship_input,
)
from tests.live_server import serve
from tests.shipment_factories import SECRET, carrier_body, signed
from tests.tracking_ws import TRACKING, connect

pytestmark = pytest.mark.timeout(90)

SSE_TRACKING = "subscription ($id: ID!) { orderTracking(orderId: $id) { version type } }"
TRACKING_NUMBER = "1Z999AA10123456784"


async def _post(http: httpx.AsyncClient, query: str, variables: dict[str, Any],
                token: str) -> dict[str, Any]:
    response = await http.post("/graphql", json={"query": query, "variables": variables},
                               headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    payload: dict[str, Any] = next(iter(body["data"].values()))
    assert payload["errors"] == [], payload["errors"]
    return payload


async def _warehouse(http: httpx.AsyncClient, s: Setup) -> None:
    """Pick (one scan per unit), pack and ship the whole order."""
    created = await _post(http, CREATE, {"input": {"orderId": s.order.id,
                                                   "warehouseId": s.warehouse}}, s.staff)
    fid = created["fulfillment"]["id"]
    for line in created["fulfillment"]["lines"]:
        for _ in range(line["quantity"]):
            await _post(http, SCAN, {"input": {"fulfillmentId": fid, "barcode": line["sku"]}},
                        s.staff)
    await _post(http, PACK, {"input": {"fulfillmentId": fid, "packages": [PARCEL]}}, s.staff)
    await _post(http, SHIP, ship_input(fid, TRACKING_NUMBER), s.staff)


async def _carrier(http: httpx.AsyncClient, *statuses: str) -> None:
    start = utcnow().replace(microsecond=0)
    for n, status in enumerate(statuses):
        body = carrier_body(f"evt-{status}", TRACKING_NUMBER, status,
                            start + timedelta(minutes=n), location="Louisville, KY")
        response = await http.post("/webhooks/carriers/ups", content=body,
                                   headers=signed(body))
        assert response.status_code == 200 and response.json().get("duplicate") is None


async def _sse(host: str, order_id: str, token: str, count: int,
               last_event_id: str | None = None) -> list[tuple[str, int, str]]:
    """(SSE id, version, type) of the first ``count`` events of a guest's stream."""
    headers = {"Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    params = {"query": SSE_TRACKING, "variables": json.dumps({"id": order_id}),
              "orderToken": token}
    got: list[tuple[str, int, str]] = []
    async with httpx.AsyncClient(base_url=f"http://{host}", timeout=20) as client, \
            aconnect_sse(client, "GET", "/graphql", params=params, headers=headers) as source:
        async for event in source.aiter_sse():
            if event.event != "next":
                continue  # keep-alives
            entry = json.loads(event.data)["data"]["orderTracking"]
            got.append((event.id, entry["version"], entry["type"]))
            if len(got) == count:
                break
    return got


async def test_ws_and_sse_clients_see_the_warehouse_and_the_carrier_in_order(
        db: Database, settings: Settings) -> None:
    s = await setup(db, settings)
    app = create_app(settings.with_(carrier_webhook_secret=(SECRET,)), db)
    steps = ["PICKING", "PACKED", "SHIPPED", "IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED"]
    async with serve(app) as host, \
            httpx.AsyncClient(base_url=f"http://{host}", timeout=20) as http, \
            connect(host, order_token=s.order.token) as ws:
        await ws.subscribe(TRACKING, {"id": s.order.id})
        (snapshot,) = await ws.events(1)
        assert snapshot[1] == "SNAPSHOT"
        base = snapshot[0]
        sse = asyncio.create_task(_sse(host, s.order.id, s.order.token, 1 + len(steps)))
        await asyncio.sleep(0.3)  # both subscribed before anything changes
        await _warehouse(http, s)
        await _carrier(http, "IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED")
        expected = [(base + n + 1, step) for n, step in enumerate(steps)]
        assert await ws.events(len(steps)) == expected
        assert await ws.quiet()
        streamed = await asyncio.wait_for(sse, 30)
        assert streamed == [(str(base), base, "SNAPSHOT"),
                            *[(str(v), v, t) for v, t in expected]]

        # Reconnecting after the SHIPPED entry: exactly what came after it, on both.
        shipped = base + 3
        async with connect(host, order_token=s.order.token) as again:
            await again.subscribe(TRACKING, {"id": s.order.id, "since": shipped})
            assert await again.events(3) == expected[3:]
            assert await again.quiet()
        resumed = await asyncio.wait_for(
            _sse(host, s.order.id, s.order.token, 3, last_event_id=str(shipped)), 30)
        assert resumed == [(str(v), v, t) for v, t in expected[3:]]
