"""Query limits: depth, aliases and cost, with fragments expanded, in linear time.

Counting with fragments expanded matters: a fragment holding 10 aliases spread 10 times is
100 aliases (older strawberry's limiter missed this). Expanding must not cost what it
counts, though: 30 fragments that each spread the next twice stand for 2^30 fields. So each
fragment is walked once (depth and aliases per fragment; cost per fragment and parent type,
since a fragment on an interface costs what its parent's fields cost), and every count
saturates just above its limit, so the numbers stay small and the walk stops adding once the
answer is known. Work is linear in the document's size.

Introspection: ``__schema`` and ``__type`` count towards cost and aliases like any field,
and each of their lists multiplies its children by that list's average length in this schema
(``__Schema.types`` by the number of types), so the cost approximates the size of the answer.
A whole GraphiQL introspection costs about 16,000 under this rule and passes the default
limit; twenty aliased copies do not. Depth does not count introspection: GraphiQL's
``ofType`` chain is 15 levels by design, and recursion through ``__Type.fields`` is priced
by the cost instead.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef

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
    depth, aliases = _DepthAndAliases(fragments, limits.max_aliases + 1).selection_set(
        operation.selection_set)
    errors = []
    if depth > limits.max_depth:
        errors.append(_limit_error(
            "QUERY_TOO_DEEP", f"the query is {depth} levels deep; the limit is {limits.max_depth}"))
    if aliases > limits.max_aliases:
        errors.append(_limit_error(
            "TOO_MANY_ALIASES",
            f"the query uses more than {limits.max_aliases} aliases; "
            f"the limit is {limits.max_aliases}"))
    return errors


@dataclass(slots=True)
class _DepthAndAliases:
    fragments: Mapping[str, FragmentDefinitionNode]
    alias_cap: int
    memo: dict[str, tuple[int, int]] = field(default_factory=dict)

    def selection_set(self, selection_set: SelectionSetNode) -> tuple[int, int]:
        depth = 0
        aliases = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.alias is not None:
                    aliases += 1
                if selection.name.value.startswith("__"):
                    continue  # see the module docstring: introspection is priced by cost
                child_depth, child_aliases = (0, 0)
                if selection.selection_set is not None:
                    child_depth, child_aliases = self.selection_set(selection.selection_set)
                depth = max(depth, 1 + child_depth)
                aliases += child_aliases
            elif isinstance(selection, InlineFragmentNode):
                d, a = self.selection_set(selection.selection_set)
                depth, aliases = max(depth, d), aliases + a
            elif isinstance(selection, FragmentSpreadNode):
                d, a = self.spread(selection.name.value)
                depth, aliases = max(depth, d), aliases + a
        return depth, min(aliases, self.alias_cap)

    def spread(self, name: str) -> tuple[int, int]:
        known = self.memo.get(name)
        if known is None:
            self.memo[name] = (0, 0)  # validation already rejected cycles; this guards anyway
            fragment = self.fragments.get(name)
            if fragment is not None:
                self.memo[name] = self.selection_set(fragment.selection_set)
            known = self.memo[name]
        return known


class ListSizes:
    """The average length of each introspection list in one schema, computed once."""

    def __init__(self, schema: GraphQLSchema) -> None:
        types = list(schema.type_map.values())
        n = max(len(types), 1)

        def average(total: int, over: int) -> int:
            return max(math.ceil(total / max(over, 1)), 1)

        fielded = [t for t in types if isinstance(t, GraphQLObjectType | GraphQLInterfaceType)]
        all_fields = [f for t in fielded for f in t.fields.values()]
        directives = list(schema.directives)
        self.sizes: dict[tuple[str, str], int] = {
            ("__Schema", "types"): n,
            ("__Schema", "directives"): max(len(directives), 1),
            ("__Type", "fields"): average(len(all_fields), n),
            ("__Type", "interfaces"): average(
                sum(len(t.interfaces) for t in fielded), n),
            ("__Type", "possibleTypes"): average(
                sum(len(t.types) for t in types if isinstance(t, GraphQLUnionType))
                + len(fielded), n),
            ("__Type", "enumValues"): average(
                sum(len(t.values) for t in types if isinstance(t, GraphQLEnumType)), n),
            ("__Type", "inputFields"): average(
                sum(len(t.fields) for t in types if isinstance(t, GraphQLInputObjectType)), n),
            ("__Field", "args"): average(sum(len(f.args) for f in all_fields), len(all_fields)),
            ("__Directive", "args"): average(sum(len(d.args) for d in directives),
                                             len(directives)),
        }

    def get(self, parent: str, field_name: str) -> int:
        return self.sizes.get((parent, field_name), 1)


_META_FIELDS = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef,
                "__typename": TypeNameMetaFieldDef}


def query_cost(schema: GraphQLSchema, operation: OperationDefinitionNode,
               fragments: Mapping[str, FragmentDefinitionNode],
               variables: Mapping[str, Any] | None, *, limit: int,
               list_sizes: ListSizes | None = None) -> int:
    """Every field costs 1; a connection's children cost ``first`` times over, an
    introspection list's children its average length times over.

    The result saturates at ``limit + 1``: anything above the limit is "over", and counting
    further would only cost time."""
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    walk = _Cost(schema, fragments, variables or {}, limit + 1,
                 list_sizes or ListSizes(schema))
    return walk.selection_set(root, operation.selection_set)


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


@dataclass(slots=True)
class _Cost:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: Mapping[str, Any]
    cap: int
    list_sizes: ListSizes
    memo: dict[tuple[str, str], int] = field(default_factory=dict)

    def selection_set(self, parent: GraphQLNamedType, selection_set: SelectionSetNode) -> int:
        cost = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                cost += self.field(parent, selection)
            elif isinstance(selection, InlineFragmentNode):
                target = parent
                if selection.type_condition is not None:
                    target = self.schema.get_type(selection.type_condition.name.value) or parent
                cost += self.selection_set(target, selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                cost += self.spread(parent, selection.name.value)
            if cost >= self.cap:
                return self.cap
        return cost

    def field(self, parent: GraphQLNamedType, node: FieldNode) -> int:
        name = node.name.value
        if node.selection_set is None:
            return 1
        field_def = _META_FIELDS.get(name) if name.startswith("__") else None
        if field_def is None:
            fields = getattr(parent, "fields", None) or {}
            field_def = fields.get(name)
        if field_def is None:
            return 1
        child_type = get_named_type(field_def.type)
        child_cost = self.selection_set(child_type, node.selection_set)
        if child_type.name.endswith("Connection"):
            first = _first_value(node, self.variables)
            multiplier = max(first if first is not None else DEFAULT_PAGE_SIZE, 0)
        else:
            multiplier = self.list_sizes.get(parent.name, name)
        return min(1 + multiplier * child_cost, self.cap)

    def spread(self, parent: GraphQLNamedType, name: str) -> int:
        key = (name, parent.name)
        known = self.memo.get(key)
        if known is not None:
            return known
        self.memo[key] = 0  # validation already rejected cycles; this guards anyway
        fragment = self.fragments.get(name)
        cost = 0
        if fragment is not None:
            target = self.schema.get_type(fragment.type_condition.name.value) or parent
            if not isinstance(target, GraphQLObjectType | GraphQLInterfaceType):
                target = parent
            cost = self.selection_set(target, fragment.selection_set)
        self.memo[key] = cost
        return cost
