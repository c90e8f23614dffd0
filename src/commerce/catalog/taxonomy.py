"""Category (a tree) and collection use cases."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.catalog import rules, store
from commerce.catalog.commands import (
    CategoryChanges,
    CategoryData,
    CollectionChanges,
    CollectionData,
)
from commerce.db.database import Database
from commerce.db.integrity import unique_violations
from commerce.db.models import Category, Collection, CollectionProduct, Product
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, Problems
from commerce.shared.unset import UNSET

_SLUG_USED = "this slug is already used"


def _check_common(problems: Problems, name: str | None, slug: str | None,
                  description: str | None) -> tuple[str | None, str | None, str | None]:
    if name is not None:
        name = rules.check_text(problems, name, ["name"], max_length=rules.MAX_NAME,
                                required=True)
    if slug is not None:
        slug = rules.check_slug(problems, slug, ["slug"])
    if description is not None:
        description = rules.check_text(problems, description, ["description"],
                                       max_length=rules.MAX_DESCRIPTION)
    return name, slug, description


def _given(value: str | object) -> str | None:
    return value if isinstance(value, str) else None


async def _ancestor_ids(session: AsyncSession, category_id: int) -> set[int]:
    """The category and every category above it (one recursive query)."""
    chain = select(Category.id, Category.parent_id).where(
        Category.id == category_id).cte("ancestors", recursive=True)
    chain = chain.union_all(select(Category.id, Category.parent_id).join(
        chain, Category.id == chain.c.parent_id))
    return set((await session.scalars(select(chain.c.id))).all())


async def category_create(db: Database, data: CategoryData) -> int:
    problems = Problems()
    name, slug, description = _check_common(problems, data.name, data.slug, data.description)
    assert name is not None and description is not None
    with unique_violations(_SLUG_USED, ["slug"]):
        async with db.transaction() as session:
            if data.parent_id is not None and await session.get(Category, data.parent_id) is None:
                problems.add(ErrorCode.NOT_FOUND, "no such category", ["parentId"])
            if slug and await store.slug_taken(session, Category, slug):
                problems.add(ErrorCode.DUPLICATE, f"slug {slug!r} is already used", ["slug"])
            problems.raise_if_any()
            last = await session.scalar(select(func.max(Category.position)).where(
                Category.parent_id.is_(None) if data.parent_id is None
                else Category.parent_id == data.parent_id))
            category = Category(
                name=name, description=description, parent_id=data.parent_id,
                slug=slug or await store.free_slug(session, Category,
                                                   rules.slug_base(name, "category")),
                position=(last or 0) + 1)
            session.add(category)
            await session.flush()
            return category.id


async def category_update(db: Database, category_id: int, changes: CategoryChanges) -> int:
    problems = Problems()
    name, slug, description = _check_common(
        problems, _given(changes.name), _given(changes.slug), _given(changes.description))
    with unique_violations(_SLUG_USED, ["slug"]):
        async with db.transaction() as session:
            if changes.parent_id is not UNSET and db.dialect == "postgresql":
                # Two concurrent moves could each pass the cycle check and together make a
                # loop; moves are rare, so they take turns. (SQLite writers already do.)
                await session.execute(text("SELECT pg_advisory_xact_lock(7301001)"))
            category = await session.get(Category, category_id, with_for_update=True)
            if category is None:
                raise DomainError.one(ErrorCode.NOT_FOUND, "no such category", ["id"])
            parent_id = changes.parent_id
            if parent_id is not UNSET and parent_id is not None:
                if await session.get(Category, parent_id) is None:
                    problems.add(ErrorCode.NOT_FOUND, "no such category", ["parentId"])
                elif category.id in await _ancestor_ids(session, parent_id):
                    problems.add(ErrorCode.INVALID, "a category cannot be moved under itself "
                                 "or one of its subcategories", ["parentId"])
            if slug and await store.slug_taken(session, Category, slug, except_id=category.id):
                problems.add(ErrorCode.DUPLICATE, f"slug {slug!r} is already used", ["slug"])
            problems.raise_if_any()
            if name is not None:
                category.name = name
            if slug:
                category.slug = slug
            if description is not None:
                category.description = description
            if parent_id is not UNSET:
                category.parent_id = parent_id
            return category.id


async def category_delete(db: Database, category_id: int) -> None:
    """Delete an empty category; one with subcategories or products is IN_USE."""
    async with db.transaction() as session:
        category = await session.get(Category, category_id, with_for_update=True)
        if category is None:
            raise DomainError.one(ErrorCode.NOT_FOUND, "no such category", ["id"])
        if await session.scalar(select(Category.id).where(
                Category.parent_id == category_id).limit(1)) is not None:
            raise DomainError.one(ErrorCode.IN_USE, "the category has subcategories; move or "
                                  "delete them first", ["id"])
        if await session.scalar(select(Product.id).where(
                Product.category_id == category_id).limit(1)) is not None:
            raise DomainError.one(ErrorCode.IN_USE, "the category has products; move them to "
                                  "another category first", ["id"])
        await session.execute(delete(Category).where(Category.id == category_id))


async def collection_create(db: Database, data: CollectionData) -> int:
    problems = Problems()
    name, slug, description = _check_common(problems, data.name, data.slug, data.description)
    assert name is not None and description is not None
    with unique_violations(_SLUG_USED, ["slug"]):
        async with db.transaction() as session:
            if slug and await store.slug_taken(session, Collection, slug):
                problems.add(ErrorCode.DUPLICATE, f"slug {slug!r} is already used", ["slug"])
            problems.raise_if_any()
            collection = Collection(
                name=name, description=description, is_published=data.is_published,
                slug=slug or await store.free_slug(session, Collection,
                                                   rules.slug_base(name, "collection")))
            session.add(collection)
            await session.flush()
            return collection.id


async def collection_update(db: Database, collection_id: int,
                            changes: CollectionChanges) -> int:
    problems = Problems()
    name, slug, description = _check_common(
        problems, _given(changes.name), _given(changes.slug), _given(changes.description))
    with unique_violations(_SLUG_USED, ["slug"]):
        async with db.transaction() as session:
            collection = await session.get(Collection, collection_id, with_for_update=True)
            if collection is None:
                raise DomainError.one(ErrorCode.NOT_FOUND, "no such collection", ["id"])
            if slug and await store.slug_taken(session, Collection, slug,
                                               except_id=collection.id):
                problems.add(ErrorCode.DUPLICATE, f"slug {slug!r} is already used", ["slug"])
            problems.raise_if_any()
            if name is not None:
                collection.name = name
            if slug:
                collection.slug = slug
            if description is not None:
                collection.description = description
            if changes.is_published is not UNSET:
                collection.is_published = changes.is_published
            return collection.id


async def collection_delete(db: Database, collection_id: int) -> None:
    """Delete a collection; its products stay, they just leave it."""
    async with db.transaction() as session:
        deleted = await session.execute(delete(Collection).where(
            Collection.id == collection_id).returning(Collection.id))
        if deleted.first() is None:
            raise DomainError.one(ErrorCode.NOT_FOUND, "no such collection", ["id"])


def _check_ids(product_ids: Sequence[int]) -> None:
    if len(product_ids) > rules.MAX_IDS_PER_CALL:
        raise DomainError.one(ErrorCode.INVALID, f"at most {rules.MAX_IDS_PER_CALL} IDs",
                              ["productIds"])


async def collection_products_add(db: Database, collection_id: int,
                                  product_ids: Sequence[int]) -> None:
    """Add products to the end of a collection; ones already in it stay where they are."""
    _check_ids(product_ids)
    with unique_violations("the product is already in the collection", ["productIds"]):
        async with db.transaction() as session:
            # The row lock makes concurrent adds to one collection take turns.
            if await session.get(Collection, collection_id, with_for_update=True) is None:
                raise DomainError.one(ErrorCode.NOT_FOUND, "no such collection",
                                      ["collectionId"])
            problems = Problems()
            await store.check_products(session, problems, product_ids, ["productIds"])
            problems.raise_if_any()
            present = set((await session.scalars(select(CollectionProduct.product_id).where(
                CollectionProduct.collection_id == collection_id,
                CollectionProduct.product_id.in_(product_ids)))).all())
            await store.add_to_collections(session, [
                (collection_id, pid) for pid in dict.fromkeys(product_ids)
                if pid not in present])


async def collection_products_remove(db: Database, collection_id: int,
                                     product_ids: Sequence[int]) -> None:
    """Take products out of a collection; ones not in it are ignored."""
    _check_ids(product_ids)
    async with db.transaction() as session:
        if await session.get(Collection, collection_id, with_for_update=True) is None:
            raise DomainError.one(ErrorCode.NOT_FOUND, "no such collection", ["collectionId"])
        if product_ids:
            await session.execute(delete(CollectionProduct).where(
                CollectionProduct.collection_id == collection_id,
                CollectionProduct.product_id.in_(product_ids)))
