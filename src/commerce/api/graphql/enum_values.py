"""Descriptions for the values of domain enums registered in the API.

Domain enums (``ErrorCode``, ``OrderStatus``...) must not import strawberry, so they cannot use
``strawberry.enum_value``. Their GraphQL value descriptions live next to their registration in
the API package instead and are attached to strawberry's enum definition before the schema is
built.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

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
