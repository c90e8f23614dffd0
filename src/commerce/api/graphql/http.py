"""``/graphql`` over HTTP, following the GraphQL-over-HTTP spec including its SHOULDs.

- POST ``application/json``; GET for queries only (a GET mutation is 405, ``Allow: POST``).
- ``Accept`` naming ``application/graphql-response+json`` gets that media type; a missing
  ``Accept`` or ``*/*`` gets ``application/json``; neither acceptable is 406.
- Under graphql-response+json a request error (unparsable, invalid, bad variables, over a
  limit) is 400 with no ``data``; under application/json it is 200 (still without ``data``).
- Malformed JSON or parameters: 400 with a JSON ``errors`` body; other content types: 415.
- A body over ``COMMERCE_MAX_BODY_BYTES`` is 413, found from ``Content-Length`` or, for a
  chunked body, by counting while reading, so no more than the limit is ever read; a GET
  query string over ``MAX_QUERY_STRING_BYTES`` is 414 (send long documents with POST).
- Browsers asking for HTML get GraphiQL when it is enabled.
- ``Accept: text/event-stream`` (GraphQL over Server-Sent Events) goes to ``sse.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.http.ides import get_graphql_ide_html

from commerce.api.graphql.context import Context
from commerce.api.graphql.executor import Executor
from commerce.db.database import Database
from commerce.settings import Settings

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
EVENT_STREAM = "text/event-stream"
# Proxies and CDNs commonly refuse longer URLs anyway.
MAX_QUERY_STRING_BYTES = 32 * 1024


class BadRequest(Exception):
    pass


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing (``BodyTooLarge``) before reading more than ``limit``."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _error_body(message: str, code: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


def _accepted(accept: str) -> list[tuple[str, float]]:
    """The Accept header's media ranges (lower case) with their q values, in order."""
    ranges: list[tuple[str, float]] = []
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranges.append((media.lower(), q))
    return ranges


def wants_event_stream(accept: str | None) -> bool:
    """The client names ``text/event-stream`` and likes no JSON type better (a bare
    ``*/*`` does not count: a GraphQL-over-HTTP client gets JSON)."""
    if not accept:
        return False
    stream = json = 0.0
    for media, q in _accepted(accept):
        if media == EVENT_STREAM:
            stream = max(stream, q)
        elif media in {GRAPHQL_RESPONSE, JSON}:
            json = max(json, q)
    return stream > 0 and stream >= json


def negotiate(accept: str | None) -> str | None:
    """Pick the response media type from an Accept header, or None when nothing fits."""
    if accept is None or not accept.strip():
        return JSON
    candidates: list[tuple[float, int, int, str]] = []
    for order, (media, q) in enumerate(_accepted(accept)):
        if q <= 0:
            continue
        if media == GRAPHQL_RESPONSE:
            candidates.append((q, 1, -order, GRAPHQL_RESPONSE))
        elif media in {JSON, "application/*", "*/*"}:
            candidates.append((q, 0, -order, JSON))
    # Higher q wins; on a tie graphql-response+json, then the earlier entry.
    return max(candidates)[3] if candidates else None


def wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "query" not in request.query_params


def _json_response(body: dict[str, Any], status: int, media_type: str,
                   headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=media_type,
                    headers=headers)


def _params_from_json(raw: bytes) -> dict[str, Any]:
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from None
    if isinstance(body, list):
        raise BadRequest("batched requests are not supported: send one operation per request")
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


def _params_from_query_string(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query_params)
    for key in ("variables", "extensions"):
        if key in params:
            try:
                params[key] = orjson.loads(params[key])
            except orjson.JSONDecodeError:
                raise BadRequest(f"`{key}` is not valid JSON") from None
    return params


def _validate_params(params: dict[str, Any]) -> tuple[str, dict[str, Any] | None, str | None]:
    query = params.get("query")
    if not isinstance(query, str) or not query.strip():
        raise BadRequest("`query` must be a non-empty string")
    variables = params.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise BadRequest("`variables` must be an object")
    operation_name = params.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest("`operationName` must be a string")
    extensions = params.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        raise BadRequest("`extensions` must be an object")
    return query, variables, operation_name


class Refused(Exception):
    """The request cannot run: answered with ``status`` and a JSON ``errors`` body."""

    def __init__(self, status: int, message: str, code: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.headers = headers

    def response(self, media_type: str) -> Response:
        return _json_response(_error_body(str(self), self.code), self.status, media_type,
                              self.headers)


async def request_params(request: Request, max_body_bytes: int
                         ) -> tuple[str, dict[str, Any] | None, str | None]:
    """``query``, ``variables`` and ``operationName`` from a POST JSON body or GET URL
    parameters; ``Refused`` (400, 413, 414, 415) when they cannot be read."""
    try:
        if request.method == "POST":
            content_type = request.headers.get("content-type", "")
            if content_type.split(";")[0].strip().lower() != JSON:
                raise Refused(415, "send the request as application/json", "BAD_REQUEST")
            params = _params_from_json(await read_body(request, max_body_bytes))
        else:
            if len(request.scope.get("query_string", b"")) > MAX_QUERY_STRING_BYTES:
                raise Refused(414, f"the query string is longer than {MAX_QUERY_STRING_BYTES} "
                                   "bytes: send the document with POST", "REQUEST_TOO_LARGE")
            params = _params_from_query_string(request)
        return _validate_params(params)
    except BodyTooLarge:
        raise Refused(413, f"the body is larger than {max_body_bytes} bytes",
                      "REQUEST_TOO_LARGE") from None
    except BadRequest as exc:
        raise Refused(400, str(exc), "BAD_REQUEST") from None


class GraphQLHTTPEndpoint:
    def __init__(self, executor: Executor, db: Database, settings: Settings,
                 client_ip: Callable[[Request], str], *,
                 event_stream: Callable[[Request], Awaitable[Response]] | None = None
                 ) -> None:
        self.executor = executor
        self.db = db
        self.settings = settings
        self.client_ip = client_ip
        # Answers ``Accept: text/event-stream`` requests (the SSE transport, ``sse.py``).
        self.event_stream = event_stream

    async def handle(self, request: Request) -> Response:
        if request.method == "GET" and self.settings.graphiql and wants_html(request):
            return HTMLResponse(get_graphql_ide_html(graphql_ide="graphiql"))
        if request.method not in {"GET", "POST"}:
            return _json_response({"errors": [{"message": "use GET or POST"}]}, 405, JSON,
                                  {"Allow": "GET, POST"})
        if self.event_stream is not None and wants_event_stream(request.headers.get("accept")):
            return await self.event_stream(request)
        media_type = negotiate(request.headers.get("accept"))
        if media_type is None:
            return _json_response(
                {"errors": [{"message": f"cannot answer in any type the Accept header names; "
                                        f"use {GRAPHQL_RESPONSE}, {JSON} or "
                                        f"text/event-stream"}]}, 406, JSON)
        try:
            query, variables, operation_name = await request_params(
                request, self.settings.max_body_bytes)
        except Refused as refused:
            return refused.response(media_type)

        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        context = Context(
            settings=self.settings, db=self.db, reader=self.db.reader(),
            request_id=request_id, client_ip=self.client_ip(request),
            authorization=request.headers.get("authorization"),
        )
        request.state.request_id = request_id
        try:
            outcome = await self.executor.run(
                query, variables, operation_name, context,
                allow_mutations=request.method == "POST")
        finally:
            await context.reader.close()
        if outcome.method_not_allowed:
            return _json_response(outcome.body(), 405, media_type, {"Allow": "POST"})
        status = 400 if outcome.request_error and media_type == GRAPHQL_RESPONSE else 200
        return _json_response(outcome.body(), status, media_type)

