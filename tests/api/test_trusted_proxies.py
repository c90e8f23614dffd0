"""COMMERCE_TRUSTED_PROXIES: whose X-Forwarded-For the app believes, over HTTP and WebSocket.

The client address feeds the per-address login limit, so believing any client's header would
let an attacker pick a fresh address per guess, and believing none would put everyone behind
a load balancer at one address.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from commerce.app import client_ip, create_app
from commerce.db.database import Database
from commerce.db.models import LoginAttempt
from commerce.settings import Settings
from tests.live_server import serve

TOKEN = """mutation { tokenCreate(input: {email: "ann@example.com", password: "wrong-guess"})
  { token } }"""


def probed_app(settings: Settings, db: Database) -> Any:
    """The real app plus two routes that answer with the client address the app sees."""
    app = create_app(settings, db)

    async def http_probe(request: Request) -> PlainTextResponse:
        return PlainTextResponse(client_ip(request))

    async def ws_probe(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(client_ip(websocket))
        await websocket.close()

    app.router.routes.extend([Route("/probe", http_probe), WebSocketRoute("/probe", ws_probe)])
    return app


async def seen_over_http(app: Any, peer: str, forwarded: str | None) -> str:
    headers = {} if forwarded is None else {"X-Forwarded-For": forwarded}
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return (await client.get("/probe", headers=headers)).text


@pytest.mark.parametrize(("peer", "forwarded", "seen"), [
    # The default trusts loopback only (a proxy on the same machine).
    ("127.0.0.1", "198.51.100.7", "198.51.100.7"),
    ("::1", "198.51.100.7", "198.51.100.7"),
    # From the right, trusted hops are skipped; the first untrusted address is the client,
    # whatever the client wrote further left.
    ("127.0.0.1", "6.6.6.6, 198.51.100.7, 127.0.0.5", "198.51.100.7"),
    # A peer that is not a trusted proxy is the client, whatever it claims.
    ("203.0.113.9", "198.51.100.7", "203.0.113.9"),
    ("127.0.0.1", None, "127.0.0.1"),
])
async def test_x_forwarded_for_is_believed_only_from_trusted_proxies(
        settings: Settings, db: Database, peer: str, forwarded: str | None, seen: str) -> None:
    app = probed_app(settings, db)
    assert await seen_over_http(app, peer, forwarded) == seen


async def test_trusted_proxies_are_networks_and_can_be_none(
        settings: Settings, db: Database) -> None:
    balancers = probed_app(settings.with_(trusted_proxies=("10.0.0.0/8",)), db)
    assert await seen_over_http(balancers, "10.1.2.3", "198.51.100.7, 10.9.9.9") == \
        "198.51.100.7"
    assert await seen_over_http(balancers, "127.0.0.1", "198.51.100.7") == "127.0.0.1"
    nobody = probed_app(settings.with_(trusted_proxies=()), db)
    assert await seen_over_http(nobody, "127.0.0.1", "198.51.100.7") == "127.0.0.1"


async def test_websocket_connections_see_the_forwarded_client_too(
        settings: Settings, db: Database) -> None:
    app = probed_app(settings, db)  # the test server's peer is 127.0.0.1: trusted
    async with serve(app) as host, websockets.connect(
            f"ws://{host}/probe",
            additional_headers={"X-Forwarded-For": "198.51.100.7"}) as ws:
        assert await ws.recv() == "198.51.100.7"


async def test_the_login_limit_counts_the_forwarded_address(
        settings: Settings, db: Database) -> None:
    app = create_app(settings.with_(trusted_proxies=("10.0.0.0/8",)), db)
    transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as balancer:
        for address in ("198.51.100.7", "198.51.100.8"):
            response = await balancer.post("/graphql", json={"query": TOKEN},
                                           headers={"X-Forwarded-For": address})
            assert response.status_code == 200
    async with db.transaction() as s:
        keys = set((await s.execute(select(LoginAttempt.key))).scalars())
    assert {"ip:198.51.100.7", "ip:198.51.100.8"} <= keys
    assert "ip:10.1.2.3" not in keys
