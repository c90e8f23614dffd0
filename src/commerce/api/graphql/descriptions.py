"""Descriptions that cannot be written where the element is declared.

Domain enums (``ErrorCode``, ``OrderStatus``...) must not import strawberry, so they cannot use
``strawberry.enum_value``. Their GraphQL value descriptions live next to their registration in
the API package instead and are attached to strawberry's enum definition before the schema is
built. Two descriptions follow from conventions and are filled in on the built schema:
fields an object type takes from an interface (``id`` from ``Node``) share the interface
field's description unless they have their own, every mutation's one ``input`` argument
says what it is (its fields are described on the input type), and strawberry's built-in
``DateTime`` scalar says how this API uses it.
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


def complete_descriptions(schema: GraphQLSchema) -> None:
    """Fill in the descriptions that follow from the conventions above, where none is set."""
    _inherit_interface_descriptions(schema)
    date_time = schema.type_map.get("DateTime")
    if date_time is not None:
        date_time.description = (
            "A date and time in ISO 8601, e.g. `2025-06-01T12:30:00+00:00`. The API answers "
            "in UTC; give inputs an offset (each field says how it reads one without).")
    if schema.mutation_type is not None:
        for name, field in schema.mutation_type.fields.items():
            argument = field.args.get("input")
            if argument is not None and not argument.description:
                argument.description = (
                    f"What `{name}` should do; the paths in the payload's `errors[].field` "
                    "start inside this input.")


def _inherit_interface_descriptions(schema: GraphQLSchema) -> None:
    """Describe undescribed fields of object types by the interface field they implement."""
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        for interface in graphql_type.interfaces:
            for name, field in interface.fields.items():
                own = graphql_type.fields.get(name)
                if own is not None and not own.description:
                    own.description = field.description
