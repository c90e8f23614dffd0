"""Catalog mutation inputs and their decoding into service commands.

Decoding collects every bad ID, amount and null at once (``Decoder``), then the service
reports its own problems; both arrive as payload errors with the path inside ``input``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import strawberry

from commerce.api.graphql import decode
from commerce.api.graphql.catalog.types import ProductStatus
from commerce.api.graphql.scalars import Decimal
from commerce.catalog import service
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, Problems
from commerce.shared.unset import UNSET, Maybe

T = TypeVar("T")


class Decoder:
    """Decodes input values, remembering every failure instead of stopping at the first."""

    def __init__(self, currency: str) -> None:
        self.currency = currency
        self.problems = Problems()

    def pk(self, global_id: Any, type_name: str, path: Sequence[str]) -> int:
        try:
            return decode.pk(global_id, type_name, path)
        except DomainError as exc:
            self.problems.items.extend(exc.problems)
            return 0

    def optional_pk(self, global_id: Any, type_name: str, path: Sequence[str]) -> int | None:
        return None if global_id is None else self.pk(global_id, type_name, path)

    def pks(self, global_ids: Sequence[Any], type_name: str, path: str) -> list[int]:
        return [self.pk(g, type_name, [path, str(i)]) for i, g in enumerate(global_ids)]

    def money(self, amount: str, path: Sequence[str]) -> int:
        try:
            return decode.money(amount, self.currency, path)
        except DomainError as exc:
            self.problems.items.extend(exc.problems)
            return 0

    def optional_money(self, amount: str | None, path: Sequence[str]) -> int | None:
        return None if amount is None else self.money(amount, path)

    def given(self, value: T | None, path: str) -> Maybe[T]:
        """An update field: left out -> UNSET; null where a value is required -> problem."""
        if value is strawberry.UNSET:
            return UNSET
        if value is None:
            self.problems.add(ErrorCode.INVALID, "must not be null", [path])
            return UNSET
        return value

    def nullable(self, value: T | None) -> Maybe[T | None]:
        """An update field that may be cleared: left out -> UNSET, null -> None."""
        return UNSET if value is strawberry.UNSET else value

    def nullable_pk(self, global_id: Any, type_name: str, path: Sequence[str]
                    ) -> Maybe[int | None]:
        if global_id is strawberry.UNSET:
            return UNSET
        return self.optional_pk(global_id, type_name, path)

    def nullable_money(self, amount: str | None, path: Sequence[str]) -> Maybe[int | None]:
        if amount is strawberry.UNSET:
            return UNSET
        return self.optional_money(amount, path)

    def done(self) -> None:
        self.problems.raise_if_any()


@strawberry.input(description="An image of a product.")
class ProductImageInput:
    url: str = strawberry.field(description="An absolute http:// or https:// URL.")
    alt: str = strawberry.field(
        default="", description="Alternative text for screen readers, at most 500 characters.")


@strawberry.input(description="A variant's value for one product option, e.g. Size: M.")
class SelectedOptionInput:
    name: str = strawberry.field(description="One of the product's `optionNames`.")
    value: str = strawberry.field(description="The value, 1-100 characters, e.g. M.")


@strawberry.input(description="A variant created together with its product.")
class ProductVariantInput:
    sku: str = strawberry.field(
        description="Stock-keeping unit, unique across the catalog: 1-255 characters, no spaces.")
    price: Decimal = strawberry.field(description="Unit price in the shop currency, 0 or more.")
    barcode: str | None = strawberry.field(
        default=None, description="EAN/UPC or other barcode, at most 255 characters; null for "
                                  "none.")
    name: str = strawberry.field(
        default="", description="Variant name, e.g. \"M / Blue\", at most 250 characters.")
    selected_options: list[SelectedOptionInput] = strawberry.field(
        description="The variant's value for each option of the product, each option at most "
                    "once.",
        default_factory=list)
    compare_at_price: Decimal | None = strawberry.field(
        default=None, description="Former or list price shown struck through, in the shop "
                                  "currency; null for none.")
    cost_price: Decimal | None = strawberry.field(
        default=None, description="What the shop pays per unit, in the shop currency; "
                                  "staff-only. Null for unknown.")
    weight_grams: int | None = strawberry.field(
        default=None, description="Weight of one unit in grams, 0-1,000,000,000; null for "
                                  "unknown.")
    track_inventory: bool = strawberry.field(
        default=True, description="Count stock for this variant; untracked variants are always "
                                  "in stock.")
    allow_backorder: bool = strawberry.field(
        default=False, description="Sell beyond the stock on hand (tracked variants only).")
    low_stock_threshold: int | None = strawberry.field(
        default=None, description="See lowStockVariants; null uses its default threshold.")


@strawberry.input(description="A new product. Needs MANAGE_CATALOG.")
class ProductCreateInput:
    name: str = strawberry.field(description="Display name, 1-250 characters; trimmed.")
    slug: str | None = strawberry.field(
        default=None, description="Generated from the name when left out.")
    description: str = strawberry.field(
        default="", description="Plain-text description, at most 50,000 characters.")
    status: ProductStatus = strawberry.field(
        default=ProductStatus.DRAFT, description="Publication state; DRAFT (the default) hides "
                                                 "it from storefronts.")
    category_id: strawberry.ID | None = strawberry.field(
        default=None, description="The product's category; null for none.")
    collection_ids: list[strawberry.ID] = strawberry.field(
        description="Collections to put it in (at most 500).",
        default_factory=list)
    images: list[ProductImageInput] = strawberry.field(
        description="Images in display order (at most 50).",
        default_factory=list)
    option_names: list[str] = strawberry.field(
        default_factory=list, description="Option names such as Size or Colour.")
    variants: list[ProductVariantInput] = strawberry.field(
        description="Variants to create with it (at most 100).",
        default_factory=list)


@strawberry.input(description="Fields left out stay as they are.")
class ProductUpdateInput:
    id: strawberry.ID = strawberry.field(description="The product to change.")
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="Display name, 1-250 characters; trimmed.")
    slug: str | None = strawberry.field(
        default=strawberry.UNSET, description="Unique URL handle: lower-case letters, digits and "
                                              "single hyphens, at most 255 characters.")
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="Plain-text description, at most 50,000 characters.")
    status: ProductStatus | None = strawberry.field(
        default=strawberry.UNSET, description="New publication state.")
    category_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="null removes the product from its category.")
    collection_ids: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces the product's collections.")
    images: list[ProductImageInput] | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces the product's images.")
    option_names: list[str] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Options still used by a variant cannot be removed.")


@strawberry.input(description="The product to delete.")
class ProductDeleteInput:
    id: strawberry.ID = strawberry.field(
        description="The product; refused (IN_USE) while units are allocated to orders.")


@strawberry.input(description="A new variant of an existing product.")
class ProductVariantCreateInput:
    product_id: strawberry.ID = strawberry.field(description="The product the variant belongs to.")
    sku: str = strawberry.field(
        description="Stock-keeping unit, unique across the catalog: 1-255 characters, no spaces.")
    price: Decimal = strawberry.field(description="Unit price in the shop currency, 0 or more.")
    barcode: str | None = strawberry.field(
        default=None, description="EAN/UPC or other barcode, at most 255 characters; null for "
                                  "none.")
    name: str = strawberry.field(
        default="", description="Variant name, e.g. \"M / Blue\", at most 250 characters.")
    selected_options: list[SelectedOptionInput] = strawberry.field(
        description="The variant's value for each option of the product, each option at most "
                    "once.",
        default_factory=list)
    compare_at_price: Decimal | None = strawberry.field(
        default=None, description="Former or list price shown struck through, in the shop "
                                  "currency; null for none.")
    cost_price: Decimal | None = strawberry.field(
        default=None, description="What the shop pays per unit, in the shop currency; "
                                  "staff-only. Null for unknown.")
    weight_grams: int | None = strawberry.field(
        default=None, description="Weight of one unit in grams, 0-1,000,000,000; null for "
                                  "unknown.")
    track_inventory: bool = strawberry.field(
        default=True, description="Count stock for this variant; untracked variants are always "
                                  "in stock.")
    allow_backorder: bool = strawberry.field(
        default=False, description="Sell beyond the stock on hand (tracked variants only).")
    low_stock_threshold: int | None = strawberry.field(
        default=None, description="See lowStockVariants; null uses its default threshold.")


@strawberry.input(description="Fields left out stay as they are; null clears a nullable one.")
class ProductVariantUpdateInput:
    id: strawberry.ID = strawberry.field(description="The variant to change.")
    sku: str | None = strawberry.field(
        default=strawberry.UNSET, description="Stock-keeping unit, unique across the catalog: "
                                              "1-255 characters, no spaces.")
    price: Decimal | None = strawberry.field(
        default=strawberry.UNSET, description="Unit price in the shop currency, 0 or more.")
    barcode: str | None = strawberry.field(
        default=strawberry.UNSET, description="EAN/UPC or other barcode, at most 255 characters; "
                                              "null for none.")
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="Variant name, e.g. \"M / Blue\", at most 250 "
                                              "characters.")
    selected_options: list[SelectedOptionInput] | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces the variant's option values.")
    compare_at_price: Decimal | None = strawberry.field(
        default=strawberry.UNSET, description="Former or list price shown struck through, in the "
                                              "shop currency; null for none.")
    cost_price: Decimal | None = strawberry.field(
        default=strawberry.UNSET, description="What the shop pays per unit, in the shop "
                                              "currency; staff-only. Null for unknown.")
    weight_grams: int | None = strawberry.field(
        default=strawberry.UNSET, description="Weight of one unit in grams, 0-1,000,000,000; "
                                              "null for unknown.")
    track_inventory: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Count stock for this variant; untracked variants "
                                              "are always in stock.")
    allow_backorder: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Sell beyond the stock on hand (tracked variants only).")
    low_stock_threshold: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="lowStockVariants lists the variant at or below this many available "
                    "units; null uses that query's default threshold.")


@strawberry.input(description="The variant to delete.")
class ProductVariantDeleteInput:
    id: strawberry.ID = strawberry.field(
        description="The variant; refused (IN_USE) while units are allocated to orders.")


def _options(options: Sequence[SelectedOptionInput]) -> list[tuple[str, str]]:
    return [(o.name, o.value) for o in options]


def _variant(d: Decoder, v: ProductVariantInput | ProductVariantCreateInput,
             path: Sequence[str]) -> service.VariantData:
    return service.VariantData(
        sku=v.sku, price=d.money(v.price, [*path, "price"]), barcode=v.barcode, name=v.name,
        selected_options=_options(v.selected_options),
        compare_at_price=d.optional_money(v.compare_at_price, [*path, "compareAtPrice"]),
        cost_price=d.optional_money(v.cost_price, [*path, "costPrice"]),
        weight_grams=v.weight_grams, track_inventory=v.track_inventory,
        allow_backorder=v.allow_backorder, low_stock_threshold=v.low_stock_threshold)


def _images(images: Sequence[ProductImageInput]) -> list[service.ImageData]:
    return [service.ImageData(url=i.url, alt=i.alt) for i in images]


def product_data(data: ProductCreateInput, currency: str) -> service.ProductData:
    d = Decoder(currency)
    result = service.ProductData(
        name=data.name, slug=data.slug, description=data.description,
        status=data.status.value,
        category_id=d.optional_pk(data.category_id, "Category", ["categoryId"]),
        collection_ids=d.pks(data.collection_ids, "Collection", "collectionIds"),
        images=_images(data.images), option_names=list(data.option_names),
        variants=[_variant(d, v, ["variants", str(i)]) for i, v in enumerate(data.variants)])
    d.done()
    return result


def product_changes(data: ProductUpdateInput) -> tuple[int, service.ProductChanges]:
    d = Decoder("")
    pk = d.pk(data.id, "Product", ["id"])
    collection_ids = d.given(data.collection_ids, "collectionIds")
    images = d.given(data.images, "images")
    status = d.given(data.status, "status")
    changes = service.ProductChanges(
        name=d.given(data.name, "name"), slug=d.given(data.slug, "slug"),
        description=d.given(data.description, "description"),
        status=UNSET if status is UNSET else status.value,
        category_id=d.nullable_pk(data.category_id, "Category", ["categoryId"]),
        collection_ids=(UNSET if collection_ids is UNSET
                        else d.pks(collection_ids, "Collection", "collectionIds")),
        images=UNSET if images is UNSET else _images(images),
        option_names=d.given(data.option_names, "optionNames"))
    d.done()
    return pk, changes


def variant_data(data: ProductVariantCreateInput, currency: str
                 ) -> tuple[int, service.VariantData]:
    d = Decoder(currency)
    product_id = d.pk(data.product_id, "Product", ["productId"])
    variant = _variant(d, data, [])
    d.done()
    return product_id, variant


def variant_changes(data: ProductVariantUpdateInput, currency: str
                    ) -> tuple[int, service.VariantChanges]:
    d = Decoder(currency)
    pk = d.pk(data.id, "ProductVariant", ["id"])
    price = d.given(data.price, "price")
    options = d.given(data.selected_options, "selectedOptions")
    changes = service.VariantChanges(
        sku=d.given(data.sku, "sku"), price=UNSET if price is UNSET else d.money(price, ["price"]),
        barcode=d.nullable(data.barcode), name=d.given(data.name, "name"),
        selected_options=UNSET if options is UNSET else _options(options),
        compare_at_price=d.nullable_money(data.compare_at_price, ["compareAtPrice"]),
        cost_price=d.nullable_money(data.cost_price, ["costPrice"]),
        weight_grams=d.nullable(data.weight_grams),
        track_inventory=d.given(data.track_inventory, "trackInventory"),
        allow_backorder=d.given(data.allow_backorder, "allowBackorder"),
        low_stock_threshold=d.nullable(data.low_stock_threshold))
    d.done()
    return pk, changes


@strawberry.input(description="A new category.")
class CategoryCreateInput:
    name: str = strawberry.field(description="Display name, 1-250 characters; trimmed.")
    slug: str | None = strawberry.field(
        default=None, description="Generated from the name when left out.")
    description: str = strawberry.field(
        default="", description="Plain-text description, at most 50,000 characters.")
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="Left out: a top-level category.")


@strawberry.input(description="Fields left out stay as they are.")
class CategoryUpdateInput:
    id: strawberry.ID = strawberry.field(description="The category to change.")
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="Display name, 1-250 characters; trimmed.")
    slug: str | None = strawberry.field(
        default=strawberry.UNSET, description="Unique URL handle: lower-case letters, digits and "
                                              "single hyphens, at most 255 characters.")
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="Plain-text description, at most 50,000 characters.")
    parent_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="null makes it top-level; it cannot move under its own subtree.")


@strawberry.input(description="Only a category with no subcategories and no products.")
class CategoryDeleteInput:
    id: strawberry.ID = strawberry.field(description="The category to delete.")


@strawberry.input(description="A new collection.")
class CollectionCreateInput:
    name: str = strawberry.field(description="Display name, 1-250 characters; trimmed.")
    slug: str | None = strawberry.field(
        default=None, description="Generated from the name when left out.")
    description: str = strawberry.field(
        default="", description="Plain-text description, at most 50,000 characters.")
    is_published: bool = strawberry.field(
        default=True, description="Whether storefronts see it (default true).")


@strawberry.input(description="Fields left out stay as they are.")
class CollectionUpdateInput:
    id: strawberry.ID = strawberry.field(description="The collection to change.")
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="Display name, 1-250 characters; trimmed.")
    slug: str | None = strawberry.field(
        default=strawberry.UNSET, description="Unique URL handle: lower-case letters, digits and "
                                              "single hyphens, at most 255 characters.")
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="Plain-text description, at most 50,000 characters.")
    is_published: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Whether storefronts see it.")


@strawberry.input(description="The collection to delete; its products are kept.")
class CollectionDeleteInput:
    id: strawberry.ID = strawberry.field(description="The collection to delete.")


@strawberry.input(description="Products already in the collection stay where they are.")
class CollectionProductsAddInput:
    collection_id: strawberry.ID = strawberry.field(description="The collection.")
    product_ids: list[strawberry.ID] = strawberry.field(
        description="Products to add (at most 500).")


@strawberry.input(description="Products not in the collection are ignored.")
class CollectionProductsRemoveInput:
    collection_id: strawberry.ID = strawberry.field(description="The collection.")
    product_ids: list[strawberry.ID] = strawberry.field(
        description="Products to remove (at most 500).")


def category_data(data: CategoryCreateInput) -> service.CategoryData:
    d = Decoder("")
    result = service.CategoryData(
        name=data.name, slug=data.slug, description=data.description,
        parent_id=d.optional_pk(data.parent_id, "Category", ["parentId"]))
    d.done()
    return result


def category_changes(data: CategoryUpdateInput) -> tuple[int, service.CategoryChanges]:
    d = Decoder("")
    pk = d.pk(data.id, "Category", ["id"])
    changes = service.CategoryChanges(
        name=d.given(data.name, "name"), slug=d.given(data.slug, "slug"),
        description=d.given(data.description, "description"),
        parent_id=d.nullable_pk(data.parent_id, "Category", ["parentId"]))
    d.done()
    return pk, changes


def collection_data(data: CollectionCreateInput) -> service.CollectionData:
    return service.CollectionData(name=data.name, slug=data.slug,
                                  description=data.description,
                                  is_published=data.is_published)


def collection_changes(data: CollectionUpdateInput) -> tuple[int, service.CollectionChanges]:
    d = Decoder("")
    pk = d.pk(data.id, "Collection", ["id"])
    changes = service.CollectionChanges(
        name=d.given(data.name, "name"), slug=d.given(data.slug, "slug"),
        description=d.given(data.description, "description"),
        is_published=d.given(data.is_published, "isPublished"))
    d.done()
    return pk, changes


def collection_products(data: CollectionProductsAddInput | CollectionProductsRemoveInput
                        ) -> tuple[int, list[int]]:
    d = Decoder("")
    collection_id = d.pk(data.collection_id, "Collection", ["collectionId"])
    product_ids = d.pks(data.product_ids, "Product", "productIds")
    d.done()
    return collection_id, product_ids


def one_id(global_id: strawberry.ID, type_name: str) -> int:
    return decode.pk(global_id, type_name, ["id"])
