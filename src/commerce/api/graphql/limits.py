"""Query limits: depth, aliases and cost, with fragments expanded.

Counting with fragments expanded matters: a fragment holding 10 aliases spread 10 times is
100 aliases (older strawberry's limiter missed this). Introspection fields are not counted;
introspection is bounded by the schema and can be switched off instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)

DEFAULT_PAGE_SIZE = 20


@dataclass(frozen=True, slots=True)
class Limits:
    max_depth: int
    max_aliases: int
    max_cost: int


def _limit_error(code: str, message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


def check_static(operation: OperationDefinitionNode,
                 fragments: Mapping[str, FragmentDefinitionNode],
                 limits: Limits) -> list[GraphQLError]:
    """Depth and alias checks, which do not depend on variables."""
    depth, aliases = _depth_and_aliases(operation.selection_set, fragments, {})
    errors = []
    if depth > limits.max_depth:
        errors.append(_limit_error(
            "QUERY_TOO_DEEP", f"the query is {depth} levels deep; the limit is {limits.max_depth}"))
    if aliases > limits.max_aliases:
        errors.append(_limit_error(
            "TOO_MANY_ALIASES",
            f"the query uses {aliases} aliases; the limit is {limits.max_aliases}"))
    return errors


def _depth_and_aliases(selection_set: SelectionSetNode,
                       fragments: Mapping[str, FragmentDefinitionNode],
                       memo: dict[str, tuple[int, int]]) -> tuple[int, int]:
    depth = 0
    aliases = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value.startswith("__"):
                continue
            if selection.alias is not None:
                aliases += 1
            child_depth, child_aliases = (0, 0)
            if selection.selection_set is not None:
                child_depth, child_aliases = _depth_and_aliases(
                    selection.selection_set, fragments, memo)
            depth = max(depth, 1 + child_depth)
            aliases += child_aliases
        elif isinstance(selection, InlineFragmentNode):
            d, a = _depth_and_aliases(selection.selection_set, fragments, memo)
            depth, aliases = max(depth, d), aliases + a
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name not in memo:
                memo[name] = (0, 0)  # validation already rejected cycles; this guards anyway
                fragment = fragments.get(name)
                if fragment is not None:
                    memo[name] = _depth_and_aliases(fragment.selection_set, fragments, memo)
            d, a = memo[name]
            depth, aliases = max(depth, d), aliases + a
    return depth, aliases


def query_cost(schema: GraphQLSchema, operation: OperationDefinitionNode,
               fragments: Mapping[str, FragmentDefinitionNode],
               variables: Mapping[str, Any] | None) -> int:
    """Every field costs 1; a connection's children cost ``first`` times over."""
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    return _selection_cost(schema, root, operation.selection_set, fragments, variables or {})


def _first_value(field: FieldNode, variables: Mapping[str, Any]) -> int | None:
    for arg in field.arguments or ():
        if arg.name.value != "first":
            continue
        if isinstance(arg.value, IntValueNode):
            return int(arg.value.value)
        if isinstance(arg.value, VariableNode):
            value = variables.get(arg.value.name.value)
            return value if isinstance(value, int) else None
    return None


def _selection_cost(schema: GraphQLSchema, parent: Any, selection_set: SelectionSetNode,
                    fragments: Mapping[str, FragmentDefinitionNode],
                    variables: Mapping[str, Any]) -> int:
    cost = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            name = selection.name.value
            if name.startswith("__"):
                continue
            cost += 1
            if selection.selection_set is None:
                continue
            fields = getattr(parent, "fields", None) or {}
            field_def = fields.get(name)
            if field_def is None:
                continue
            child_type = get_named_type(field_def.type)
            child_cost = _selection_cost(schema, child_type, selection.selection_set,
                                         fragments, variables)
            multiplier = 1
            if child_type.name.endswith("Connection"):
                first = _first_value(selection, variables)
                multiplier = max(first if first is not None else DEFAULT_PAGE_SIZE, 0)
            cost += multiplier * child_cost
        elif isinstance(selection, InlineFragmentNode):
            target = parent
            if selection.type_condition is not None:
                target = schema.get_type(selection.type_condition.name.value) or parent
            cost += _selection_cost(schema, target, selection.selection_set, fragments, variables)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is None:
                continue
            target = schema.get_type(fragment.type_condition.name.value) or parent
            if not isinstance(target, GraphQLObjectType | GraphQLInterfaceType):
                target = parent
            cost += _selection_cost(schema, target, fragment.selection_set, fragments, variables)
    return cost
