"""The schema is the documentation: every element a client can see is described.

Storefront developers read the API in GraphiQL's docs pane and generate clients from
``schema.graphql``, so a type, field, argument, input field or enum value without a
description is a hole in the documentation. Introspection types and the standard scalars
are GraphQL's own and exempt.
"""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    specified_scalar_types,
)

from commerce.api.graphql.schema import schema


def _described(description: str | None) -> bool:
    return bool(description and description.strip())


def undescribed(graphql_schema: GraphQLSchema) -> list[str]:
    """Every schema coordinate (``Type``, ``Type.field``, ``Type.field(arg:)``,
    ``Enum.VALUE``) that has no non-empty description."""
    missing: list[str] = []
    for name, graphql_type in sorted(graphql_schema.type_map.items()):
        if name.startswith("__") or name in specified_scalar_types:
            continue
        assert isinstance(graphql_type, GraphQLNamedType)
        if not _described(graphql_type.description):
            missing.append(name)
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in graphql_type.fields.items():
                if not _described(field.description):
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in field.args.items():
                    if not _described(arg.description):
                        missing.append(f"{name}.{field_name}({arg_name}:)")
        elif isinstance(graphql_type, GraphQLInputObjectType):
            for field_name, input_field in graphql_type.fields.items():
                if not _described(input_field.description):
                    missing.append(f"{name}.{field_name}")
        elif isinstance(graphql_type, GraphQLEnumType):
            for value_name, value in graphql_type.values.items():
                if not _described(value.description):
                    missing.append(f"{name}.{value_name}")
        else:
            assert isinstance(graphql_type, GraphQLUnionType) or graphql_type.name, name
    return missing


def test_every_schema_element_has_a_description() -> None:
    missing = undescribed(schema._schema)
    assert not missing, (
        f"{len(missing)} schema elements have no description:\n  " + "\n  ".join(missing)
    )


def test_the_check_sees_an_undescribed_element() -> None:
    # The walk must reach arguments, input fields and enum values, not only types.
    from graphql import build_schema

    bare = build_schema('''
        "q" type Query { "f" f("a" a: Int, b: In): E }
        "i" input In { "x" x: Int, y: Int }
        "e" enum E { "A" A, B }
    ''')
    assert undescribed(bare) == ["E.B", "In.y", "Query.f(b:)"]
