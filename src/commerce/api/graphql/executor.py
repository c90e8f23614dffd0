"""Parse, validate (cached), limit-check and execute GraphQL documents.

We call graphql-core directly rather than ``strawberry.Schema.execute``: our HTTP endpoint
needs to tell request errors (no ``data``) from field errors, and skipping strawberry's
extension machinery keeps a cached document's overhead per request small.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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
from graphql.execution.values import get_variable_values
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.execution.is_awaitable import optimized_is_awaitable

from commerce.api.graphql.limits import Limits, check_static, query_cost
from commerce.shared.errors import AuthError, RateLimitedError

log = logging.getLogger("commerce.graphql")

CACHE_SIZE = 1024


@dataclass(frozen=True, slots=True)
class PreparedDocument:
    document: DocumentNode | None
    errors: list[GraphQLError]
    fragments: Mapping[str, FragmentDefinitionNode]


@dataclass(slots=True)
class Outcome:
    """What the HTTP layer needs: the result, and whether it is a *request* error."""

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


class Executor:
    def __init__(self, strawberry_schema: Any, *, limits: Limits, max_tokens: int,
                 introspection: bool, debug: bool = False) -> None:
        self.schema = strawberry_schema._schema
        self._context_class = strawberry_schema.execution_context_class
        self.limits = limits
        self.max_tokens = max_tokens
        self.debug = debug
        self._rules = list(specified_rules)
        if not introspection:
            self._rules.append(NoSchemaIntrospectionCustomRule)
        self._cache: OrderedDict[str, PreparedDocument] = OrderedDict()

    def prepare(self, query: str) -> PreparedDocument:
        cached = self._cache.get(query)
        if cached is not None:
            self._cache.move_to_end(query)
            return cached
        prepared = self._prepare(query)
        self._cache[query] = prepared
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return prepared

    def _prepare(self, query: str) -> PreparedDocument:
        try:
            document = parse(query, max_lexical_tokens=self.max_tokens,
                             max_comments=self.max_tokens,
                             max_source_length=self.max_tokens * 100)
        except GraphQLError as error:
            if "tokens. parsing aborted" in error.message.lower():
                error = GraphQLError(
                    f"the query has more than {self.max_tokens} tokens",
                    extensions={"code": "TOO_MANY_TOKENS"})
            return PreparedDocument(None, [error], {})
        errors = validate(self.schema, document, self._rules)
        fragments = {d.name.value: d for d in document.definitions
                     if isinstance(d, FragmentDefinitionNode)}
        if not errors:
            for definition in document.definitions:
                if isinstance(definition, OperationDefinitionNode):
                    errors.extend(check_static(definition, fragments, self.limits))
        return PreparedDocument(document, list(errors), fragments)

    async def run(self, query: str, variables: dict[str, Any] | None,
                  operation_name: str | None, context: Any, *,
                  allow_mutations: bool = True) -> Outcome:
        prepared = self.prepare(query)
        if prepared.errors or prepared.document is None:
            return _request_error(prepared.errors)
        operation = get_operation_ast(prepared.document, operation_name)
        if operation is None:
            message = (f"no operation named {operation_name!r}" if operation_name
                       else "the document has several operations: send operationName")
            return _request_error([GraphQLError(message)])
        if operation.operation == OperationType.SUBSCRIPTION:
            return _request_error([GraphQLError(
                "subscriptions are served over WebSocket at this path")])
        if operation.operation != OperationType.QUERY and not allow_mutations:
            outcome = _request_error([GraphQLError("mutations must be sent with POST")])
            outcome.method_not_allowed = True
            return outcome
        coerced = get_variable_values(self.schema, operation.variable_definitions or [],
                                      variables or {}, max_errors=50)
        if isinstance(coerced, list):
            return _request_error(coerced)
        cost = query_cost(self.schema, operation, prepared.fragments, coerced.coerced)
        if cost > self.limits.max_cost:
            return _request_error([GraphQLError(
                f"the query costs {cost}; the limit is {self.limits.max_cost} "
                "(connections multiply their fields by `first`)",
                extensions={"code": "QUERY_TOO_COSTLY"})])
        result = execute(
            self.schema, prepared.document, context_value=context,
            variable_values=variables, operation_name=operation_name,
            executor_class=self._context_class,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
        )
        if not isinstance(result, ExecutionResult):
            result = await result
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


def _request_error(errors: list[GraphQLError]) -> Outcome:
    return Outcome(None, [dict(e.formatted) for e in errors], request_error=True)
