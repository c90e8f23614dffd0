"""Look-ahead prefetching for list fields.

A list resolver that knows which relations the client selected loads them for the whole page
at once (one statement each, as the DataLoaders would) before returning. The per-object
resolvers then find the values already loaded and answer synchronously, so graphql-core
completes the page without creating a future, task and gather per object — the largest cost
of a listing page after the SQL itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

K = TypeVar("K")
V = TypeVar("V")


def now_or_later(loader: DataLoader[K, V], key: K) -> V | Awaitable[V]:
    """The value when this request already loaded it, else the loader's future."""
    future: Any = loader.load(key)
    if future.done() and not future.cancelled() and future.exception() is None:
        value: V = future.result()
        return value
    awaitable: Awaitable[V] = future
    return awaitable


def _fields(selections: Iterable[Selection]) -> Iterable[SelectedField]:
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, FragmentSpread | InlineFragment):
            yield from _fields(selection.selections)


def children(selections: Iterable[Selection], *path: str) -> list[SelectedField]:
    """The fields selected at ``path`` below ``selections`` (fragments flattened)."""
    level = list(_fields(selections))
    for name in path:
        level = [f for parent in level if parent.name == name for f in _fields(parent.selections)]
    return level


def connection_nodes(info: Any) -> list[SelectedField]:
    """Fields selected on the nodes of the connection this resolver returns."""
    root: list[SelectedField] = info.selected_fields  # just the field being resolved
    if not root:
        return []
    name = root[0].name
    return [*children(root, name, "edges", "node"), *children(root, name, "nodes")]


async def load_all(loads: Sequence[Awaitable[Any]]) -> None:
    """Await several ``load_many`` calls together so their batches dispatch at once."""
    if loads:
        await asyncio.gather(*loads)
