"""Staff catalog mutations (MANAGE_CATALOG): products, variants, categories, collections.

Each resolver checks the permission, decodes its input, calls one service function and
returns the changed object as committed, loaded through fresh loaders.
"""

from __future__ import annotations

import strawberry

from commerce.accounts.permissions import Permission
from commerce.api.graphql.catalog import inputs as i
from commerce.api.graphql.catalog import payloads as p
from commerce.api.graphql.catalog.types import Category, Collection, Product, ProductVariant
from commerce.api.graphql.context import Context, Info
from commerce.api.graphql.errors import from_domain
from commerce.catalog import service
from commerce.shared.errors import DomainError
from commerce.shared.ids import encode_id


async def _staff(info: Info) -> Context:
    await info.context.require_staff(Permission.MANAGE_CATALOG)
    return info.context


async def fresh_product(ctx: Context, pk: int) -> Product | None:
    ctx.loaders.clear_all()
    return await ctx.loaders.product_by_id.load(pk)


async def fresh_variant(ctx: Context, pk: int) -> ProductVariant | None:
    ctx.loaders.clear_all()
    return await ctx.loaders.variant_by_id.load(pk)


async def fresh_category(ctx: Context, pk: int) -> Category | None:
    ctx.loaders.clear_all()
    return await ctx.loaders.category_by_id.load(pk)


async def fresh_collection(ctx: Context, pk: int) -> Collection | None:
    ctx.loaders.clear_all()
    return await ctx.loaders.collection_by_id.load(pk)


def _deleted(type_name: str, pk: int) -> strawberry.ID:
    return strawberry.ID(encode_id(type_name, pk))


@strawberry.type
class CatalogMutation:
    @strawberry.mutation(description="Create a product, optionally with its first variants. "
                                     "Staff with MANAGE_CATALOG.")
    async def product_create(self, info: Info, input: i.ProductCreateInput
                             ) -> p.ProductCreatePayload:
        ctx = await _staff(info)
        currency = ctx.settings.currency
        try:
            pk = await service.product_create(ctx.db, i.product_data(input, currency),
                                              currency=currency)
        except DomainError as exc:
            return p.ProductCreatePayload(errors=from_domain(exc))
        return p.ProductCreatePayload(product=await fresh_product(ctx, pk))

    @strawberry.mutation(description="Change a product's fields; fields left out stay as they "
                                     "are. Staff with MANAGE_CATALOG.")
    async def product_update(self, info: Info, input: i.ProductUpdateInput
                             ) -> p.ProductUpdatePayload:
        ctx = await _staff(info)
        try:
            pk = await service.product_update(ctx.db, *i.product_changes(input))
        except DomainError as exc:
            return p.ProductUpdatePayload(errors=from_domain(exc))
        return p.ProductUpdatePayload(product=await fresh_product(ctx, pk))

    @strawberry.mutation(description="Delete a product with its variants, images and stock. "
                                     "Staff with MANAGE_CATALOG.")
    async def product_delete(self, info: Info, input: i.ProductDeleteInput
                             ) -> p.ProductDeletePayload:
        ctx = await _staff(info)
        try:
            pk = i.one_id(input.id, "Product")
            viewer = await ctx.require_user()
            await service.product_delete(ctx.db, pk, actor_id=viewer.user_id)
        except DomainError as exc:
            return p.ProductDeletePayload(errors=from_domain(exc))
        return p.ProductDeletePayload(deleted_id=_deleted("Product", pk))

    @strawberry.mutation(description="Add a variant to a product. Staff with MANAGE_CATALOG.")
    async def product_variant_create(self, info: Info, input: i.ProductVariantCreateInput
                                     ) -> p.ProductVariantCreatePayload:
        ctx = await _staff(info)
        currency = ctx.settings.currency
        try:
            pk = await service.variant_create(ctx.db, *i.variant_data(input, currency),
                                              currency=currency)
        except DomainError as exc:
            return p.ProductVariantCreatePayload(errors=from_domain(exc))
        variant = await fresh_variant(ctx, pk)
        product = None if variant is None else await fresh_product(ctx, variant.product_id)
        return p.ProductVariantCreatePayload(product_variant=variant, product=product)

    @strawberry.mutation(description="Change a variant's fields; fields left out stay as they "
                                     "are. Staff with MANAGE_CATALOG.")
    async def product_variant_update(self, info: Info, input: i.ProductVariantUpdateInput
                                     ) -> p.ProductVariantUpdatePayload:
        ctx = await _staff(info)
        try:
            pk, changes = i.variant_changes(input, ctx.settings.currency)
            product_id = await service.variant_update(ctx.db, pk, changes)
        except DomainError as exc:
            return p.ProductVariantUpdatePayload(errors=from_domain(exc))
        return p.ProductVariantUpdatePayload(product_variant=await fresh_variant(ctx, pk),
                                             product=await fresh_product(ctx, product_id))

    @strawberry.mutation(description="Delete a variant with its stock; refused while units are "
                                     "allocated to orders. Staff with MANAGE_CATALOG.")
    async def product_variant_delete(self, info: Info, input: i.ProductVariantDeleteInput
                                     ) -> p.ProductVariantDeletePayload:
        ctx = await _staff(info)
        try:
            pk = i.one_id(input.id, "ProductVariant")
            viewer = await ctx.require_user()
            product_id = await service.variant_delete(ctx.db, pk, actor_id=viewer.user_id)
        except DomainError as exc:
            return p.ProductVariantDeletePayload(errors=from_domain(exc))
        return p.ProductVariantDeletePayload(deleted_id=_deleted("ProductVariant", pk),
                                             product=await fresh_product(ctx, product_id))

    @strawberry.mutation(description="Create a category, top-level or under a parent. Staff with "
                                     "MANAGE_CATALOG.")
    async def category_create(self, info: Info, input: i.CategoryCreateInput
                              ) -> p.CategoryCreatePayload:
        ctx = await _staff(info)
        try:
            pk = await service.category_create(ctx.db, i.category_data(input))
        except DomainError as exc:
            return p.CategoryCreatePayload(errors=from_domain(exc))
        return p.CategoryCreatePayload(category=await fresh_category(ctx, pk))

    @strawberry.mutation(description="Rename, re-slug, describe or move a category. Staff with "
                                     "MANAGE_CATALOG.")
    async def category_update(self, info: Info, input: i.CategoryUpdateInput
                              ) -> p.CategoryUpdatePayload:
        ctx = await _staff(info)
        try:
            pk = await service.category_update(ctx.db, *i.category_changes(input))
        except DomainError as exc:
            return p.CategoryUpdatePayload(errors=from_domain(exc))
        return p.CategoryUpdatePayload(category=await fresh_category(ctx, pk))

    @strawberry.mutation(description="Delete a category that has no subcategories or products "
                                     "(otherwise the error code is IN_USE). Staff with "
                                     "MANAGE_CATALOG.")
    async def category_delete(self, info: Info, input: i.CategoryDeleteInput
                              ) -> p.CategoryDeletePayload:
        ctx = await _staff(info)
        try:
            pk = i.one_id(input.id, "Category")
            await service.category_delete(ctx.db, pk)
        except DomainError as exc:
            return p.CategoryDeletePayload(errors=from_domain(exc))
        return p.CategoryDeletePayload(deleted_id=_deleted("Category", pk))

    @strawberry.mutation(description="Create a collection. Staff with MANAGE_CATALOG.")
    async def collection_create(self, info: Info, input: i.CollectionCreateInput
                                ) -> p.CollectionCreatePayload:
        ctx = await _staff(info)
        try:
            pk = await service.collection_create(ctx.db, i.collection_data(input))
        except DomainError as exc:
            return p.CollectionCreatePayload(errors=from_domain(exc))
        return p.CollectionCreatePayload(collection=await fresh_collection(ctx, pk))

    @strawberry.mutation(description="Change a collection's fields; fields left out stay as they "
                                     "are. Staff with MANAGE_CATALOG.")
    async def collection_update(self, info: Info, input: i.CollectionUpdateInput
                                ) -> p.CollectionUpdatePayload:
        ctx = await _staff(info)
        try:
            pk = await service.collection_update(ctx.db, *i.collection_changes(input))
        except DomainError as exc:
            return p.CollectionUpdatePayload(errors=from_domain(exc))
        return p.CollectionUpdatePayload(collection=await fresh_collection(ctx, pk))

    @strawberry.mutation(description="Delete a collection; its products are kept. Staff "
                                     "with MANAGE_CATALOG.")
    async def collection_delete(self, info: Info, input: i.CollectionDeleteInput
                                ) -> p.CollectionDeletePayload:
        ctx = await _staff(info)
        try:
            pk = i.one_id(input.id, "Collection")
            await service.collection_delete(ctx.db, pk)
        except DomainError as exc:
            return p.CollectionDeletePayload(errors=from_domain(exc))
        return p.CollectionDeletePayload(deleted_id=_deleted("Collection", pk))

    @strawberry.mutation(description="Add products to a collection. Staff with MANAGE_CATALOG.")
    async def collection_products_add(self, info: Info, input: i.CollectionProductsAddInput
                                      ) -> p.CollectionProductsAddPayload:
        ctx = await _staff(info)
        try:
            pk, product_ids = i.collection_products(input)
            await service.collection_products_add(ctx.db, pk, product_ids)
        except DomainError as exc:
            return p.CollectionProductsAddPayload(errors=from_domain(exc))
        return p.CollectionProductsAddPayload(collection=await fresh_collection(ctx, pk))

    @strawberry.mutation(description="Take products out of a collection. Staff with "
                                     "MANAGE_CATALOG.")
    async def collection_products_remove(self, info: Info,
                                         input: i.CollectionProductsRemoveInput
                                         ) -> p.CollectionProductsRemovePayload:
        ctx = await _staff(info)
        try:
            pk, product_ids = i.collection_products(input)
            await service.collection_products_remove(ctx.db, pk, product_ids)
        except DomainError as exc:
            return p.CollectionProductsRemovePayload(errors=from_domain(exc))
        return p.CollectionProductsRemovePayload(collection=await fresh_collection(ctx, pk))
