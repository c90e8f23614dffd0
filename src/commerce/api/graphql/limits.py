"""Query limits: depth, aliases and cost, with fragments expanded, in linear time.

Counting with fragments expanded matters: a fragment holding 10 aliases spread 10 times is
100 aliases (older strawberry's limiter missed this). Expanding must not cost what it
counts, though: 30 fragments that each spread the next twice stand for 2^30 fields. So each
fragment is walked once (depth and aliases per fragment; cost per fragment and parent type,
since a fragment on an interface or union costs what its parent's fields cost), and sums
saturate just above their limit, so numbers stay small and the walk stops once the answer is
known. Work is linear in the document's size.

Introspection: aliases on ``__typename``/``__schema``/``__type`` count like any alias.
``__schema`` and ``__type`` selections are weighed by what their answer would hold in this
schema (``IntrospectionModel``) against their own allowance: one full introspection query,
plus half again. So GraphiQL and code generators pass whatever the schema grows to, while
aliased copies or recursion through ``__Type.fields`` are refused (``QUERY_TOO_COSTLY``).
Depth does not count introspection: the standard query's ``ofType`` chain alone is 15 levels.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_introspection_query,
    get_named_type,
    parse,
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


class IntrospectionModel:
    """What introspection answers weigh in one schema, computed once at start.

    Lists multiply their children by their average length in this schema (``__Schema.types``
    by the number of types), ``ofType`` chains stop where the schema's deepest wrapping
    (``[X!]!`` is three) leaves them null, and ``allowance`` is what the standard full
    introspection query (every option on, as GraphiQL and code generators send it) weighs,
    plus half again."""

    def __init__(self, schema: GraphQLSchema) -> None:
        types = list(schema.type_map.values())
        n = max(len(types), 1)
        fielded = [t for t in types if isinstance(t, GraphQLObjectType | GraphQLInterfaceType)]
        inputs = [t for t in types if isinstance(t, GraphQLInputObjectType)]
        fields = [f for t in fielded for f in t.fields.values()]
        args = [a for f in fields for a in f.args.values()]
        directives = list(schema.directives)
        self.sizes: dict[tuple[str, str], float] = {
            ("__Schema", "types"): n,
            ("__Schema", "directives"): len(directives),
            ("__Type", "fields"): len(fields) / n,
            ("__Type", "interfaces"): sum(len(t.interfaces) for t in fielded) / n,
            ("__Type", "possibleTypes"): sum(
                len(schema.get_possible_types(t)) for t in types
                if isinstance(t, GraphQLInterfaceType | GraphQLUnionType)) / n,
            ("__Type", "enumValues"): sum(
                len(t.values) for t in types if isinstance(t, GraphQLEnumType)) / n,
            ("__Type", "inputFields"): sum(len(t.fields) for t in inputs) / n,
            ("__Field", "args"): len(args) / max(len(fields), 1),
            ("__Directive", "args"): sum(len(d.args) for d in directives)
            / max(len(directives), 1),
        }
        references = [f.type for f in fields] + [a.type for a in args] + [
            f.type for t in inputs for f in t.fields.values()]
        self.max_wrapping = max((_wrapping(t) for t in references), default=0)
        reference = parse(get_introspection_query(
            descriptions=True, specified_by_url=True, directive_is_repeatable=True,
            schema_description=True, input_value_deprecation=True))
        fragments = {d.name.value: d for d in reference.definitions
                     if isinstance(d, FragmentDefinitionNode)}
        operation = next(d for d in reference.definitions
                         if isinstance(d, OperationDefinitionNode))
        walk = _IntrospectionCost(schema, fragments, self, math.inf)
        full = walk.selection_set(_root(schema), operation.selection_set, 0)
        self.allowance = math.ceil(full * 1.5)


def _wrapping(type_: Any) -> int:
    depth = 0
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_, depth = type_.of_type, depth + 1
    return depth


def _root(schema: GraphQLSchema) -> GraphQLObjectType:
    root = schema.query_type
    assert root is not None
    return root


_META_FIELDS = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef,
                "__typename": TypeNameMetaFieldDef}


@dataclass(slots=True)
class _IntrospectionCost:
    """The estimated weight of introspection selections (see ``IntrospectionModel``)."""

    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    model: IntrospectionModel
    cap: float
    memo: dict[tuple[str, str, int], float] = field(default_factory=dict)

    def selection_set(self, parent: GraphQLNamedType, selection_set: SelectionSetNode,
                      wrapped: int) -> float:
        cost = 0.0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                cost += self.field(parent, selection, wrapped)
            elif isinstance(selection, InlineFragmentNode):
                cost += self.selection_set(parent, selection.selection_set, wrapped)
            elif isinstance(selection, FragmentSpreadNode):
                key = (selection.name.value, parent.name, wrapped)
                known = self.memo.get(key)
                if known is None:
                    self.memo[key] = 0.0  # validation already rejected cycles
                    fragment = self.fragments.get(selection.name.value)
                    known = 0.0 if fragment is None else self.selection_set(
                        parent, fragment.selection_set, wrapped)
                    self.memo[key] = known
                cost += known
            if cost >= self.cap:
                return self.cap
        return cost

    def field(self, parent: GraphQLNamedType, node: FieldNode, wrapped: int) -> float:
        name = node.name.value
        if node.selection_set is None:
            return 1.0
        level = wrapped + 1 if name == "ofType" else 0
        if level > self.model.max_wrapping:
            return 1.0  # always null in this schema
        field_def = _META_FIELDS.get(name) or (getattr(parent, "fields", None) or {}).get(name)
        if field_def is None:
            return 1.0
        child = get_named_type(field_def.type)
        multiplier = self.model.sizes.get((parent.name, name), 1.0)
        return min(1.0 + multiplier * self.selection_set(child, node.selection_set, level),
                   self.cap)


class Cost(NamedTuple):
    fields: int  # saturates just above the limit it was counted against
    introspection: float  # the weight of __schema/__type selections, likewise


def query_cost(schema: GraphQLSchema, operation: OperationDefinitionNode,
               fragments: Mapping[str, FragmentDefinitionNode],
               variables: Mapping[str, Any] | None, *, limit: int,
               introspection: IntrospectionModel) -> Cost:
    """Every field costs 1 and a connection's children cost ``first`` times over; the
    introspection inside is weighed apart, against ``introspection.allowance``.

    Both saturate just above their limits: anything above is "over", and counting further
    would only cost time."""
    root = schema.get_root_type(operation.operation)
    if root is None:
        return Cost(0, 0.0)
    walk = _Cost(schema, fragments, variables or {}, limit + 1, _IntrospectionCost(
        schema, fragments, introspection, introspection.allowance + 1))
    fields = walk.selection_set(root, operation.selection_set)
    return Cost(fields, walk.introspection)


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
    weigh_introspection: _IntrospectionCost
    introspection: float = 0.0
    # (fragment, parent type) -> (cost, the introspection weight it adds)
    memo: dict[tuple[str, str], tuple[int, float]] = field(default_factory=dict)

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
            if cost >= self.cap or self.introspection >= self.weigh_introspection.cap:
                return self.cap
        return cost

    def field(self, parent: GraphQLNamedType, node: FieldNode) -> int:
        name = node.name.value
        if node.selection_set is None:
            return 1
        if name in ("__schema", "__type"):
            self.introspection += self.weigh_introspection.field(parent, node, 0)
            return 1
        field_def = (getattr(parent, "fields", None) or {}).get(name)
        if field_def is None:
            return 1
        child_type = get_named_type(field_def.type)
        child_cost = self.selection_set(child_type, node.selection_set)
        multiplier = 1
        if child_type.name.endswith("Connection"):
            first = _first_value(node, self.variables)
            multiplier = max(first if first is not None else DEFAULT_PAGE_SIZE, 0)
        return min(1 + multiplier * child_cost, self.cap)

    def spread(self, parent: GraphQLNamedType, name: str) -> int:
        key = (name, parent.name)
        known = self.memo.get(key)
        if known is None:
            self.memo[key] = (0, 0.0)  # validation already rejected cycles; this guards anyway
            fragment = self.fragments.get(name)
            before = self.introspection
            cost = 0
            if fragment is not None:
                target = self.schema.get_type(fragment.type_condition.name.value) or parent
                if not isinstance(target, GraphQLObjectType | GraphQLInterfaceType):
                    target = parent
                cost = self.selection_set(target, fragment.selection_set)
            self.memo[key] = (cost, self.introspection - before)
            return cost
        self.introspection += known[1]
        return known[0]
