"""``/graphql`` over WebSocket: ``graphql-transport-ws`` and the legacy ``graphql-ws``.

strawberry's view and protocol handlers speak the two protocols (handshake, subprotocol,
``connection_init``/ack, ping/pong, operation ids, complete/stop, close codes). Wherever they
would run GraphQL they call their ``schema``'s ``stream`` (graphql-transport-ws) or
``subscribe`` (graphql-ws), and the "schema" we give them is ``PipelineSchema``, which hands
every operation to our ``Executor``: the same document cache, limits, introspection switch,
error codes and masking as HTTP, a fresh context per operation and per subscription event, and
a viewer re-check before each event. strawberry's own execution pipeline never runs, so a
protection added to the executor cannot be missing here.

Decision: queries and mutations sent over a socket are served, with exactly the treatment
they get over HTTP (graphql-transport-ws defines them, and clients such as ``graphql-ws``
multiplex everything over one socket). Only subscriptions are refused over HTTP.

Per socket: at most ``COMMERCE_MAX_SUBSCRIPTIONS_PER_CONNECTION`` operations at once (an
operation over the cap is refused with ``TOO_MANY_SUBSCRIPTIONS``), and a socket that has not
sent ``connection_init`` within ``COMMERCE_WS_CONNECTION_INIT_TIMEOUT_SECONDS`` is closed
with 4408 (both protocols).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing, suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from graphql import GraphQLError, GraphQLFormattedError
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.schema import BaseSchema
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.types.execution import ExecutionResult, PreExecutionError

from commerce.api.graphql.context import Context
from commerce.api.graphql.executor import Executor
from commerce.db.database import Database
from commerce.settings import Settings


@dataclass(eq=False)
class SocketSession:
    """One WebSocket connection. strawberry's handlers treat it as "the context": they store
    the ``connection_init`` payload in ``connection_params``. Operations never see it; each
    gets a ``Context`` of its own from ``context_factory``."""

    settings: Settings
    db: Database
    client_ip: str
    authorization: str | None  # the handshake's Authorization header, if any
    connection_params: dict[str, Any] | None = None
    running: int = 0

    def operation_authorization(self) -> str | None:
        if self.authorization is not None:
            return self.authorization
        params = self.connection_params
        if isinstance(params, dict):
            raw = params.get("Authorization") or params.get("authorization")
            if isinstance(raw, str):
                return raw
        return None

    def order_token(self) -> str | None:
        """A guest's order token from ``connection_init`` (``{"orderToken": "..."}``): it
        lets the socket follow that one order's tracking."""
        params = self.connection_params
        if isinstance(params, dict):
            raw = params.get("orderToken")
            if isinstance(raw, str) and 0 < len(raw) <= 200:
                return raw
        return None

    def context_factory(self, request_id: str) -> Any:
        authorization = self.operation_authorization()

        order_token = self.order_token()

        def new_context(long_lived: bool) -> Context:
            return Context(settings=self.settings, db=self.db,
                           reader=self.db.reader(hold=not long_lived), request_id=request_id,
                           client_ip=self.client_ip, authorization=authorization,
                           order_token=order_token)

        return new_context


class PresentedError(GraphQLError):
    """An error the pipeline already presented (code, masking); strawberry only sends it."""

    def __init__(self, presented: dict[str, Any]) -> None:
        super().__init__(str(presented.get("message", "")))
        self.presented = presented

    @property
    def formatted(self) -> GraphQLFormattedError:
        return cast(GraphQLFormattedError, self.presented)


def _refusal(message: str, code: str) -> PreExecutionError:
    return PreExecutionError(None, [PresentedError(
        {"message": message, "extensions": {"code": code}})])


def _request_problem(query: Any, variables: Any, operation_name: Any) -> str | None:
    if not isinstance(query, str) or not query.strip():
        return "`query` must be a non-empty string"
    if variables is not None and not isinstance(variables, dict):
        return "`variables` must be an object"
    if operation_name is not None and not isinstance(operation_name, str):
        return "`operationName` must be a string"
    return None


class PipelineSchema:
    """What strawberry's protocol handlers call instead of ``strawberry.Schema``."""

    def __init__(self, executor: Executor, max_operations: int) -> None:
        self.executor = executor
        self.max_operations = max_operations

    async def stream(self, query: Any, variable_values: Any = None, context_value: Any = None,
                     root_value: Any = None, operation_name: Any = None, **_: Any
                     ) -> AsyncGenerator[ExecutionResult, None]:
        return self._results(context_value, query, variable_values, operation_name)

    # The legacy graphql-ws handler calls ``subscribe``; both take every operation type.
    subscribe = stream

    async def _results(self, session: SocketSession, query: Any, variables: Any,
                       operation_name: Any) -> AsyncGenerator[ExecutionResult, None]:
        # Counted while the generator runs: the handlers iterate it at once and close it
        # (or cancel its task) when the operation ends or the client stops it.
        if session.running >= self.max_operations:
            yield _refusal(f"this connection already runs {self.max_operations} operations, "
                           "the limit; complete one first", "TOO_MANY_SUBSCRIPTIONS")
            return
        session.running += 1
        try:
            problem = _request_problem(query, variables, operation_name)
            if problem is not None:
                yield _refusal(problem, "BAD_REQUEST")
                return
            new_context = session.context_factory(uuid.uuid4().hex)
            first = True
            async with aclosing(self.executor.stream(query, variables, operation_name,
                                                     new_context)) as outcomes:
                async for outcome in outcomes:
                    errors: list[GraphQLError] | None = [
                        PresentedError(e) for e in outcome.errors] or None
                    if first and outcome.request_error:
                        yield PreExecutionError(None, errors)
                    else:
                        yield ExecutionResult(outcome.data, errors)
                    first = False
        finally:
            session.running -= 1


class GraphQLWSHandler(BaseGraphQLWSHandler[SocketSession, None]):
    """The legacy protocol as strawberry speaks it, plus the ``connection_init`` deadline
    that strawberry only enforces for graphql-transport-ws."""

    async def handle(self) -> None:
        deadline = asyncio.create_task(self._close_unless_initialised())
        try:
            await super().handle()
        finally:
            deadline.cancel()
            with suppress(asyncio.CancelledError):
                await deadline

    async def _close_unless_initialised(self) -> None:
        await asyncio.sleep(self.view.connection_init_wait_timeout.total_seconds())
        if not self.connection_acknowledged:
            await self.websocket.close(code=4408, reason="Connection initialisation timeout")


class GraphQLWebSocket(GraphQL[SocketSession, None]):
    """strawberry's ASGI view, used only for WebSocket, running operations on our pipeline."""

    graphql_ws_handler_class = GraphQLWSHandler

    def __init__(self, executor: Executor, db: Database, settings: Settings,
                 client_ip: Callable[[WebSocket], str]) -> None:
        pipeline = PipelineSchema(executor, settings.max_subscriptions_per_connection)
        super().__init__(
            cast(BaseSchema, pipeline),
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
            graphql_ide=None,
            connection_init_wait_timeout=timedelta(
                seconds=settings.ws_connection_init_timeout_seconds),
            # Counted by PipelineSchema instead, so the refusal has a code on both protocols.
            max_subscriptions_per_connection=None,
            # Browsers on other origins may open a socket only from the CORS origins (a
            # socket carries no cookies here, but the rule should match HTTP's).
            allowed_origins=settings.cors_origins,
        )
        self.db = db
        self.settings = settings
        self.client_ip = client_ip

    async def get_context(self, request: Request | WebSocket,
                          response: Response | WebSocket) -> SocketSession:
        assert isinstance(request, WebSocket)  # this view serves WebSocket only
        return SocketSession(settings=self.settings, db=self.db,
                             client_ip=self.client_ip(request),
                             authorization=request.headers.get("authorization"))
