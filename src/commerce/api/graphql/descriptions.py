"""Descriptions that cannot be written where the element is declared.

Domain enums (``ErrorCode``, ``OrderStatus``...) must not import strawberry, so they cannot use
``strawberry.enum_value``. Their GraphQL value descriptions live next to their registration in
the API package instead and are attached to strawberry's enum definition before the schema is
built. Fields an object type takes from an interface (``id`` from ``Node``) share the
interface field's description unless they have their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

from graphql import GraphQLObjectType, GraphQLSchema
from strawberry.types.enum import StrawberryEnumDefinition

E = TypeVar("E", bound=Enum)


def describe_values(enum: type[E], descriptions: Mapping[E, str]) -> None:
    """Give each value of ``enum`` (already passed to ``strawberry.enum``) its description."""
    definition = getattr(enum, "__strawberry_definition__", None)
    if not isinstance(definition, StrawberryEnumDefinition):
        raise TypeError(f"{enum.__name__} is not registered with strawberry.enum")
    by_name = {member.name: text for member, text in descriptions.items()}
    for value in definition.values:
        value.description = by_name.get(value.name, value.description)


def inherit_interface_descriptions(schema: GraphQLSchema) -> None:
    """Describe undescribed fields of object types by the interface field they implement."""
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        for interface in graphql_type.interfaces:
            for name, field in interface.fields.items():
                own = graphql_type.fields.get(name)
                if own is not None and not own.description:
                    own.description = field.description
