"""Plain attribute fields resolved by a bare ``getattr``.

Strawberry wraps every field, even one with no resolver, in a few layers of calls. A listing
page completes hundreds of such fields, so after the schema is built we give each plain field
(no resolver, no extensions, no permission classes) a one-line resolver instead. Fields with
resolvers keep strawberry's machinery untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLInterfaceType, GraphQLObjectType
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField


def _attribute(name: str) -> Callable[..., Any]:
    def resolve(source: Any, _info: Any) -> Any:
        return getattr(source, name)

    return resolve


def install(schema: strawberry.Schema) -> int:
    """Swap in bare resolvers; returns how many fields changed (for tests)."""
    changed = 0
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
            continue
        if graphql_type.name.startswith("__") or graphql_type.name in {
                "Query", "Mutation", "Subscription"}:
            continue
        for field in graphql_type.fields.values():
            definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if not isinstance(definition, StrawberryField):
                continue
            if (definition.base_resolver is not None or definition.extensions
                    or definition.permission_classes or field.args):
                continue
            field.resolve = _attribute(definition.python_name)
            changed += 1
    return changed
