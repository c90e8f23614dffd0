"""Query limits, masked errors and production switches."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

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
