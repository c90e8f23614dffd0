"""Keyset pagination, independent of GraphQL: a page of rows and their cursors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from commerce.shared.cursors import decode_cursor, encode_cursor

R = TypeVar("R")

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


class PaginationError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class PageRequest:
    first: int
    after: tuple[Any, ...] | None


def page_request(first: int | None, after: str | None, sort: str, arity: int) -> PageRequest:
    size = DEFAULT_PAGE_SIZE if first is None else first
    if not 0 <= size <= MAX_PAGE_SIZE:
        raise PaginationError(f"`first` must be between 0 and {MAX_PAGE_SIZE}")
    try:
        key = decode_cursor(after, sort, arity) if after else None
    except ValueError as exc:
        raise PaginationError(f"`after`: {exc}") from None
    return PageRequest(size, key)


@dataclass(frozen=True, slots=True)
class Page(Generic[R]):
    items: list[R]
    cursors: list[str]
    has_next: bool
    has_previous: bool


def make_page(rows: Sequence[R], request: PageRequest, sort: str,
              key: Callable[[R], tuple[Any, ...]]) -> Page[R]:
    """``rows`` were fetched with LIMIT first+1; the extra row only says there is more."""
    items = list(rows[: request.first])
    return Page(
        items=items,
        cursors=[encode_cursor(sort, key(r)) for r in items],
        has_next=len(rows) > request.first,
        has_previous=request.after is not None,
    )
