"""A minimal in-process WebSocket client speaking ASGI to the app directly: the real
handshake, subprotocol and messages through the real app, without sockets or a client
library in between (httpx-ws's ASGI transport keeps every stream it opened until the
transport closes, which is a leak of its own in a 10,000-connection test)."""

from __future__ import annotations

import asyncio
import json
from types import TracebackType
from typing import Any


class AsgiWebSocket:
    def __init__(self, app: Any, subprotocol: str, path: str = "/graphql") -> None:
        self.app = app
        self.subprotocol = subprotocol
        self.path = path
        self._to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> AsgiWebSocket:
        scope = {
            "type": "websocket", "asgi": {"version": "3.0"}, "scheme": "ws",
            "path": self.path, "raw_path": self.path.encode(), "root_path": "",
            "query_string": b"", "client": ("127.0.0.1", 50000),
            "server": ("test", 80), "subprotocols": [self.subprotocol],
            "headers": [(b"host", b"test"),
                        (b"sec-websocket-protocol", self.subprotocol.encode())],
        }
        self._task = asyncio.create_task(self.app(scope, self._to_app.get,
                                                  self._from_app.put))
        await self._to_app.put({"type": "websocket.connect"})
        accepted = await self._next()
        assert accepted["type"] == "websocket.accept", accepted
        assert accepted.get("subprotocol") == self.subprotocol
        return self

    async def _next(self, wait: float = 5.0) -> dict[str, Any]:
        return await asyncio.wait_for(self._from_app.get(), wait)

    async def send_json(self, message: dict[str, Any]) -> None:
        await self._to_app.put({"type": "websocket.receive", "text": json.dumps(message)})

    async def receive_json(self, wait: float = 5.0) -> dict[str, Any]:
        message = await self._next(wait)
        assert message["type"] == "websocket.send", message
        decoded: dict[str, Any] = json.loads(message["text"])
        return decoded

    async def __aexit__(self, *exc: object | TracebackType | None) -> None:
        await self._to_app.put({"type": "websocket.disconnect", "code": 1000})
        assert self._task is not None
        await asyncio.wait_for(self._task, 5)
