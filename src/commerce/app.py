"""The ASGI application: ``/graphql`` (HTTP + SSE + WebSocket + GraphiQL), ``/webhooks/stripe``,
``/webhooks/carriers/{carrier}``,
``/healthz``, ``/readyz``; its lifespan runs the outbox relay unless ``COMMERCE_RUN_WORKER``
is off."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from commerce.api.carrier_webhooks import CarrierWebhookEndpoint
from commerce.api.graphql.executor import Executor
from commerce.api.graphql.http import GraphQLHTTPEndpoint
from commerce.api.graphql.limits import Limits
from commerce.api.graphql.schema import schema
from commerce.api.graphql.sse import GraphQLSSEEndpoint
from commerce.api.graphql.websocket import GraphQLWebSocket
from commerce.api.packing_slips import PackingSlipEndpoint
from commerce.api.webhooks import StripeWebhookEndpoint
from commerce.db.database import Database
from commerce.db.shop_currency import ensure_shop_currency
from commerce.events.relay import Consumer, default_consumers
from commerce.events.worker import RelayWorker
from commerce.settings import Settings
from commerce.tracking import hub as tracking_hub
from commerce.tracking.wakeups import wakeup_source_for

log = logging.getLogger("commerce.http")


def client_ip(request: Request | WebSocket) -> str:
    """The client's address (login throttling, logs). Behind a trusted proxy the
    ``ProxyHeadersMiddleware`` installed in ``create_app`` has already put the address from
    X-Forwarded-For here, for HTTP and WebSocket alike."""
    return request.client.host if request.client else "unknown"


# A client's X-Request-ID is kept (to correlate with its own logs) only when it is short and
# plain; it ends up in log lines, response headers and masked errors' ``requestId``.
_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,64}")


class RequestLogMiddleware:
    """Gives every HTTP request an id (``X-Request-ID``) and logs one line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers") or []
        given = dict(headers).get(b"x-request-id", b"")
        if _REQUEST_ID.fullmatch(given):
            request_id = given.decode()
        else:  # none, or one we won't echo into logs and errors: make one, and let the
            # endpoint see it as if the client had sent it
            request_id = uuid.uuid4().hex
            scope = {**scope, "headers": [
                *(h for h in headers if h[0] != b"x-request-id"),
                (b"x-request-id", request_id.encode())]}
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"],
                                      (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info("request", extra={
                "request_id": request_id, "method": scope.get("method"),
                "path": scope.get("path"), "status": status,
                "client": (scope.get("client") or ("unknown",))[0],
                "ms": round((time.perf_counter() - started) * 1000, 2)})


def create_app(settings: Settings | None = None, database: Database | None = None, *,
               consumers: Mapping[str, Consumer] | None = None) -> Starlette:
    """The app. With ``COMMERCE_RUN_WORKER`` on, its lifespan runs the outbox relay for
    ``consumers`` (default: ``events.relay.default_consumers(db, settings)``)."""
    settings = settings or Settings.from_env()
    db = database or Database.from_settings(settings)
    worker = (RelayWorker.from_settings(
        db, settings, default_consumers(db, settings) if consumers is None else consumers)
        if settings.run_worker else None)
    executor = Executor(
        schema,
        limits=Limits(settings.max_depth, settings.max_aliases, settings.max_cost),
        max_tokens=settings.max_tokens, introspection=settings.introspection,
        debug=settings.debug, cache_bytes=settings.document_cache_bytes,
    )
    graphql_sse = GraphQLSSEEndpoint(executor, db, settings, client_ip)
    graphql_http = GraphQLHTTPEndpoint(executor, db, settings, client_ip,
                                       event_stream=graphql_sse.handle)
    graphql_ws = GraphQLWebSocket(executor, db, settings, client_ip)
    stripe_webhook = StripeWebhookEndpoint(db, settings)
    # Live tracking's fan-out, one per process, woken by this process's commits and, for
    # other processes' commits, by LISTEN/NOTIFY on PostgreSQL or Redis when configured.
    hub = tracking_hub.from_settings(db, settings)
    wakeups = wakeup_source_for(settings, db)
    carrier_webhook = CarrierWebhookEndpoint(db, settings)
    packing_slip = PackingSlipEndpoint(db, settings)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        try:
            await db.ping()
        except Exception:
            log.exception("database not reachable")
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
        return JSONResponse({"status": "ok", "database": "ok"})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            # Refuse to serve prices in a currency the stored amounts are not in.
            await ensure_shop_currency(db, settings.currency)
            if worker is not None:
                worker.start()
            tracking_hub.register(hub)
            await hub.start()
            if wakeups is not None:
                await hub.attach(wakeups)
            yield
        finally:
            tracking_hub.unregister(hub)
            await hub.stop()
            if worker is not None:
                await worker.stop()
            if database is None:
                await db.dispose()

    middleware = [Middleware(RequestLogMiddleware)]
    if settings.trusted_proxies:
        # Outermost, so everything inside sees the real client. Uvicorn's well-kept middleware
        # walks X-Forwarded-For from the right, skips trusted proxies and takes the first
        # untrusted address, only when the direct peer is trusted; it handles WebSockets too.
        # `commerce serve` turns uvicorn's own copy off, so this setting alone decides.
        middleware.insert(0, Middleware(ProxyHeadersMiddleware,
                                        trusted_hosts=list(settings.trusted_proxies)))
    if settings.cors_origins:
        middleware.append(Middleware(
            CORSMiddleware, allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "OPTIONS"],
            # Last-Event-ID and X-Order-Token: a cross-origin SSE client resuming a stream.
            allow_headers=["Authorization", "Content-Type", "Accept", "X-Request-ID",
                           "Last-Event-ID", "X-Order-Token"],
            expose_headers=["X-Request-ID"], max_age=600))

    app = Starlette(
        routes=[
            Route("/graphql", graphql_http.handle,
                  methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
            WebSocketRoute("/graphql", graphql_ws),
            Route("/webhooks/stripe", stripe_webhook.handle, methods=["POST"]),
            Route("/webhooks/carriers/{carrier}", carrier_webhook.handle, methods=["POST"]),
            Route("/fulfillments/{id}/packing-slip.pdf", packing_slip.handle,
                  methods=["GET"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.executor = executor
    app.state.sse = graphql_sse
    app.state.worker = worker
    app.state.tracking_hub = hub
    return app


def app_from_env() -> Starlette:
    """The uvicorn factory for worker processes: settings and logging from the environment."""
    from commerce.logging import configure_logging
    from commerce.runtime import tune_gc_for_serving

    settings = Settings.from_env()
    configure_logging(settings.debug)
    app = create_app(settings)
    tune_gc_for_serving()
    return app
