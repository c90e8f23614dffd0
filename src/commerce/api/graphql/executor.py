"""The one GraphQL pipeline, for every transport (HTTP, WebSocket, Server-Sent Events).

Parse and validate (cached), check the limits, coerce variables, execute, and present the
errors: known failures keep their ``extensions.code``, anything unexpected is masked with the
request id. Transports only move bytes. ``http.py`` calls ``run`` with the context it made
for the request; long-lived transports call ``stream`` with a factory, and the pipeline makes
a fresh context (new loaders, a new viewer lookup) for each operation and for each event a
subscription delivers, re-checking before each event that a presented token still signs
someone in. Nothing else in the code base parses, validates, limit-checks or masks.

We call graphql-core directly rather than ``strawberry.Schema.execute``: the HTTP endpoint
needs to tell request errors (no ``data``) from field errors, and skipping strawberry's
extension machinery keeps a cached document's overhead per request small.

Request errors carry codes as Apollo and most clients expect: ``GRAPHQL_PARSE_FAILED``,
``GRAPHQL_VALIDATION_FAILED`` (introspection switched off included),
``OPERATION_RESOLUTION_FAILURE`` (no such ``operationName``), ``BAD_REQUEST`` (an operation
this transport does not carry), ``INVALID_ARGUMENT`` for variables that do not fit their
declared types (the code the API already uses for bad argument values such as
``first > 100``), and the limit codes from ``limits.py``.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from collections.abc import AsyncGenerator, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)
from graphql.execution import create_source_event_stream, execute_subscription_event
from graphql.execution.values import get_variable_values
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.execution.is_awaitable import optimized_is_awaitable

from commerce.api.graphql.field_budget import check_field_budget
from commerce.api.graphql.limits import IntrospectionModel, Limits, check_static, query_cost
from commerce.shared.errors import AuthError, RateLimitedError

if TYPE_CHECKING:
    from commerce.api.graphql.context import Context

log = logging.getLogger("commerce.graphql")

# A parsed document takes roughly 50-200 bytes of memory per character of its source
# (measured with tracemalloc on storefront queries and GraphiQL's introspection query).
ESTIMATED_BYTES_PER_CHARACTER = 100

SIGNED_OUT = ("the token is invalid or expired, or the account is disabled: "
              "sign in again")

# Makes a context for one operation or one subscription event. ``long_lived`` is true for
# the context a subscription's event source keeps for its whole life: it must not hold a
# database connection between reads.
ContextFactory = Callable[[bool], "Context"]


@dataclass(frozen=True, slots=True)
class PreparedDocument:
    document: DocumentNode | None
    errors: list[GraphQLError]
    fragments: Mapping[str, FragmentDefinitionNode]
    weight: int = 0  # estimated bytes held while cached


@dataclass(slots=True)
class Outcome:
    """One response: the result, and whether it is a *request* error (no ``data``)."""

    data: dict[str, Any] | None
    errors: list[dict[str, Any]]
    request_error: bool
    method_not_allowed: bool = False

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if not self.request_error:
            body["data"] = self.data
        if self.errors:
            body["errors"] = self.errors
        return body


@dataclass(frozen=True, slots=True)
class _Plan:
    document: DocumentNode
    operation: OperationDefinitionNode
    variables: dict[str, Any] | None
    operation_name: str | None


class Executor:
    def __init__(self, strawberry_schema: Any, *, limits: Limits, max_tokens: int,
                 introspection: bool, debug: bool = False,
                 cache_bytes: int = 8 * 1024 * 1024) -> None:
        self.schema = strawberry_schema._schema
        self._context_class = strawberry_schema.execution_context_class
        self.limits = limits
        self.max_tokens = max_tokens
        self.debug = debug
        self._rules = list(specified_rules)
        if not introspection:
            self._rules.append(NoSchemaIntrospectionCustomRule)
        self._introspection = IntrospectionModel(self.schema)
        self._cache: OrderedDict[bytes, PreparedDocument] = OrderedDict()
        self.cache_bytes = 0
        self.cache_limit = cache_bytes

    # -- documents -------------------------------------------------------------------------

    def prepare(self, query: str) -> PreparedDocument:
        """Parse, validate and check depth/aliases, from a cache keyed by the document's hash.

        Only documents that passed are kept: failures are cheap to redo (the token limit
        bounds them) and would otherwise let anyone fill the cache with garbage."""
        key = hashlib.sha256(query.encode("utf-8", "surrogatepass")).digest()
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        prepared = self._prepare(query)
        if not prepared.errors and prepared.weight <= self.cache_limit:
            self._cache[key] = prepared
            self.cache_bytes += prepared.weight
            while self.cache_bytes > self.cache_limit:
                _, evicted = self._cache.popitem(last=False)
                self.cache_bytes -= evicted.weight
        return prepared

    def _prepare(self, query: str) -> PreparedDocument:
        try:
            document = parse(query, max_lexical_tokens=self.max_tokens,
                             max_comments=self.max_tokens,
                             max_source_length=self.max_tokens * 100)
        except GraphQLError as error:
            if "tokens. parsing aborted" in error.message.lower():
                return PreparedDocument(None, [GraphQLError(
                    f"the query has more than {self.max_tokens} tokens",
                    extensions={"code": "TOO_MANY_TOKENS"})], {})
            return PreparedDocument(None, [_with_code(error, "GRAPHQL_PARSE_FAILED")], {})
        fragments = {d.name.value: d for d in document.definitions
                     if isinstance(d, FragmentDefinitionNode)}
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        # Before validation, whose overlapping-fields rule is quadratic in repeated fields.
        refused = check_field_budget(operations, fragments, self.limits.max_cost)
        if refused:
            return PreparedDocument(None, refused, {})
        errors = [_with_code(e, "GRAPHQL_VALIDATION_FAILED")
                  for e in validate(self.schema, document, self._rules)]
        if not errors:
            for definition in document.definitions:
                if isinstance(definition, OperationDefinitionNode):
                    errors.extend(check_static(definition, fragments, self.limits))
        return PreparedDocument(document, errors, fragments,
                                weight=len(query) * ESTIMATED_BYTES_PER_CHARACTER)

    def _plan(self, query: str, variables: dict[str, Any] | None, operation_name: str | None,
              *, subscriptions: bool, mutations: bool) -> _Plan | Outcome:
        """Everything before execution; an ``Outcome`` when the request is refused."""
        prepared = self.prepare(query)
        if prepared.errors or prepared.document is None:
            return _request_error(prepared.errors)
        operation = get_operation_ast(prepared.document, operation_name)
        if operation is None:
            message = (f"no operation named {operation_name!r}" if operation_name
                       else "the document has several operations: send operationName")
            return _request_error([_error(message, "OPERATION_RESOLUTION_FAILURE")])
        if operation.operation == OperationType.SUBSCRIPTION and not subscriptions:
            return _request_error([_error(
                "subscriptions are served over WebSocket at this path", "BAD_REQUEST")])
        if operation.operation == OperationType.MUTATION and not mutations:
            outcome = _request_error([_error("mutations must be sent with POST",
                                             "BAD_REQUEST")])
            outcome.method_not_allowed = True
            return outcome
        coerced = get_variable_values(self.schema, operation.variable_definitions or [],
                                      variables or {}, max_errors=50)
        if isinstance(coerced, list):
            return _request_error([_with_code(e, "INVALID_ARGUMENT") for e in coerced])
        cost = query_cost(self.schema, operation, prepared.fragments, coerced.coerced,
                          limit=self.limits.max_cost, introspection=self._introspection)
        if cost.fields > self.limits.max_cost:
            return _request_error([_error(
                f"the query costs more than {self.limits.max_cost}, the limit "
                "(connections multiply their fields by `first`)", "QUERY_TOO_COSTLY")])
        if cost.introspection > self._introspection.allowance:
            return _request_error([_error(
                "the introspection in this query weighs more than one full introspection "
                "query, the limit", "QUERY_TOO_COSTLY")])
        return _Plan(prepared.document, operation, variables, operation_name)

    # -- transports ------------------------------------------------------------------------

    async def run(self, query: str, variables: dict[str, Any] | None,
                  operation_name: str | None, context: Any, *,
                  allow_mutations: bool = True) -> Outcome:
        """One query or mutation with the caller's context (HTTP)."""
        plan = self._plan(query, variables, operation_name, subscriptions=False,
                          mutations=allow_mutations)
        if isinstance(plan, Outcome):
            return plan
        return await self._execute(plan, context)

    def operation_type(self, query: str, operation_name: str | None) -> OperationType | None:
        """The kind of operation a request would run, or None when the document does not
        resolve to one (the pipeline then answers with the request error). Lets a transport
        pick its HTTP status before it starts streaming; the document is cached, so the
        pipeline's own pass costs nothing more."""
        prepared = self.prepare(query)
        if prepared.errors or prepared.document is None:
            return None
        operation = get_operation_ast(prepared.document, operation_name)
        return None if operation is None else operation.operation

    async def stream(self, query: str, variables: dict[str, Any] | None,
                     operation_name: str | None, new_context: ContextFactory, *,
                     allow_mutations: bool = True) -> AsyncGenerator[Outcome, None]:
        """Any operation, for long-lived transports: one outcome for a query or mutation,
        one per event for a subscription (the first is a request error when refused).

        Every outcome is computed with a context of its own, closed before it is yielded."""
        plan = self._plan(query, variables, operation_name, subscriptions=True,
                          mutations=allow_mutations)
        if isinstance(plan, Outcome):
            yield plan
            return
        if plan.operation.operation != OperationType.SUBSCRIPTION:
            context = new_context(False)
            try:
                outcome = await self._execute(plan, context)
            finally:
                await context.reader.close()
            yield outcome
            return
        source_context = new_context(True)
        try:
            if await source_context.signed_out():
                yield _request_error([_error(SIGNED_OUT, "UNAUTHENTICATED")])
                return
            executor = self._context_class.build(
                self.schema, plan.document, None, source_context, plan.variables,
                plan.operation_name, is_awaitable=optimized_is_awaitable)
            if isinstance(executor, list):
                yield _request_error([_with_code(e, "INVALID_ARGUMENT") for e in executor])
                return
            source: Any = create_source_event_stream(executor)
            if optimized_is_awaitable(source):
                source = await source
            if isinstance(source, ExecutionResult):
                yield Outcome(None, [self._present(e, source_context)
                                     for e in source.errors or ()], request_error=True)
                return
            try:
                async for payload in source:
                    outcome, signed_out = await self._event(executor, payload, new_context)
                    yield outcome
                    if signed_out:
                        return
            finally:
                aclose = getattr(source, "aclose", None)
                if aclose is not None:
                    await aclose()
        finally:
            await source_context.reader.close()

    async def _event(self, executor: Any, payload: Any,
                     new_context: ContextFactory) -> tuple[Outcome, bool]:
        """One subscription event with a fresh context; (outcome, whether signed out)."""
        context = new_context(False)
        try:
            if await context.signed_out():
                return Outcome(None, [dict(_error(SIGNED_OUT, "UNAUTHENTICATED").formatted)],
                               request_error=False), True
            per_event = executor.build_per_event_executor(payload)
            per_event.context_value = context
            result: Any = execute_subscription_event(per_event)
            if optimized_is_awaitable(result):
                result = await result
            return self._outcome(result, context), False
        finally:
            await context.reader.close()

    async def _execute(self, plan: _Plan, context: Any) -> Outcome:
        result = execute(
            self.schema, plan.document, context_value=context,
            variable_values=plan.variables, operation_name=plan.operation_name,
            executor_class=self._context_class,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
        )
        if not isinstance(result, ExecutionResult):
            result = await result
        return self._outcome(result, context)

    def _outcome(self, result: ExecutionResult, context: Any) -> Outcome:
        errors = [self._present(e, context) for e in result.errors or ()]
        return Outcome(result.data, errors, request_error=False)

    def _present(self, error: GraphQLError, context: Any) -> dict[str, Any]:
        """Known failures keep their code; anything unexpected is masked and logged."""
        original = error.original_error
        formatted = error.formatted
        if original is None or isinstance(original, GraphQLError):
            return dict(formatted)
        if isinstance(original, AuthError):
            formatted["extensions"] = {"code": original.code}
            return dict(formatted)
        if isinstance(original, RateLimitedError):
            formatted["extensions"] = {"code": "RATE_LIMITED",
                                       "retryAfter": original.retry_after}
            return dict(formatted)
        request_id = getattr(context, "request_id", None)
        log.error("unexpected error in %s (request %s)", error.path, request_id,
                  exc_info=original)
        masked: dict[str, Any] = {
            "message": str(original) if self.debug else "Internal server error",
            "path": formatted.get("path"),
            "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        }
        if "locations" in formatted:
            masked["locations"] = formatted["locations"]
        return masked


def _error(message: str, code: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


def _with_code(error: GraphQLError, code: str) -> GraphQLError:
    """The same error (message, locations) with ``extensions.code`` set, unless it has one."""
    if error.extensions and "code" in error.extensions:
        return error
    return GraphQLError(error.message, error.nodes, error.source, error.positions, error.path,
                        error.original_error, {**(error.extensions or {}), "code": code})


def _request_error(errors: list[GraphQLError]) -> Outcome:
    return Outcome(None, [dict(e.formatted) for e in errors], request_error=True)
