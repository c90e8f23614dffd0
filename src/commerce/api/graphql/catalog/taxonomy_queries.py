"""Category and collection queries (storefront; unpublished collections for staff)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError

from commerce.api.graphql.catalog.types import Category, Collection
from commerce.api.graphql.context import Info
from commerce.api.graphql.pagination import After, Connection, First, bad_argument, connection
from commerce.catalog import taxonomy_queries as taxonomy
from commerce.shared.ids import InvalidIdError, decode_int_id
from commerce.shared.pagination import PaginationError


@strawberry.input(description="All given conditions must hold.")
class CategoryFilterInput:
    search: str | None = strawberry.field(default=None,
                                          description="Part of the name, any case.")
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only direct subcategories of this category.")
    top_level: bool | None = strawberry.field(
        default=None, description="true: only top-level categories; false: only the others.")


def _exactly_one(**values: object) -> None:
    if sum(v is not None for v in values.values()) != 1:
        raise GraphQLError(f"give exactly one of: {', '.join(values)}",
                           extensions={"code": "INVALID_ARGUMENT"})


def _pk(global_id: strawberry.ID, type_name: str) -> int | None:
    try:
        return decode_int_id(str(global_id), type_name)
    except InvalidIdError:
        return None


@strawberry.type
class TaxonomyQuery:
    @strawberry.field(description="Categories by name. At most 100 per page.")
    async def categories(self, info: Info, first: First = 20, after: After = None,
                         filter: Annotated[CategoryFilterInput | None, strawberry.argument(
                             description="Conditions the categories must meet.")] = None,
                         ) -> Connection[Category]:
        flt = filter or CategoryFilterInput()
        try:
            parent_id = None if flt.parent_id is None else decode_int_id(
                str(flt.parent_id), "Category")
            page = await taxonomy.list_categories(
                info.context.reader, search=(flt.search or "").strip() or None,
                parent_id=parent_id, top_level=flt.top_level, first=first, after=after)
        except (PaginationError, InvalidIdError) as exc:
            raise bad_argument(exc) from None
        return connection(page, Category.from_row)

    @strawberry.field(description="A category by ID or slug.")
    async def category(self, info: Info, id: Annotated[strawberry.ID | None, strawberry.argument(
                           description="The category's ID; give either `id` or `slug`.")] = None,
                       slug: Annotated[str | None, strawberry.argument(
                           description="The category's slug; give either `id` or `slug`.")
                       ] = None) -> Category | None:
        _exactly_one(id=id, slug=slug)
        if slug is not None:
            row = await taxonomy.category_by_slug(info.context.reader, slug)
            return None if row is None else Category.from_row(row)
        pk = _pk(strawberry.ID(str(id)), "Category")
        return None if pk is None else await info.context.loaders.category_by_id.load(pk)

    @strawberry.field(description="Published collections by name (all of them for staff with "
                                  "MANAGE_CATALOG). At most 100 per page.")
    async def collections(self, info: Info, first: First = 20,
                          after: After = None) -> Connection[Collection]:
        ctx = info.context
        try:
            page = await taxonomy.list_collections(
                ctx.reader, viewer=await ctx.viewer(), first=first, after=after)
        except PaginationError as exc:
            raise bad_argument(exc) from None
        return connection(page, Collection.from_row)

    @strawberry.field(description="A collection by ID or slug; null when unpublished, unless "
                                  "the viewer is staff with MANAGE_CATALOG.")
    async def collection(
            self, info: Info,
            id: Annotated[strawberry.ID | None, strawberry.argument(
                description="The collection's ID; give either `id` or `slug`.")] = None,
            slug: Annotated[str | None, strawberry.argument(
                description="The collection's slug; give either `id` or `slug`.")] = None,
            ) -> Collection | None:
        _exactly_one(id=id, slug=slug)
        ctx = info.context
        found: Collection | None = None
        if slug is not None:
            row = await taxonomy.collection_by_slug(ctx.reader, slug, await ctx.viewer())
            found = None if row is None else Collection.from_row(row)
        elif (pk := _pk(strawberry.ID(str(id)), "Collection")) is not None:
            found = await ctx.loaders.collection_by_id.load(pk)
        return found
