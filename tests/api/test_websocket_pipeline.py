"""Sockets run on the same pipeline as HTTP: same answers, same limits, viewer re-checks.

Real uvicorn server, real ``websockets`` client, both subprotocols.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import update

from commerce.app import create_app
from commerce.db.database import Database
from commerce.db.models import AuthToken, User
from commerce.settings import Settings
from commerce.shared.clock import utcnow
from tests.account_helpers import user_with_token
from tests.live_server import serve

PROTOCOLS = ["graphql-transport-ws", "graphql-ws"]


class Socket:
    """A GraphQL WebSocket client speaking either protocol, one operation at a time."""

    def __init__(self, ws: Any, protocol: str) -> None:
        self.ws = ws
        self.protocol = protocol

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def recv(self, within: float = 5) -> dict[str, Any]:
        while True:
            message: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), within))
            if message.get("type") != "ka":
                return message

    async def start(self, op_id: str, query: str,
                    variables: dict[str, Any] | None = None) -> None:
        kind = "subscribe" if self.protocol == "graphql-transport-ws" else "start"
        await self.send({"id": op_id, "type": kind,
                         "payload": {"query": query, "variables": variables}})

    async def stop(self, op_id: str) -> None:
        kind = "complete" if self.protocol == "graphql-transport-ws" else "stop"
        await self.send({"id": op_id, "type": kind})

    async def ask(self, query: str, variables: dict[str, Any] | None = None,
                  op_id: str = "1") -> dict[str, Any]:
        """One operation's answer in HTTP form: ``{"data", "errors"}`` or ``{"errors"}``."""
        await self.start(op_id, query, variables)
        message = await self.recv()
        assert message["id"] == op_id, message
        if message["type"] == "error":
            payload = message["payload"]
            return {"errors": payload if isinstance(payload, list) else [payload]}
        assert message["type"] in {"next", "data"}, message
        assert (await self.recv())["type"] == "complete"
        body: dict[str, Any] = message["payload"]
        return body


@asynccontextmanager
async def socket(host: str, protocol: str, init: dict[str, Any] | None = None,
                 ) -> AsyncIterator[Socket]:
    async with websockets.connect(f"ws://{host}/graphql", subprotocols=[protocol]) as ws:
        client = Socket(ws, protocol)
        await client.send({"type": "connection_init", "payload": init or {}})
        assert (await client.recv())["type"] == "connection_ack"
        yield client


async def _http(host: str, query: str, variables: dict[str, Any] | None = None,
                token: str | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=f"http://{host}") as client:
        r = await client.post("/graphql", json={"query": query, "variables": variables},
                              headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _without_request_ids(body: dict[str, Any]) -> dict[str, Any]:
    for error in body.get("errors", ()):
        extensions = error.get("extensions") or {}
        if "requestId" in extensions:
            assert isinstance(extensions["requestId"], str) and extensions["requestId"]
            extensions["requestId"] = "<request id>"
    return body


async def _same_everywhere(host: str, query: str, variables: dict[str, Any] | None = None,
                           token: str | None = None) -> dict[str, Any]:
    """Asks over HTTP and both socket protocols; asserts the three answers are equal."""
    init = {"Authorization": f"Bearer {token}"} if token else {}
    over_http = _without_request_ids(await _http(host, query, variables, token))
    for protocol in PROTOCOLS:
        async with socket(host, protocol, init) as ws:
            over_socket = _without_request_ids(await ws.ask(query, variables))
        expected = over_http
        if protocol == "graphql-ws" and "data" not in over_http:
            expected = {"errors": over_http["errors"][:1]}  # its `error` carries one error
        assert over_socket == expected, protocol
    return over_http


def _code(body: dict[str, Any]) -> str:
    code: str = body["errors"][0]["extensions"]["code"]
    return code


@pytest.fixture
def locked_down(settings: Settings) -> Settings:
    return settings.with_(introspection=False, debug=False)


DEEP = "{ categories { nodes { " + "parent { " * 17 + "id" + " }" * 17 + " } } }"


async def test_http_and_sockets_refuse_introspection_and_deep_queries_alike(
        locked_down: Settings, db: Database) -> None:
    async with serve(create_app(locked_down, db)) as host:
        body = await _same_everywhere(host, "{ __schema { types { name } } }")
        assert "data" not in body and _code(body) == "GRAPHQL_VALIDATION_FAILED"
        assert "introspection" in body["errors"][0]["message"].lower()
        body = await _same_everywhere(host, DEEP)
        assert "data" not in body and _code(body) == "QUERY_TOO_DEEP"
        body = await _same_everywhere(host, "{ categories { nodes { id } } }")
        assert body == {"data": {"categories": {"nodes": []}}}


async def test_http_and_sockets_mask_unexpected_errors_alike(
        locked_down: Settings, tmp_path: Path) -> None:
    # A database without tables fails in a way nobody planned for, with SQL in the message.
    broken = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    try:
        async with serve(create_app(locked_down, broken)) as host:
            body = await _same_everywhere(host, "{ categories { nodes { id } } }")
    finally:
        await broken.dispose()
    assert body["data"] is None
    assert body["errors"][0]["message"] == "Internal server error"
    assert body["errors"][0]["extensions"] == {"code": "INTERNAL_SERVER_ERROR",
                                               "requestId": "<request id>"}
    assert "select" not in json.dumps(body).lower()


async def test_http_and_sockets_answer_a_revoked_token_alike(
        locked_down: Settings, db: Database) -> None:
    user_id, token = await user_with_token(db, "staff@example.com", superuser=True)
    async with db.transaction() as session:
        await session.execute(update(AuthToken).where(AuthToken.user_id == user_id)
                              .values(revoked_at=utcnow()))
    async with serve(create_app(locked_down, db)) as host:
        body = await _same_everywhere(host, "{ customers { nodes { id } } }", token=token)
    assert _code(body) == "UNAUTHENTICATED"


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_request_errors_carry_codes_on_every_transport(
        protocol: str, app: Any) -> None:
    cases = [
        ("{ categories { nodes { id }", None, "GRAPHQL_PARSE_FAILED"),
        ("{ noSuchField }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("query($n: Int) { categories(first: $n) { nodes { id } } }", {"n": "ten"},
         "INVALID_ARGUMENT"),
    ]
    async with serve(app) as host, socket(host, protocol) as ws:
        for n, (query, variables, code) in enumerate(cases):
            over_http = await _http(host, query, variables)
            over_socket = await ws.ask(query, variables, op_id=str(n))
            assert _code(over_http) == code
            assert over_socket == {"errors": over_http["errors"][:1]}


async def _revoke(db: Database, user_id: int) -> None:
    async with db.transaction() as session:
        await session.execute(update(AuthToken).where(AuthToken.user_id == user_id)
                              .values(revoked_at=utcnow()))


async def _deactivate(db: Database, user_id: int) -> None:
    async with db.transaction() as session:
        await session.execute(update(User).where(User.id == user_id).values(is_active=False))


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("sign_out", [_revoke, _deactivate], ids=["revoked", "deactivated"])
async def test_a_signed_out_viewer_stops_receiving_at_the_next_event(
        protocol: str, sign_out: Any, app: Any, db: Database) -> None:
    user_id, token = await user_with_token(db, "live@example.com")
    async with serve(app) as host, socket(host, protocol,
                                          {"Authorization": f"Bearer {token}"}) as ws:
        await ws.start("beat", "subscription { heartbeat(intervalSeconds: 1, count: 5) }")
        first = await ws.recv()
        assert first["type"] in {"next", "data"} and first["payload"]["data"]["heartbeat"]
        await sign_out(db, user_id)
        stopped = await ws.recv(within=3)
        assert stopped["payload"]["data"] is None
        assert stopped["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert (await ws.recv())["type"] == "complete"
        # ...and a new subscription is refused while the token stays bad.
        answer = await ws.ask("subscription { heartbeat(count: 1) }", op_id="again")
        assert _code(answer) == "UNAUTHENTICATED"


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_operations_per_socket_are_capped(
        protocol: str, settings: Settings, db: Database) -> None:
    app = create_app(settings.with_(max_subscriptions_per_connection=2), db)
    long = "subscription { heartbeat(intervalSeconds: 60, count: 3) }"
    async with serve(app) as host, socket(host, protocol) as ws:
        for op_id in ("a", "b"):
            await ws.start(op_id, long)
            assert (await ws.recv())["type"] in {"next", "data"}
        answer = await ws.ask(long, op_id="c")
        assert _code(answer) == "TOO_MANY_SUBSCRIPTIONS"
        await ws.stop("a")
        if protocol == "graphql-ws":
            assert (await ws.recv())["type"] == "complete"  # sent once it was released
        else:  # a round trip lets the server finish cancelling the stopped operation
            await ws.send({"type": "ping"})
            assert (await ws.recv())["type"] == "pong"
            await asyncio.sleep(0.01)
        await ws.start("d", long)
        assert (await ws.recv())["type"] in {"next", "data"}


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_socket_without_connection_init_is_closed(
        protocol: str, settings: Settings, db: Database) -> None:
    app = create_app(settings.with_(ws_connection_init_timeout_seconds=0.2), db)
    async with serve(app) as host, websockets.connect(
            f"ws://{host}/graphql", subprotocols=[protocol]) as ws:  # type: ignore[list-item]
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 3)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4408


async def test_a_heartbeat_ends_by_itself(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import commerce.api.graphql.subscriptions as subscriptions

    async def no_wait(_: float) -> None:
        await asyncio.sleep(0)

    monkeypatch.setattr(subscriptions, "sleep", no_wait, raising=False)
    async with serve(app) as host, socket(host, "graphql-transport-ws") as ws:
        await ws.start("1", "subscription { heartbeat(intervalSeconds: 60) }")
        beats = 0
        while (message := await ws.recv(within=2))["type"] == "next":
            beats += 1
        assert message["type"] == "complete"
    assert beats == 60  # an hour's worth at one a minute


async def test_browsers_may_open_sockets_from_the_cors_origins_only(
        settings: Settings, db: Database) -> None:
    app = create_app(settings.with_(cors_origins=("https://shop.example",)), db)
    async with serve(app) as host:
        async with websockets.connect(f"ws://{host}/graphql", origin="https://shop.example",
                                      subprotocols=["graphql-transport-ws"]) as ws:
            assert ws.subprotocol == "graphql-transport-ws"
        with pytest.raises(websockets.InvalidStatus):
            async with websockets.connect(f"ws://{host}/graphql",
                                          origin="https://evil.example",
                                          subprotocols=["graphql-transport-ws"]):
                pass


def test_commerce_serve_caps_websocket_messages_at_the_body_limit(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from commerce import cli

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    settings = Settings(secret_key="a-real-secret", debug=True, max_body_bytes=4096)
    cli._serve(settings, None, None, workers=2)
    assert calls[0]["ws_max_size"] == 4096


def test_edge_settings_are_read_from_the_environment() -> None:
    settings = Settings.from_env({
        "COMMERCE_MAX_BODY_BYTES": "2048", "COMMERCE_DOCUMENT_CACHE_BYTES": "65536",
        "COMMERCE_MAX_SUBSCRIPTIONS_PER_CONNECTION": "5",
        "COMMERCE_WS_CONNECTION_INIT_TIMEOUT_SECONDS": "2.5"})
    assert (settings.max_body_bytes, settings.document_cache_bytes,
            settings.max_subscriptions_per_connection,
            settings.ws_connection_init_timeout_seconds) == (2048, 65536, 5, 2.5)
    defaults = Settings()
    assert (defaults.max_body_bytes, defaults.max_subscriptions_per_connection,
            defaults.ws_connection_init_timeout_seconds) == (1024 * 1024, 20, 10.0)
