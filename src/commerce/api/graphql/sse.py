"""``/graphql`` over Server-Sent Events: the graphql-sse protocol's distinct-connections mode.

A request whose ``Accept`` prefers ``text/event-stream`` (POST JSON body, or GET with
``query``, ``variables``, ``operationName``, ``extensions`` URL parameters, so a browser's
``EventSource`` can open it) is answered with an event stream: ``event: next`` and
``data: <result JSON>`` per result, then ``event: complete``. Every operation goes through the
one pipeline (``Executor.stream``): the same document cache, limits, error codes, masking, a
fresh context per event and the viewer re-check before each event, as over WebSocket.

Decisions (documented in the README section):

- Queries and mutations are served too, as the protocol says: one ``next``, then
  ``complete``. A mutation sent with GET is 405 (``Allow: POST``), as over plain HTTP.
- Errors found before execution (unparsable, invalid, over a limit, bad variables) arrive as
  a ``next`` event carrying ``errors`` and no ``data``, then ``complete``, on a 200 stream:
  the protocol requires it, since a browser's ``EventSource`` shows nothing of a 400 body.
  Requests that cannot be read at all get GraphQL-over-HTTP's statuses with a JSON body:
  400 (malformed JSON or parameters), 413, 414, 415.
- A result whose single root field is an object with an integer ``version`` (a tracking
  event) gets it as the event's ``id:``, so an ``EventSource`` that reconnects sends it back
  as ``Last-Event-ID``; that header reaches the operation as ``context.last_event_id``.
  A guest's ``orderToken`` URL parameter (or ``X-Order-Token`` header) becomes
  ``context.order_token``; ``Authorization`` is read as over HTTP.
- An idle stream sends a ``: ping`` comment every ``COMMERCE_SSE_KEEPALIVE_SECONDS``.
- One client address holds at most ``COMMERCE_MAX_SSE_STREAMS_PER_CLIENT`` streams at once in
  one process; one more is refused with 429 and ``TOO_MANY_SUBSCRIPTIONS`` before any stream
  starts (the code WebSocket uses for its per-socket cap). ``EventSource`` does not retry
  after an HTTP error, which is what we want from a client over its allowance.
- When the client goes away the stream is cancelled at once (we listen for the disconnect
  rather than waiting for the next write to fail), which closes the operation's generator
  and its database readers.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing, suppress
from typing import Any

import orjson
from graphql import OperationType
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from commerce.api.graphql.context import Context
from commerce.api.graphql.executor import Executor, Outcome
from commerce.api.graphql.http import EVENT_STREAM, JSON, Refused, request_params
from commerce.db.database import Database
from commerce.settings import Settings

log = logging.getLogger("commerce.graphql.sse")

PING = b": ping\n\n"
COMPLETE = b"event: complete\ndata: \n\n"
HEADERS = {
    # A stream must not be cached or transformed (compressed) on its way.
    "Cache-Control": "no-cache, no-transform",
    # nginx buffers responses by default, which would hold events back.
    "X-Accel-Buffering": "no",
}


def event_id(data: dict[str, Any] | None) -> int | None:
    """The SSE id for a result: its single root field's integer ``version``, if any."""
    if not data or len(data) != 1:
        return None
    (value,) = data.values()
    if isinstance(value, dict):
        version = value.get("version")
        if isinstance(version, int) and not isinstance(version, bool) and version >= 0:
            return version
    return None


def encode_next(outcome: Outcome) -> bytes:
    """One ``next`` event. orjson never writes a newline, so ``data`` is one line."""
    version = event_id(outcome.data)
    head = b"" if version is None else b"id: %d\n" % version
    return head + b"event: next\ndata: " + orjson.dumps(outcome.body()) + b"\n\n"


def _internal_error(request_id: str) -> Outcome:
    return Outcome(None, [{"message": "Internal server error", "extensions": {
        "code": "INTERNAL_SERVER_ERROR", "requestId": request_id}}], request_error=False)


_END = object()


async def event_stream(outcomes: AsyncGenerator[Outcome, None], keepalive_seconds: float,
                       request_id: str) -> AsyncIterator[bytes]:
    """The bytes of a stream: the outcomes as ``next`` events, ``: ping`` while idle, then
    ``complete``. The operation runs in a task of its own, so a keep-alive never interrupts
    it (cancelling an ``anext`` on timeout would throw into the operation)."""
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=1)

    async def produce() -> None:
        try:
            async with aclosing(outcomes):
                async for outcome in outcomes:
                    await queue.put(outcome)
        except Exception:
            # The executor presents every error it expects; this is a bug or an outage.
            log.exception("event stream failed (request %s)", request_id)
            await queue.put(_internal_error(request_id))
        await queue.put(_END)

    producer = asyncio.create_task(produce(), name=f"sse-{request_id}")
    try:
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), keepalive_seconds)
            except TimeoutError:
                yield PING
                continue
            if item is _END:
                break
            yield encode_next(item)
        yield COMPLETE
    finally:
        producer.cancel()
        with suppress(asyncio.CancelledError):
            await producer


class StreamSlots:
    """Open streams per client address, at most ``limit`` each (this process only)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open: dict[str, int] = {}

    def acquire(self, client: str) -> bool:
        held = self.open.get(client, 0)
        if held >= self.limit:
            return False
        self.open[client] = held + 1
        return True

    def release(self, client: str) -> None:
        held = self.open.get(client, 0) - 1
        if held > 0:
            self.open[client] = held
        else:
            self.open.pop(client, None)

    @property
    def total(self) -> int:
        return sum(self.open.values())


class EventStreamResponse(Response):
    """Sends ``events`` as ``text/event-stream`` while listening for the client's
    disconnect, which cancels the stream at once. Takes a slot for ``client`` for its
    whole life, or answers 429 when the client holds too many."""

    media_type = EVENT_STREAM

    def __init__(self, events: Callable[[], AsyncIterator[bytes]], slots: StreamSlots,
                 client: str) -> None:
        self.status_code = 200
        self.background = None
        self.init_headers(HEADERS)
        self.events = events
        self.slots = slots
        self.client = client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Taken here, not when the request was read: no await between check and count, and
        # the slot is released by the same code that took it.
        if not self.slots.acquire(self.client):
            refused = Refused(429, f"this address already holds {self.slots.limit} event "
                                   "streams, the limit; close one first",
                              "TOO_MANY_SUBSCRIPTIONS")
            await refused.response(JSON)(scope, receive, send)
            return
        try:
            await send({"type": "http.response.start", "status": self.status_code,
                        "headers": self.raw_headers})
            pump = asyncio.create_task(self._pump(send))
            watch = asyncio.create_task(_until_disconnect(receive))
            try:
                await asyncio.wait({pump, watch}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (pump, watch):
                    task.cancel()
                for task in (pump, watch):
                    with suppress(asyncio.CancelledError, OSError):
                        await task
        finally:
            self.slots.release(self.client)

    async def _pump(self, send: Send) -> None:
        stream = self.events()
        try:
            async for chunk in stream:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            aclose = getattr(stream, "aclose", None)
            if aclose is not None:
                await aclose()


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


class GraphQLSSEEndpoint:
    def __init__(self, executor: Executor, db: Database, settings: Settings,
                 client_ip: Callable[[Request], str]) -> None:
        self.executor = executor
        self.db = db
        self.settings = settings
        self.client_ip = client_ip
        self.slots = StreamSlots(settings.max_sse_streams_per_client)

    async def handle(self, request: Request) -> Response:
        try:
            query, variables, operation_name = await request_params(
                request, self.settings.max_body_bytes)
        except Refused as refused:
            return refused.response(JSON)
        post = request.method == "POST"
        if not post and self.executor.operation_type(query, operation_name) \
                == OperationType.MUTATION:
            return Refused(405, "mutations must be sent with POST", "BAD_REQUEST",
                           {"Allow": "POST"}).response(JSON)
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        request.state.request_id = request_id
        client = self.client_ip(request)
        new_context = self._context_factory(request, request_id, client)
        keepalive = self.settings.sse_keepalive_seconds

        def events() -> AsyncIterator[bytes]:
            outcomes = self.executor.stream(query, variables, operation_name, new_context,
                                            allow_mutations=post)
            return event_stream(outcomes, keepalive, request_id)

        return EventStreamResponse(events, self.slots, client)

    def _context_factory(self, request: Request, request_id: str,
                         client: str) -> Callable[[bool], Context]:
        authorization = request.headers.get("authorization")
        order_token = (request.query_params.get("orderToken")
                       or request.headers.get("x-order-token"))
        last_event_id = request.headers.get("last-event-id")

        def new_context(long_lived: bool) -> Context:
            return Context(settings=self.settings, db=self.db,
                           reader=self.db.reader(hold=not long_lived), request_id=request_id,
                           client_ip=client, authorization=authorization,
                           order_token=order_token or None,
                           last_event_id=last_event_id or None)

        return new_context
