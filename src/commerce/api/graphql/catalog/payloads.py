"""Catalog mutation payloads: the changed object(s), freshly loaded, and ``errors``."""

from __future__ import annotations

import strawberry

from commerce.api.graphql.catalog.types import Category, Collection, Product, ProductVariant
from commerce.api.graphql.errors import UserError


@strawberry.type
class ProductCreatePayload:
    product: Product | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ProductUpdatePayload:
    product: Product | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ProductDeletePayload:
    deleted_id: strawberry.ID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ProductVariantCreatePayload:
    product_variant: ProductVariant | None = None
    product: Product | None = strawberry.field(
        default=None, description="The product, with its new price range.")
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ProductVariantUpdatePayload:
    product_variant: ProductVariant | None = None
    product: Product | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ProductVariantDeletePayload:
    deleted_id: strawberry.ID | None = None
    product: Product | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CategoryCreatePayload:
    category: Category | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CategoryUpdatePayload:
    category: Category | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CategoryDeletePayload:
    deleted_id: strawberry.ID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CollectionCreatePayload:
    collection: Collection | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CollectionUpdatePayload:
    collection: Collection | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CollectionDeletePayload:
    deleted_id: strawberry.ID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CollectionProductsAddPayload:
    collection: Collection | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CollectionProductsRemovePayload:
    collection: Collection | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
