"""Subscriptions over real WebSocket connections, both protocols."""

from __future__ import annotations

import json
from typing import Any

import websockets

from tests.live_server import serve

SUBSCRIPTION = "subscription { heartbeat(intervalSeconds: 1, count: 2) }"


async def test_graphql_transport_ws_handshake_and_subscription(app: Any) -> None:
    async with serve(app) as host, websockets.connect(
            f"ws://{host}/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        assert ws.subprotocol == "graphql-transport-ws"
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                  "payload": {"query": SUBSCRIPTION}}))
        beats = [json.loads(await ws.recv()) for _ in range(2)]
        assert [b["type"] for b in beats] == ["next", "next"]
        assert all(b["payload"]["data"]["heartbeat"] for b in beats)
        assert json.loads(await ws.recv()) == {"id": "1", "type": "complete"}


async def test_legacy_graphql_ws_protocol_works_too(app: Any) -> None:
    async with serve(app) as host, websockets.connect(
            f"ws://{host}/graphql", subprotocols=["graphql-ws"]) as ws:
        assert ws.subprotocol == "graphql-ws"
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "start",
                                  "payload": {"query": SUBSCRIPTION}}))
        first = json.loads(await ws.recv())
        while first["type"] == "ka":
            first = json.loads(await ws.recv())
        assert first["type"] == "data" and first["payload"]["data"]["heartbeat"]


async def test_an_unknown_subprotocol_is_refused(app: Any) -> None:
    async with serve(app) as host:
        try:
            async with websockets.connect(f"ws://{host}/graphql",
                                          subprotocols=["chat"]) as ws:  # type: ignore[list-item]
                await ws.recv()
        except (websockets.InvalidStatus, websockets.ConnectionClosed,
                websockets.NegotiationError) as exc:
            assert exc is not None
        else:
            raise AssertionError("the server accepted an unknown subprotocol")


async def test_connection_init_carries_the_bearer_token(app: Any, db: Any) -> None:
    from tests.account_helpers import user_with_token

    _, token = await user_with_token(db, "ws@example.com")
    async with serve(app) as host, websockets.connect(
            f"ws://{host}/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init",
                                  "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                  "payload": {"query": "{ me { email } }"}}))
        answer = json.loads(await ws.recv())
        assert answer["payload"]["data"] == {"me": {"email": "ws@example.com"}}


async def test_each_operation_on_a_socket_reads_the_current_state(
        app: Any, db: Any, gql: Any) -> None:
    from commerce.shared.ids import encode_id
    from tests.factories import create_category, create_staff

    category_id = encode_id("Category", await create_category(db, "Teas"))
    staff = await create_staff(db, superuser=True)
    # node(id) reads through the per-request DataLoaders, which a socket's context keeps.
    query = '{ node(id: "' + category_id + '") { id ... on Category { name } } }'
    async with serve(app) as host, websockets.connect(
            f"ws://{host}/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        await ws.recv()

        async def ask(op_id: str) -> Any:
            await ws.send(json.dumps({"id": op_id, "type": "subscribe",
                                      "payload": {"query": query}}))
            answer = json.loads(await ws.recv())
            await ws.recv()  # complete
            return answer["payload"]["data"]["node"]

        first = await ask("1")
        renamed = await gql("mutation($id: ID!) { categoryUpdate(input: {id: $id, name: "
                            '"Green teas"}) { errors { code } } }', {"id": first["id"]},
                            token=staff)
        assert renamed["data"]["categoryUpdate"]["errors"] == []
        assert (await ask("2"))["name"] == "Green teas"
