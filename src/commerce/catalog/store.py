"""Write-side helpers shared by the catalog use cases (all run inside one session)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.catalog import rules
from commerce.db.models import Category, Collection, CollectionProduct, Product, ProductVariant
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import Problems

Sluggable = type[Product] | type[Category] | type[Collection]


async def slug_taken(session: AsyncSession, model: Sluggable, slug: str,
                     except_id: int | None = None) -> bool:
    statement = select(model.id).where(model.slug == slug)
    if except_id is not None:
        statement = statement.where(model.id != except_id)
    return (await session.scalar(statement.limit(1))) is not None


async def free_slug(session: AsyncSession, model: Sluggable, base: str) -> str:
    """The first of ``base``, ``base-2``, ... not used yet (one query).

    A concurrent writer may take it before we commit; the unique constraint then turns
    that into a DUPLICATE payload error rather than a second row with the same slug.
    """
    pattern = base.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "-%"
    taken = (await session.scalars(select(model.slug).where(
        or_(model.slug == base, model.slug.like(pattern, escape="\\"))))).all()
    return rules.first_free_slug(base, set(taken))


async def lock_product(session: AsyncSession, product_id: int) -> Product | None:
    """Load a product and hold its row until commit, so concurrent variant changes to one
    product serialise and its derived columns always reflect every variant."""
    return await session.get(Product, product_id, with_for_update=True)


async def refresh_derived(session: AsyncSession, product: Product) -> None:
    """Recompute ``min_price``, ``max_price`` and ``search_text`` from the variants."""
    rows = (await session.execute(
        select(ProductVariant.sku, ProductVariant.price_amount)
        .where(ProductVariant.product_id == product.id)
        .order_by(ProductVariant.position, ProductVariant.id))).all()
    product.min_price, product.max_price = rules.price_bounds([r.price_amount for r in rows])
    product.search_text = rules.search_text(product.name, [r.sku for r in rows])


async def check_category(session: AsyncSession, problems: Problems, category_id: int | None,
                         path: Sequence[str]) -> None:
    if category_id is None:
        return
    found = await session.scalar(select(Category.id).where(Category.id == category_id))
    if found is None:
        problems.add(ErrorCode.NOT_FOUND, "no such category", path)


async def check_collections(session: AsyncSession, problems: Problems,
                            collection_ids: Sequence[int], path: Sequence[str]) -> None:
    if not collection_ids:
        return
    found = set((await session.scalars(
        select(Collection.id).where(Collection.id.in_(collection_ids)))).all())
    for i, cid in enumerate(collection_ids):
        if cid not in found:
            problems.add(ErrorCode.NOT_FOUND, "no such collection", [*path, str(i)])


async def check_products(session: AsyncSession, problems: Problems,
                         product_ids: Sequence[int], path: Sequence[str]) -> None:
    found = set((await session.scalars(
        select(Product.id).where(Product.id.in_(product_ids)))).all())
    for i, pid in enumerate(product_ids):
        if pid not in found:
            problems.add(ErrorCode.NOT_FOUND, "no such product", [*path, str(i)])


async def add_to_collections(session: AsyncSession, pairs: Sequence[tuple[int, int]]) -> None:
    """Add (collection_id, product_id) memberships at the end of each collection."""
    if not pairs:
        return
    collection_ids = sorted({c for c, _ in pairs})
    last: dict[int, int] = {
        cid: position for cid, position in (await session.execute(
            select(CollectionProduct.collection_id, func.max(CollectionProduct.position))
            .where(CollectionProduct.collection_id.in_(collection_ids))
            .group_by(CollectionProduct.collection_id))).all()}
    for collection_id, product_id in pairs:
        position = (last.get(collection_id) or 0) + 1
        last[collection_id] = position
        session.add(CollectionProduct(collection_id=collection_id, product_id=product_id,
                                      position=position))


async def set_product_collections(session: AsyncSession, product_id: int,
                                  collection_ids: Sequence[int]) -> None:
    """Make the product a member of exactly these collections, keeping existing positions."""
    wanted = list(dict.fromkeys(collection_ids))
    current = set((await session.scalars(select(CollectionProduct.collection_id).where(
        CollectionProduct.product_id == product_id))).all())
    stale = current - set(wanted)
    if stale:
        await session.execute(delete(CollectionProduct).where(
            CollectionProduct.product_id == product_id,
            CollectionProduct.collection_id.in_(stale)))
    await add_to_collections(session, [(c, product_id) for c in wanted if c not in current])
