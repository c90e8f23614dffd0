"""Product use cases: create (optionally with variants), update, delete.

Every use case that changes a product's name or its variants recomputes the derived
columns (``min_price``, ``max_price``, ``search_text``) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.catalog import rules, store
from commerce.catalog.commands import ImageData, ProductChanges, ProductData
from commerce.catalog.variants import check_variants, has_allocations, new_variant, taken_skus
from commerce.db.database import Database
from commerce.db.integrity import unique_violations
from commerce.db.models import Product, ProductImage, ProductVariant
from commerce.inventory.retirement import retire_stock
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, Problems
from commerce.shared.unset import UNSET

_DUPLICATE = "a product with this slug, or a variant with one of these SKUs, already exists"


def _check_images(problems: Problems, images: Sequence[ImageData]) -> list[ImageData]:
    if len(images) > rules.MAX_IMAGES:
        problems.add(ErrorCode.INVALID, f"at most {rules.MAX_IMAGES} images", ["images"])
    return [
        ImageData(
            url=rules.check_image_url(problems, image.url, ["images", str(i), "url"]),
            alt=rules.check_text(problems, image.alt, ["images", str(i), "alt"],
                                 max_length=rules.MAX_ALT),
        )
        for i, image in enumerate(images)
    ]


def _check_id_count(problems: Problems, ids: Sequence[int], path: str) -> None:
    if len(ids) > rules.MAX_IDS_PER_CALL:
        problems.add(ErrorCode.INVALID, f"at most {rules.MAX_IDS_PER_CALL} IDs", [path])


async def product_create(db: Database, data: ProductData, *, currency: str) -> int:
    """Create a product (and its first variants); returns its id."""
    problems = Problems()
    name = rules.check_text(problems, data.name, ["name"], max_length=rules.MAX_NAME,
                            required=True)
    slug = None if data.slug is None else rules.check_slug(problems, data.slug, ["slug"])
    description = rules.check_text(problems, data.description, ["description"],
                                   max_length=rules.MAX_DESCRIPTION)
    rules.check_status(problems, data.status, ["status"])
    option_names = rules.check_option_names(problems, data.option_names, ["optionNames"])
    images = _check_images(problems, data.images)
    _check_id_count(problems, data.collection_ids, "collectionIds")
    if len(data.variants) > rules.MAX_VARIANTS_PER_CREATE:
        problems.add(ErrorCode.INVALID,
                     f"at most {rules.MAX_VARIANTS_PER_CREATE} variants at once", ["variants"])
    variants = check_variants(problems, data.variants, option_names, ["variants"])
    with unique_violations(_DUPLICATE):
        async with db.transaction() as session:
            await store.check_category(session, problems, data.category_id, ["categoryId"])
            await store.check_collections(session, problems, data.collection_ids,
                                          ["collectionIds"])
            if slug and await store.slug_taken(session, Product, slug):
                problems.add(ErrorCode.DUPLICATE, f"slug {slug!r} is already used", ["slug"])
            taken = await taken_skus(session, [v.sku for v in variants])
            for i, variant in enumerate(variants):
                if variant.sku in taken:
                    problems.add(ErrorCode.DUPLICATE, f"SKU {variant.sku!r} is already used",
                                 ["variants", str(i), "sku"])
            problems.raise_if_any()
            product = Product(
                name=name, description=description, status=data.status,
                slug=slug or await store.free_slug(session, Product,
                                                   rules.slug_base(name, "product")),
                category_id=data.category_id, option_names=option_names, currency=currency)
            session.add(product)
            await session.flush()
            _add_images(session, product.id, images)
            await store.set_product_collections(session, product.id, data.collection_ids)
            for position, variant in enumerate(variants):
                session.add(new_variant(product.id, variant, position, currency))
            await store.refresh_derived(session, product)
            return product.id


def _add_images(session: AsyncSession, product_id: int, images: Sequence[ImageData]) -> None:
    session.add_all(ProductImage(product_id=product_id, url=image.url, alt=image.alt,
                                 position=position)
                    for position, image in enumerate(images))


async def product_update(db: Database, product_id: int, changes: ProductChanges) -> int:
    """Change the given fields; images and collections, when given, replace the old ones."""
    problems = Problems()
    name = slug = description = None
    if changes.name is not UNSET:
        name = rules.check_text(problems, changes.name, ["name"], max_length=rules.MAX_NAME,
                                required=True)
    if changes.slug is not UNSET:
        slug = rules.check_slug(problems, changes.slug, ["slug"])
    if changes.description is not UNSET:
        description = rules.check_text(problems, changes.description, ["description"],
                                       max_length=rules.MAX_DESCRIPTION)
    if changes.status is not UNSET:
        rules.check_status(problems, changes.status, ["status"])
    option_names = None
    if changes.option_names is not UNSET:
        option_names = rules.check_option_names(problems, changes.option_names,
                                                ["optionNames"])
    images = None if changes.images is UNSET else _check_images(problems, changes.images)
    if changes.collection_ids is not UNSET:
        _check_id_count(problems, changes.collection_ids, "collectionIds")
    with unique_violations(_DUPLICATE, ["slug"]):
        async with db.transaction() as session:
            product = await store.lock_product(session, product_id)
            if product is None:
                raise DomainError.one(ErrorCode.NOT_FOUND, "no such product", ["id"])
            if changes.category_id is not UNSET:
                await store.check_category(session, problems, changes.category_id,
                                           ["categoryId"])
            if changes.collection_ids is not UNSET:
                await store.check_collections(session, problems, changes.collection_ids,
                                              ["collectionIds"])
            if slug and await store.slug_taken(session, Product, slug, except_id=product.id):
                problems.add(ErrorCode.DUPLICATE, f"slug {slug!r} is already used", ["slug"])
            if option_names is not None:
                await _check_options_still_cover_variants(session, problems, product.id,
                                                          option_names)
            problems.raise_if_any()
            if name is not None:
                product.name = name
            if slug:
                product.slug = slug
            if description is not None:
                product.description = description
            if changes.status is not UNSET:
                product.status = changes.status
            if changes.category_id is not UNSET:
                product.category_id = changes.category_id
            if option_names is not None:
                product.option_names = option_names
            if images is not None:
                await session.execute(delete(ProductImage).where(
                    ProductImage.product_id == product.id))
                _add_images(session, product.id, images)
            if changes.collection_ids is not UNSET:
                await store.set_product_collections(session, product.id, changes.collection_ids)
            await store.refresh_derived(session, product)
            return product.id


async def _check_options_still_cover_variants(session: AsyncSession, problems: Problems,
                                              product_id: int, option_names: list[str]) -> None:
    """Refuse to drop an option that variants still use (their values would dangle)."""
    used = (await session.scalars(select(ProductVariant.option_values).where(
        ProductVariant.product_id == product_id))).all()
    missing = sorted({o["name"] for values in used for o in values} - set(option_names))
    if missing:
        problems.add(ErrorCode.IN_USE,
                     f"variants still use the option(s) {', '.join(missing)}; change or delete "
                     "those variants first", ["optionNames"])


async def product_delete(db: Database, product_id: int, *, actor_id: int | None = None
                         ) -> None:
    """Delete a product with its variants, images, stock rows and collection memberships
    (the stock journal stays)."""
    async with db.transaction() as session:
        product = await store.lock_product(session, product_id)
        if product is None:
            raise DomainError.one(ErrorCode.NOT_FOUND, "no such product", ["id"])
        variant_ids = (await session.scalars(select(ProductVariant.id).where(
            ProductVariant.product_id == product.id))).all()
        if variant_ids and await has_allocations(session, variant_ids):
            raise DomainError.one(ErrorCode.IN_USE,
                                  "units of this product are allocated to orders", ["id"])
        await retire_stock(session, variant_ids, actor_id=actor_id)
        await session.execute(delete(Product).where(Product.id == product.id))
