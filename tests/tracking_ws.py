"""A small real WebSocket client for tracking subscriptions, both protocols."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import websockets

TRACKING = """subscription ($id: ID!, $since: Int) {
  orderTracking(orderId: $id, sinceVersion: $since) { version type message order { id } } }"""
ORDER_EVENTS = """subscription ($status: [OrderStatus!]) {
  orderEvents(filter: {status: $status}) { version type order { id } } }"""
WAIT = 10.0  # seconds any one message may take


class Socket:
    def __init__(self, ws: Any, protocol: str) -> None:
        self.ws = ws
        self.protocol = protocol
        self.legacy = protocol == "graphql-ws"

    async def subscribe(self, query: str, variables: dict[str, Any], op: str = "1") -> None:
        kind = "start" if self.legacy else "subscribe"
        await self.ws.send(json.dumps({"id": op, "type": kind,
                                       "payload": {"query": query, "variables": variables}}))

    async def message(self, wait: float = WAIT) -> dict[str, Any]:
        """The next message that is not a keep-alive."""
        while True:
            message: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), wait))
            if message["type"] not in ("ka", "ping", "pong"):
                return message

    async def event(self) -> dict[str, Any]:
        """The next event's data (fails on anything else)."""
        message = await self.message()
        assert message["type"] in ("next", "data"), message
        assert "errors" not in message["payload"], message
        data: dict[str, Any] = message["payload"]["data"]
        return data

    async def events(self, n: int, field: str = "orderTracking") -> list[tuple[int, str]]:
        return [(e[field]["version"], e[field]["type"])
                for e in [await self.event() for _ in range(n)]]

    async def quiet(self, wait: float = 0.3) -> bool:
        """True when nothing arrives for ``wait`` seconds."""
        try:
            message = await self.message(wait)
        except TimeoutError:
            return True
        raise AssertionError(f"unexpected message {message}")


@asynccontextmanager
async def connect(host: str, protocol: str = "graphql-transport-ws", *,
                  token: str | None = None, order_token: str | None = None
                  ) -> AsyncIterator[Socket]:
    payload: dict[str, Any] = {}
    if token:
        payload["Authorization"] = f"Bearer {token}"
    if order_token:
        payload["orderToken"] = order_token
    async with websockets.connect(f"ws://{host}/graphql", subprotocols=[protocol]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        yield Socket(ws, protocol)


def error_codes(message: dict[str, Any]) -> list[str]:
    """The codes of an ``error`` message (request refused) or of a result's errors."""
    payload = message["payload"]
    errors = payload if isinstance(payload, list) else payload.get("errors", [payload])
    return [e.get("extensions", {}).get("code") for e in errors]
