"""Read side for categories and collections: rows for listings and DataLoader batches.

Like ``catalog.queries``, every function issues one statement whatever the number of keys.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, func, select

from commerce.accounts.viewer import Viewer
from commerce.catalog.queries import CATEGORY_COLUMNS, COLLECTION_COLUMNS
from commerce.catalog.visibility import visible_collections
from commerce.db.database import Reader
from commerce.db.keyset import AnySelect, keyset
from commerce.db.models import Category, Collection, CollectionProduct
from commerce.shared.pagination import Page, make_page, page_request
from commerce.shared.text import like_pattern

_BY_NAME = "name:asc"


async def list_categories(reader: Reader, *, search: str | None, parent_id: int | None,
                          top_level: bool | None, first: int | None,
                          after: str | None) -> Page[Row[Any]]:
    """Categories by name; ``parent_id`` gives one category's children, ``top_level`` roots."""
    request = page_request(first, after, _BY_NAME, 2)
    clauses: list[ColumnElement[bool]] = []
    if search:
        clauses.append(func.lower(Category.name).like(like_pattern(search), escape="\\"))
    if parent_id is not None:
        clauses.append(Category.parent_id == parent_id)
    if top_level is True:
        clauses.append(Category.parent_id.is_(None))
    elif top_level is False:
        clauses.append(Category.parent_id.is_not(None))
    statement: AnySelect = select(*CATEGORY_COLUMNS).where(*clauses)
    statement = keyset(statement, [Category.name, Category.id], False, request.after,
                       request.first + 1)
    rows = await reader.all(statement)
    return make_page(rows, request, _BY_NAME, lambda r: (r.name, r.id))


async def category_by_slug(reader: Reader, slug: str) -> Row[Any] | None:
    return await reader.first(select(*CATEGORY_COLUMNS).where(Category.slug == slug))


async def children_by_category_ids(reader: Reader, ids: Sequence[int]
                                   ) -> dict[int, list[Row[Any]]]:
    rows = await reader.all(
        select(*CATEGORY_COLUMNS).where(Category.parent_id.in_(ids))
        .order_by(Category.parent_id, Category.position, Category.name, Category.id))
    grouped: dict[int, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        grouped[row.parent_id].append(row)
    return grouped


async def list_collections(reader: Reader, *, viewer: Viewer | None, first: int | None,
                           after: str | None) -> Page[Row[Any]]:
    request = page_request(first, after, _BY_NAME, 2)
    statement: AnySelect = select(*COLLECTION_COLUMNS).where(*visible_collections(viewer))
    statement = keyset(statement, [Collection.name, Collection.id], False, request.after,
                       request.first + 1)
    rows = await reader.all(statement)
    return make_page(rows, request, _BY_NAME, lambda r: (r.name, r.id))


async def collection_by_slug(reader: Reader, slug: str, viewer: Viewer | None
                             ) -> Row[Any] | None:
    return await reader.first(select(*COLLECTION_COLUMNS).where(
        Collection.slug == slug, *visible_collections(viewer)))


async def collections_by_ids(reader: Reader, ids: Sequence[int], viewer: Viewer | None
                             ) -> dict[int, Row[Any]]:
    rows = await reader.all(select(*COLLECTION_COLUMNS).where(
        Collection.id.in_(ids), *visible_collections(viewer)))
    return {r.id: r for r in rows}


async def collections_by_product_ids(reader: Reader, ids: Sequence[int], viewer: Viewer | None
                                     ) -> dict[int, list[Row[Any]]]:
    """The collections of each product that the viewer may see, by name."""
    rows = await reader.all(
        select(CollectionProduct.product_id, *COLLECTION_COLUMNS)
        .join(Collection, Collection.id == CollectionProduct.collection_id)
        .where(CollectionProduct.product_id.in_(ids), *visible_collections(viewer))
        .order_by(CollectionProduct.product_id, Collection.name, Collection.id))
    grouped: dict[int, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        grouped[row.product_id].append(row)
    return grouped
