"""GraphQL over Server-Sent Events (graphql-sse, distinct connections) on ``/graphql``.

A real uvicorn server and a real SSE client (httpx-sse), on the same pipeline as HTTP and
WebSocket.
"""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from httpx_sse import EventSource, ServerSentEvent, aconnect_sse
from sqlalchemy import update

from commerce.api.graphql.executor import Outcome
from commerce.api.graphql.http import wants_event_stream
from commerce.api.graphql.sse import encode_next, event_id
from commerce.app import create_app
from commerce.db.database import Database
from commerce.db.models import AuthToken
from commerce.settings import Settings
from commerce.shared.clock import utcnow
from tests.account_helpers import user_with_token
from tests.live_server import serve
from tests.serve_process import commerce_serve

BEATS = "subscription { heartbeat(intervalSeconds: 1, count: 2) }"
SSE = {"Accept": "text/event-stream"}


@asynccontextmanager
async def stream(host: str, method: str = "POST", *, body: dict[str, Any] | None = None,
                 params: dict[str, str] | None = None, headers: dict[str, str] | None = None,
                 ) -> AsyncIterator[EventSource]:
    async with httpx.AsyncClient(base_url=f"http://{host}", timeout=10) as client, \
            aconnect_sse(client, method, "/graphql", json=body, params=params,
                         headers={**SSE, **(headers or {})}) as source:
        yield source


async def events(source: EventSource, within: float = 10) -> list[ServerSentEvent]:
    """Every event until the server closes the stream (keep-alive comments excluded)."""

    async def read() -> list[ServerSentEvent]:
        return [e async for e in source.aiter_sse()]

    return await asyncio.wait_for(read(), within)


def payloads(received: list[ServerSentEvent]) -> list[dict[str, Any]]:
    assert [e.event for e in received][-1] == "complete", received
    assert all(e.event == "next" for e in received[:-1]), received
    return [json.loads(e.data) for e in received[:-1]]


async def test_a_subscription_streams_next_events_then_complete(app: Any) -> None:
    async with serve(app) as host, stream(host, body={"query": BEATS}) as source:
        assert source.response.status_code == 200
        assert source.response.headers["content-type"].startswith("text/event-stream")
        assert source.response.headers["cache-control"] == "no-cache, no-transform"
        assert source.response.headers["x-request-id"]
        beats = payloads(await events(source))
    assert len(beats) == 2
    assert all(set(b) == {"data"} and b["data"]["heartbeat"] for b in beats)


async def test_an_event_source_opens_the_stream_with_get_parameters(app: Any) -> None:
    query = "subscription Beat($n: Int) { heartbeat(intervalSeconds: 1, count: $n) }"
    params = {"query": query, "variables": json.dumps({"n": 1}), "operationName": "Beat",
              "extensions": "{}"}
    async with serve(app) as host, stream(host, "GET", params=params) as source:
        assert source.response.status_code == 200
        beats = payloads(await events(source))
    assert len(beats) == 1 and beats[0]["data"]["heartbeat"]


async def test_queries_get_one_next_event_then_complete(app: Any) -> None:
    async with serve(app) as host:
        async with stream(host, body={"query": "{ categories { nodes { id } } }"}) as source:
            assert payloads(await events(source)) == [{"data": {"categories": {"nodes": []}}}]
        async with stream(host, "GET", params={"query": "{ categories { nodes { id } } }"}
                          ) as source:
            assert payloads(await events(source)) == [{"data": {"categories": {"nodes": []}}}]


async def test_a_mutation_over_get_is_405_and_over_post_runs(app: Any) -> None:
    mutation = 'mutation { cartCreate(input: {}) { cart { id } errors { code } } }'
    async with serve(app) as host, httpx.AsyncClient(base_url=f"http://{host}") as client:
        r = await client.get("/graphql", params={"query": mutation}, headers=SSE)
        assert r.status_code == 405 and r.headers["allow"] == "POST"
        assert r.json()["errors"][0]["message"] == "mutations must be sent with POST"
        async with stream(host, body={"query": mutation}) as source:
            (result,) = payloads(await events(source))
    assert result["data"]["cartCreate"]["errors"] == []
    assert result["data"]["cartCreate"]["cart"]["id"]


@pytest.mark.parametrize(("query", "code"), [
    ("subscription { heartbeat(", "GRAPHQL_PARSE_FAILED"),
    ("subscription { nope }", "GRAPHQL_VALIDATION_FAILED"),
    ("subscription($n: Int!) { heartbeat(count: $n) }", "INVALID_ARGUMENT"),
    ("{ categories { nodes { " + "parent { " * 17 + "id" + " }" * 17 + " } } }",
     "QUERY_TOO_DEEP"),
])
async def test_errors_before_execution_arrive_as_a_next_event_on_an_accepted_stream(
        app: Any, query: str, code: str) -> None:
    async with serve(app) as host, stream(host, body={"query": query}) as source:
        assert source.response.status_code == 200
        (result,) = payloads(await events(source))
    assert "data" not in result
    assert result["errors"][0]["extensions"]["code"] == code


async def test_unreadable_requests_get_the_http_statuses(app: Any, settings: Settings,
                                                         db: Database) -> None:
    small = create_app(settings.with_(max_body_bytes=200), db)
    async with serve(small) as host, httpx.AsyncClient(base_url=f"http://{host}") as client:
        r = await client.post("/graphql", content=b"{nope", headers={
            **SSE, "Content-Type": "application/json"})
        assert r.status_code == 400 and r.json()["errors"][0]["extensions"]["code"] \
            == "BAD_REQUEST"
        r = await client.post("/graphql", content=b"query=x", headers={
            **SSE, "Content-Type": "application/x-www-form-urlencoded"})
        assert r.status_code == 415
        r = await client.post("/graphql", json={"query": "{ categories { nodes { id } } }"
                                                + " " * 300}, headers=SSE)
        assert r.status_code == 413
        r = await client.get("/graphql", params={"variables": "{}"}, headers=SSE)
        assert r.status_code == 400 and "query" in r.json()["errors"][0]["message"]


async def test_subscriptions_over_plain_json_http_are_still_refused(app: Any) -> None:
    async with serve(app) as host, httpx.AsyncClient(base_url=f"http://{host}") as client:
        r = await client.post("/graphql", json={"query": BEATS})
    assert r.status_code == 200
    assert r.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_an_idle_stream_sends_keep_alive_comments(settings: Settings,
                                                        db: Database) -> None:
    app = create_app(settings.with_(sse_keepalive_seconds=0.2), db)
    query = "subscription { heartbeat(intervalSeconds: 1, count: 2) }"
    async with serve(app) as host, httpx.AsyncClient(base_url=f"http://{host}") as client, \
            client.stream("POST", "/graphql", json={"query": query}, headers=SSE) as r:
        raw = b"".join([chunk async for chunk in r.aiter_bytes()])
    text = raw.decode()
    # Two beats a second apart: the quiet second carries pings (0.2 s apart), and the
    # stream still holds both results and the end.
    assert text.count(": ping\n\n") >= 2, text
    assert text.count("event: next\n") == 2 and text.endswith("event: complete\ndata: \n\n")


def _tasks() -> int:
    return len(asyncio.all_tasks())


async def test_a_client_that_goes_away_ends_the_stream_and_its_task(app: Any) -> None:
    closed = asyncio.Event()
    executor = app.state.executor
    original = executor.stream

    async def watched(*args: Any, **kwargs: Any) -> Any:
        try:
            async for outcome in original(*args, **kwargs):
                yield outcome
        finally:
            closed.set()

    executor.stream = watched
    long = "subscription { heartbeat(intervalSeconds: 10, count: 360) }"
    async with serve(app) as host:
        before = _tasks()
        async with stream(host, body={"query": long}) as source:
            first = await asyncio.wait_for(anext(source.aiter_sse()), 5)
            assert first.event == "next"
            assert app.state.sse.slots.total == 1
            assert _tasks() > before
        # The client left long before the next beat (10 s): the operation is closed at once
        # (not at the next beat or ping), its slot and its tasks are gone.
        await asyncio.wait_for(closed.wait(), 3)
        for _ in range(100):
            if _tasks() <= before and app.state.sse.slots.total == 0:
                break
            await asyncio.sleep(0.01)
        assert app.state.sse.slots.total == 0
        assert _tasks() <= before


async def test_a_client_over_its_stream_allowance_is_refused_with_429(
        settings: Settings, db: Database) -> None:
    app = create_app(settings.with_(max_sse_streams_per_client=2), db)
    long = {"query": "subscription { heartbeat(intervalSeconds: 1, count: 60) }"}
    async with serve(app) as host, stream(host, body=long) as one, \
            stream(host, body=long) as two:
        for source in (one, two):
            assert (await asyncio.wait_for(anext(source.aiter_sse()), 5)).event == "next"
        async with httpx.AsyncClient(base_url=f"http://{host}") as client:
            r = await client.post("/graphql", json=long, headers=SSE)
        assert r.status_code == 429
        assert r.json()["errors"][0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
    # Closed streams give their slots back.
    assert app.state.sse.slots.total == 0


async def test_the_stream_carries_the_token_order_token_and_last_event_id_to_the_context(
        app: Any) -> None:
    seen: list[tuple[str | None, str | None, str | None]] = []
    executor = app.state.executor
    original = executor.stream

    def spy(query: str, variables: Any, operation_name: Any, new_context: Any,
            **kwargs: Any) -> Any:
        def recording(long_lived: bool) -> Any:
            context = new_context(long_lived)
            seen.append((context.authorization, context.order_token, context.last_event_id))
            return context
        return original(query, variables, operation_name, recording, **kwargs)

    executor.stream = spy
    one = "subscription { heartbeat(intervalSeconds: 1, count: 1) }"
    async with serve(app) as host:
        async with stream(host, "GET", params={"query": one, "orderToken": "tok-1"},
                          headers={"Last-Event-ID": "7"}) as source:
            payloads(await events(source))
        async with stream(host, body={"query": one}, headers={
                "X-Order-Token": "tok-2", "Authorization": "Bearer nobody"}) as source:
            (refused,) = payloads(await events(source))
    assert seen[0] == (None, "tok-1", "7")
    assert seen[-1] == ("Bearer nobody", "tok-2", None)
    # A token that signs nobody in is refused like over HTTP and WebSocket.
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_revoked_token_ends_the_stream_at_the_next_event(app: Any,
                                                                 db: Database) -> None:
    user_id, token = await user_with_token(db, "live@example.com")
    query = {"query": "subscription { heartbeat(intervalSeconds: 1, count: 5) }"}
    async with serve(app) as host, stream(host, body=query, headers={
            "Authorization": f"Bearer {token}"}) as source:
        received = source.aiter_sse()
        first = await asyncio.wait_for(anext(received), 5)
        assert json.loads(first.data)["data"]["heartbeat"]
        async with db.transaction() as session:
            await session.execute(update(AuthToken).where(AuthToken.user_id == user_id)
                                  .values(revoked_at=utcnow()))
        rest = await asyncio.wait_for(_drain(received), 5)
    assert [e.event for e in rest] == ["next", "complete"]
    assert json.loads(rest[0].data)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def _drain(received: AsyncIterator[ServerSentEvent]) -> list[ServerSentEvent]:
    return [e async for e in received]


async def test_commerce_serve_stops_within_its_grace_though_a_stream_is_open(
        settings: Settings, db: Database) -> None:
    long = {"query": "subscription { heartbeat(intervalSeconds: 1, count: 3600) }"}
    async with commerce_serve(settings, SHUTDOWN_GRACE_SECONDS="1") as (host, process), \
            stream(host, body=long) as source:
        received = source.aiter_sse()
        assert (await asyncio.wait_for(anext(received), 10)).event == "next"
        process.terminate()
        # The server cuts the stream (no `complete`: the client should reconnect)...
        with pytest.raises(httpx.RemoteProtocolError):
            await asyncio.wait_for(_drain(received), 10)
        # ...and exits, where without a grace uvicorn would wait for the stream forever.
        # (uvicorn re-raises the SIGTERM it handled once it has shut down cleanly).
        assert await asyncio.wait_for(process.wait(), 10) in (0, -signal.SIGTERM)


async def test_a_cross_origin_event_source_may_resume_with_its_headers(
        settings: Settings, db: Database) -> None:
    app = create_app(settings.with_(cors_origins=("https://shop.example",)), db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        r = await client.options("/graphql", headers={
            "origin": "https://shop.example", "access-control-request-method": "GET",
            "access-control-request-headers": "last-event-id, x-order-token"})
    assert r.status_code == 200
    allowed = r.headers["access-control-allow-headers"].lower()
    assert "last-event-id" in allowed and "x-order-token" in allowed


# -- pure parts -----------------------------------------------------------------------------


def test_a_versioned_root_object_becomes_the_event_id() -> None:
    assert event_id({"orderTracking": {"version": 12, "type": "SHIPPED"}}) == 12
    assert event_id({"heartbeat": "2026-01-01T00:00:00"}) is None
    assert event_id({"a": {"version": 1}, "b": {"version": 2}}) is None
    assert event_id({"orderTracking": {"version": "12"}}) is None
    assert event_id({"orderTracking": {"version": True}}) is None
    assert event_id(None) is None
    tracked = Outcome({"orderTracking": {"version": 3}}, [], request_error=False)
    assert encode_next(tracked) == (
        b'id: 3\nevent: next\ndata: {"data":{"orderTracking":{"version":3}}}\n\n')


@pytest.mark.parametrize(("accept", "expected"), [
    ("text/event-stream", True),
    ("text/event-stream; charset=utf-8", True),
    ("application/json, text/event-stream", True),
    ("application/json, text/event-stream;q=0.5", False),
    ("text/event-stream;q=0", False),
    ("*/*", False),
    ("application/graphql-response+json", False),
    (None, False),
])
def test_which_accept_headers_get_an_event_stream(accept: str | None, expected: bool) -> None:
    assert wants_event_stream(accept) is expected
