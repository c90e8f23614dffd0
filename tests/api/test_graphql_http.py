"""GraphQL over HTTP, as the spec says (SHOULDs included)."""

from __future__ import annotations

import httpx
import pytest

GRAPHQL_RESPONSE = "application/graphql-response+json"
Q = "{ products(first: 1) { edges { node { id } } } }"


async def test_post_json_query_answers_application_json_by_default(
        client: httpx.AsyncClient) -> None:
    r = await client.post("/graphql", json={"query": Q})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == {"data": {"products": {"edges": []}}}


@pytest.mark.parametrize("accept", [None, "*/*", "application/json"])
async def test_missing_or_generic_accept_gets_application_json(
        client: httpx.AsyncClient, accept: str | None) -> None:
    headers = {"accept": accept} if accept else {}
    r = await client.post("/graphql", json={"query": Q}, headers=headers)
    assert r.headers["content-type"].startswith("application/json")


async def test_accept_naming_graphql_response_json_gets_it(client: httpx.AsyncClient) -> None:
    r = await client.post("/graphql", json={"query": Q},
                          headers={"accept": f"{GRAPHQL_RESPONSE}, application/json;q=0.9"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(GRAPHQL_RESPONSE)


async def test_q_values_decide_between_the_two_media_types(client: httpx.AsyncClient) -> None:
    r = await client.post("/graphql", json={"query": Q},
                          headers={"accept": f"{GRAPHQL_RESPONSE};q=0.5, application/json"})
    assert r.headers["content-type"].startswith("application/json")


async def test_an_unacceptable_accept_header_is_406(client: httpx.AsyncClient) -> None:
    r = await client.post("/graphql", json={"query": Q}, headers={"accept": "text/xml"})
    assert r.status_code == 406


async def test_parse_errors_are_400_without_data_under_graphql_response_json(
        client: httpx.AsyncClient) -> None:
    r = await client.post("/graphql", json={"query": "{ products("},
                          headers={"accept": GRAPHQL_RESPONSE})
    assert r.status_code == 400
    body = r.json()
    assert "data" not in body and body["errors"][0]["message"].startswith("Syntax Error")


async def test_validation_errors_are_400_without_data_under_graphql_response_json(
        client: httpx.AsyncClient) -> None:
    r = await client.post("/graphql", json={"query": "{ nope }"},
                          headers={"accept": GRAPHQL_RESPONSE})
    assert r.status_code == 400
    assert "data" not in r.json()


async def test_request_errors_are_200_without_data_under_application_json(
        client: httpx.AsyncClient) -> None:
    r = await client.post("/graphql", json={"query": "{ nope }"},
                          headers={"accept": "application/json"})
    assert r.status_code == 200
    assert "data" not in r.json() and r.json()["errors"]


async def test_bad_variables_are_a_request_error(client: httpx.AsyncClient) -> None:
    r = await client.post("/graphql", json={"query": "query($n: Int) { products(first: $n) "
                                                     "{ nodes { id } } }",
                                            "variables": {"n": "ten"}},
                          headers={"accept": GRAPHQL_RESPONSE})
    assert r.status_code == 400
    assert "data" not in r.json()


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'"query"', b'{"query": 5}',
                                  b'{"query": "{ __typename }", "variables": [1]}',
                                  b'{"query": "{ __typename }", "operationName": 3}'])
async def test_malformed_bodies_are_400_with_a_json_error(
        client: httpx.AsyncClient, body: bytes) -> None:
    r = await client.post("/graphql", content=body,
                          headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.json()["errors"][0]["message"]


async def test_batched_requests_are_refused(client: httpx.AsyncClient) -> None:
    r = await client.post("/graphql", json=[{"query": Q}, {"query": Q}])
    assert r.status_code == 400
    assert "batch" in r.json()["errors"][0]["message"]


async def test_unsupported_content_type_is_415(client: httpx.AsyncClient) -> None:
    r = await client.post("/graphql", content=Q, headers={"content-type": "text/plain"})
    assert r.status_code == 415


async def test_get_runs_queries(client: httpx.AsyncClient) -> None:
    r = await client.get("/graphql", params={"query": Q})
    assert r.status_code == 200
    assert r.json() == {"data": {"products": {"edges": []}}}


async def test_get_with_variables_as_json(client: httpx.AsyncClient) -> None:
    r = await client.get("/graphql", params={
        "query": "query($n: Int) { products(first: $n) { nodes { id } } }",
        "variables": '{"n": 3}'})
    assert r.json() == {"data": {"products": {"nodes": []}}}


async def test_get_mutations_are_405_allowing_post(client: httpx.AsyncClient) -> None:
    r = await client.get("/graphql", params={"query": "mutation { __typename }"})
    assert r.status_code == 405
    assert r.headers["allow"] == "POST"


async def test_other_methods_are_405(client: httpx.AsyncClient) -> None:
    r = await client.put("/graphql", json={"query": Q})
    assert r.status_code == 405
    assert "POST" in r.headers["allow"]


async def test_several_operations_need_an_operation_name(client: httpx.AsyncClient) -> None:
    doc = "query A { __typename } query B { __typename }"
    r = await client.post("/graphql", json={"query": doc})
    assert "operationName" in r.json()["errors"][0]["message"]
    r = await client.post("/graphql", json={"query": doc, "operationName": "B"})
    assert r.json() == {"data": {"__typename": "Query"}}


async def test_browsers_get_graphiql(client: httpx.AsyncClient) -> None:
    r = await client.get("/graphql", headers={"accept": "text/html"})
    assert r.status_code == 200
    assert "graphiql" in r.text.lower()


async def test_every_response_carries_a_request_id(client: httpx.AsyncClient) -> None:
    r = await client.post("/graphql", json={"query": Q}, headers={"x-request-id": "abc123"})
    assert r.headers["x-request-id"] == "abc123"
    r = await client.post("/graphql", json={"query": Q})
    assert len(r.headers["x-request-id"]) == 32


@pytest.mark.parametrize("given", ["x" * 65, "two words", "evil\u00e9", "a;b=c"])
async def test_a_long_or_odd_request_id_is_replaced_by_our_own(
        client: httpx.AsyncClient, given: str) -> None:
    # It would be echoed into every log line and masked error of the request.
    r = await client.post("/graphql", json={"query": Q},
                          headers=[("x-request-id", given.encode())])
    assert r.headers["x-request-id"] != given
    assert len(r.headers["x-request-id"]) == 32
    assert r.headers.get_list("x-request-id") == [r.headers["x-request-id"]]


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    r = await client.get("/readyz")
    assert r.status_code == 200 and r.json()["database"] == "ok"
