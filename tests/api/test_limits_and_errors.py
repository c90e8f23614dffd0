"""Query limits, masked errors and production switches."""

from __future__ import annotations

import gc
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import get_introspection_query

from commerce.api.graphql.executor import Executor
from commerce.api.graphql.limits import Limits
from commerce.app import create_app
from commerce.db.database import Database
from commerce.settings import Settings


async def _client(settings: Settings, db: Database) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(settings, db))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


@pytest.fixture
async def strict(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    limited = settings.with_(max_depth=5, max_aliases=3, max_tokens=60, max_cost=50)
    async with await _client(limited, db) as c:
        yield c


async def _errors(client: httpx.AsyncClient, query: str) -> list[dict[str, Any]]:
    r = await client.post("/graphql", json={"query": query},
                          headers={"accept": "application/graphql-response+json"})
    assert r.status_code == 400, r.text
    assert "data" not in r.json()
    errors: list[dict[str, Any]] = r.json()["errors"]
    return errors


async def test_too_deep_queries_are_refused(strict: httpx.AsyncClient) -> None:
    errors = await _errors(strict, "{ products { edges { node { variants { product { "
                                   "category { name } } } } } } }")
    assert errors[0]["extensions"]["code"] == "QUERY_TOO_DEEP"


async def test_depth_counts_through_fragments(strict: httpx.AsyncClient) -> None:
    errors = await _errors(strict, "{ products { edges { node { ...P } } } } "
                                   "fragment P on Product { variants { product { id } } }")
    assert errors[0]["extensions"]["code"] == "QUERY_TOO_DEEP"


async def test_aliases_are_counted_with_fragments_expanded(strict: httpx.AsyncClient) -> None:
    # Two aliases in a fragment spread twice is four, over the limit of three.
    query = ("{ a: products { ...F } b: products { ...F } } "
             "fragment F on ProductConnection { x: nodes { id } y: nodes { id } }")
    errors = await _errors(strict, query)
    assert errors[0]["extensions"]["code"] == "TOO_MANY_ALIASES"


async def test_documents_with_too_many_tokens_are_refused(strict: httpx.AsyncClient) -> None:
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(30)) + " }"
    errors = await _errors(strict, query)
    assert errors[0]["extensions"]["code"] == "TOO_MANY_TOKENS"


async def test_connections_multiply_cost_by_first(strict: httpx.AsyncClient) -> None:
    errors = await _errors(strict, "{ products(first: 100) { nodes { id name } } }")
    assert errors[0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    r = await strict.post("/graphql", json={"query": "{ products(first: 5) { nodes { id } } }"})
    assert r.json() == {"data": {"products": {"nodes": []}}}


async def test_cost_uses_the_variables_value_of_first(strict: httpx.AsyncClient) -> None:
    query = "query($n: Int) { products(first: $n) { nodes { id name } } }"
    r = await strict.post("/graphql", json={"query": query, "variables": {"n": 100}})
    assert r.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    r = await strict.post("/graphql", json={"query": query, "variables": {"n": 2}})
    assert "errors" not in r.json()


async def test_page_size_over_100_is_an_error(gql: Any) -> None:
    body = await gql("{ products(first: 101) { nodes { id } } }", expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "INVALID_ARGUMENT"


async def test_a_malformed_cursor_is_an_error(gql: Any) -> None:
    body = await gql('{ products(after: "bogus") { nodes { id } } }', expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "INVALID_ARGUMENT"


async def test_unexpected_errors_are_masked_and_carry_the_request_id(
        settings: Settings, tmp_path: Path) -> None:
    # A database without tables makes the resolver fail in a way nobody planned for.
    broken = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    async with await _client(settings.with_(debug=False), broken) as c:
        r = await c.post("/graphql", json={"query": "{ products { nodes { id } } }"},
                         headers={"x-request-id": "req-1"})
    await broken.dispose()
    error = r.json()["errors"][0]
    assert error["message"] == "Internal server error"
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-1"}
    assert "sqlite" not in r.text.lower()


async def test_readiness_fails_when_the_database_is_unreachable(
        settings: Settings, tmp_path: Path) -> None:
    missing = Database(f"sqlite+aiosqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")
    async with await _client(settings, missing) as c:
        assert (await c.get("/healthz")).status_code == 200
        assert (await c.get("/readyz")).status_code == 503
    await missing.dispose()


async def test_introspection_and_graphiql_can_be_switched_off(
        settings: Settings, db: Database) -> None:
    async with await _client(settings.with_(introspection=False, graphiql=False), db) as c:
        r = await c.post("/graphql", json={"query": "{ __schema { types { name } } }"})
        assert "introspection" in r.json()["errors"][0]["message"].lower()
        r = await c.get("/graphql", headers={"accept": "text/html"})
        assert "graphiql" not in r.text.lower()


async def test_cors_allows_configured_origins_only(settings: Settings, db: Database) -> None:
    async with await _client(settings.with_(cors_origins=("https://shop.example",)), db) as c:
        ok = await c.options("/graphql", headers={
            "origin": "https://shop.example", "access-control-request-method": "POST"})
        bad = await c.options("/graphql", headers={
            "origin": "https://evil.example", "access-control-request-method": "POST"})
    assert ok.headers["access-control-allow-origin"] == "https://shop.example"
    assert "access-control-allow-origin" not in bad.headers


def _fragment_chain(levels: int) -> str:
    """``levels`` fragments, each spreading the next twice: 2^levels leaves when expanded."""
    parts = ["query { ...F0 }"]
    parts += [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    parts.append(f"fragment F{levels} on Query {{ categories {{ nodes {{ id }} }} }}")
    return " ".join(parts)


async def test_a_fragment_chain_is_refused_in_linear_time(client: httpx.AsyncClient) -> None:
    query = _fragment_chain(30)
    await client.post("/graphql", json={"query": "{ __typename }"})  # warm the app up
    gc.collect()  # so a collection of earlier tests' garbage is not timed
    # CPU time of this thread (the ASGI transport runs the app on it): what the request
    # costs the server, not how busy the machine is. The old code took minutes here.
    started = time.thread_time()
    r = await client.post("/graphql", json={"query": query})
    elapsed = time.thread_time() - started
    assert r.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert elapsed < 0.05, f"refusing took {elapsed * 1000:.1f} ms"


async def test_aliased_introspection_counts_towards_cost(client: httpx.AsyncClient) -> None:
    selection = "__schema { types { name description fields { name description type { name } } } }"
    query = "{ " + " ".join(f"s{i}: {selection}" for i in range(20)) + " }"
    r = await client.post("/graphql", json={"query": query})
    assert "data" not in r.json()
    assert r.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"


async def test_a_full_introspection_query_passes_the_default_limits(
        client: httpx.AsyncClient) -> None:
    query = get_introspection_query(descriptions=True, specified_by_url=True,
                                    directive_is_repeatable=True, schema_description=True,
                                    input_value_deprecation=True)
    body = (await client.post("/graphql", json={"query": query})).json()
    assert "errors" not in body and body["data"]["__schema"]["types"]


async def test_aliases_of_introspection_fields_are_counted(client: httpx.AsyncClient) -> None:
    query = "{ " + " ".join(f"t{i}: __typename" for i in range(31)) + " }"
    r = await client.post("/graphql", json={"query": query})
    assert r.json()["errors"][0]["extensions"]["code"] == "TOO_MANY_ALIASES"


async def test_a_body_over_the_limit_is_413_without_being_read(
        client: httpx.AsyncClient) -> None:
    padding = "x" * (5 * 1024 * 1024)
    r = await client.post("/graphql", json={"query": "{ __typename }",
                                            "variables": {"padding": padding}})
    assert r.status_code == 413
    assert r.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


async def test_a_chunked_body_is_counted_while_it_is_read(app: Any) -> None:
    # No Content-Length: the endpoint must stop reading once the limit is passed.
    chunk = b" " * 65536
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": pulled < 50 * 1024 * 1024}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/graphql", "raw_path": b"/graphql",
             "query_string": b"", "root_path": "", "server": ("test", 80),
             "client": ("127.0.0.1", 5000),
             "headers": [(b"host", b"test"), (b"content-type", b"application/json"),
                         (b"transfer-encoding", b"chunked")]}
    await app(scope, receive, send)
    assert sent[0]["status"] == 413
    assert pulled <= 1024 * 1024 + len(chunk)


async def test_a_get_query_string_over_the_limit_is_414(client: httpx.AsyncClient) -> None:
    query = "{ " + " ".join(["__typename"] * 5000) + " }"
    r = await client.get("/graphql", params={"query": query})
    assert r.status_code == 414
    assert r.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


def _executor(**overrides: Any) -> Executor:
    from commerce.api.graphql.schema import schema

    options: dict[str, Any] = {"limits": Limits(15, 30, 25000), "max_tokens": 5000,
                               "introspection": True}
    return Executor(schema, **(options | overrides))


def test_failed_documents_are_not_cached() -> None:
    executor = _executor()
    assert executor.prepare("{ categories { nodes { id }").errors
    assert executor.prepare("{ noSuchField }").errors
    assert executor.prepare("{ " + "a: __typename " * 31 + "}").errors  # over a limit
    assert len(executor._cache) == 0
    assert not executor.prepare("{ categories { nodes { id } } }").errors
    assert len(executor._cache) == 1


def test_the_document_cache_is_bounded_in_bytes_and_keyed_by_a_hash() -> None:
    executor = _executor(cache_bytes=200_000)
    for n in range(200):
        query = f"{{ categories(first: {n + 1}) {{ nodes {{ id name slug }} }} }}"
        assert not executor.prepare(query).errors
    assert 0 < executor.cache_bytes <= 200_000
    assert len(executor._cache) < 200
    assert all(isinstance(key, bytes) and len(key) == 32 for key in executor._cache)


def test_a_fragment_chain_is_weighed_once_per_fragment_even_under_a_huge_limit() -> None:
    # Saturation cannot help here (the limit is never reached): only memoising does.
    from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

    from commerce.api.graphql.limits import IntrospectionModel, query_cost
    from commerce.api.graphql.schema import schema

    document = parse(_fragment_chain(30))
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    model = IntrospectionModel(schema._schema)
    started = time.thread_time()  # CPU time: steady on a busy machine
    cost = query_cost(schema._schema, operation, fragments, {}, limit=10**12,
                      introspection=model)
    elapsed = time.thread_time() - started
    assert cost.fields == 41 * 2**30  # categories: 1 + 20 x (nodes + id), doubled 30 times
    assert elapsed < 0.05, f"weighing took {elapsed * 1000:.1f} ms"


async def test_repeated_fields_are_refused_before_quadratic_validation(
        client: httpx.AsyncClient) -> None:
    # graphql-core's overlapping-fields rule compares every pair of same-named fields: this
    # 4.5 KB document kept the event loop busy for about a second before it was refused.
    query = "{ " + " ".join(["me { id }"] * 450) + " }"
    await client.post("/graphql", json={"query": "{ __typename }"})  # warm the app up
    gc.collect()  # so a collection of earlier tests' garbage is not timed
    started = time.thread_time()
    r = await client.post("/graphql", json={"query": query})
    elapsed = time.thread_time() - started
    assert r.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert elapsed < 0.05, f"refusing took {elapsed * 1000:.1f} ms"


async def test_fields_repeated_through_fragments_count_as_repeats(
        client: httpx.AsyncClient) -> None:
    spreads = " ".join(f"...F{i}" for i in range(300))
    fragments = " ".join(f"fragment F{i} on Query {{ me {{ id }} }}" for i in range(300))
    r = await client.post("/graphql", json={"query": f"{{ {spreads} }} {fragments}"})
    assert r.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"


async def test_the_repeats_clients_send_pass(client: httpx.AsyncClient) -> None:
    # ``id`` and ``name`` selected by ten fragments on one type, one object by two components.
    fragments = " ".join(f"fragment P{i} on Product {{ id name slug }}" for i in range(10))
    spreads = " ".join(f"...P{i}" for i in range(10))
    listing = "products(first: 5) { nodes { " + spreads + " variants { sku } } }"
    r = await client.post("/graphql", json={"query": f"{{ {listing} {listing} }} {fragments}"})
    assert "errors" not in r.json(), r.json()
