"""Relay-style connections over keyset pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from graphql import GraphQLError

from commerce.shared.pagination import Page, PaginationError

T = TypeVar("T")

# The page arguments every connection field takes (limits in commerce.shared.pagination).
First = Annotated[int | None, strawberry.argument(
    description="How many items to return, 0-100 (default 20); outside that range is "
                "INVALID_ARGUMENT.")]
After = Annotated[str | None, strawberry.argument(
    description="Return the items after this cursor (`pageInfo.endCursor` of the previous "
                "page, fetched with the same filter and sort).")]


@strawberry.type(description="Where a page sits in the whole list (Relay cursor pagination).")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="Whether more items follow; fetch them with `after: endCursor`.")
    has_previous_page: bool = strawberry.field(
        description="Whether items come before this page (true when `after` was given).")
    start_cursor: str | None = strawberry.field(
        description="Cursor of the first item on this page; null when the page is empty.")
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last item on this page; null when the page is empty.")


@strawberry.type(description="One item of a page with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(
        description="Opaque keyset cursor of this item, valid only with the same sort order.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of results; pass `pageInfo.endCursor` as `after`.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items with their cursors.")
    nodes: list[T] = strawberry.field(description="The items alone, in the same order as `edges`.")
    page_info: PageInfo = strawberry.field(description="How to fetch the next page.")


def connection(page: Page[Any], convert: Callable[[Any], T]) -> Connection[T]:
    nodes = [convert(item) for item in page.items]
    return Connection(
        edges=[Edge(cursor=c, node=n) for c, n in zip(page.cursors, nodes, strict=True)],
        nodes=nodes,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
    )


def bad_argument(error: PaginationError | ValueError) -> GraphQLError:
    return GraphQLError(str(error), extensions={"code": "INVALID_ARGUMENT"})
