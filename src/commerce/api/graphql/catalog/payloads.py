"""Catalog mutation payloads: the changed object(s), freshly loaded, and ``errors``."""

from __future__ import annotations

import strawberry

from commerce.api.graphql.catalog.types import Category, Collection, Product, ProductVariant
from commerce.api.graphql.errors import UserError


@strawberry.type(description="Result of `productCreate`.")
class ProductCreatePayload:
    product: Product | None = strawberry.field(
        default=None, description="The new product as stored; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `productUpdate`.")
class ProductUpdatePayload:
    product: Product | None = strawberry.field(
        default=None, description="The product as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `productDelete`.")
class ProductDeletePayload:
    deleted_id: strawberry.ID | None = strawberry.field(
        default=None, description="ID of the deleted product; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `productVariantCreate`.")
class ProductVariantCreatePayload:
    product_variant: ProductVariant | None = strawberry.field(
        default=None, description="The new variant as stored; null when `errors` is not empty.")
    product: Product | None = strawberry.field(
        default=None, description="The product, with its new price range.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `productVariantUpdate`.")
class ProductVariantUpdatePayload:
    product_variant: ProductVariant | None = strawberry.field(
        default=None, description="The variant as changed; null when `errors` is not empty.")
    product: Product | None = strawberry.field(
        default=None, description="The variant's product, with its new price range.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `productVariantDelete`.")
class ProductVariantDeletePayload:
    deleted_id: strawberry.ID | None = strawberry.field(
        default=None, description="ID of the deleted variant; null when `errors` is not empty.")
    product: Product | None = strawberry.field(
        default=None, description="The variant's product, with its new price range.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `categoryCreate`.")
class CategoryCreatePayload:
    category: Category | None = strawberry.field(
        default=None, description="The new category as stored; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `categoryUpdate`.")
class CategoryUpdatePayload:
    category: Category | None = strawberry.field(
        default=None, description="The category as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `categoryDelete`.")
class CategoryDeletePayload:
    deleted_id: strawberry.ID | None = strawberry.field(
        default=None, description="ID of the deleted category; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `collectionCreate`.")
class CollectionCreatePayload:
    collection: Collection | None = strawberry.field(
        default=None, description="The new collection as stored; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `collectionUpdate`.")
class CollectionUpdatePayload:
    collection: Collection | None = strawberry.field(
        default=None, description="The collection as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `collectionDelete`.")
class CollectionDeletePayload:
    deleted_id: strawberry.ID | None = strawberry.field(
        default=None, description="ID of the deleted collection; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `collectionProductsAdd`.")
class CollectionProductsAddPayload:
    collection: Collection | None = strawberry.field(
        default=None, description="The collection after the change; null when `errors` is not "
                                  "empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `collectionProductsRemove`.")
class CollectionProductsRemovePayload:
    collection: Collection | None = strawberry.field(
        default=None, description="The collection after the change; null when `errors` is not "
                                  "empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)
