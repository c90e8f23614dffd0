"""Catalog object types, built from lightweight rows."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, Optional

import strawberry
from strawberry.types.nodes import SelectedField

from commerce.accounts.permissions import Permission
from commerce.api.graphql.context import Info
from commerce.api.graphql.descriptions import describe_values
from commerce.api.graphql.inventory.types import Stock
from commerce.api.graphql.money import Money, PriceRange
from commerce.api.graphql.node import Node
from commerce.api.graphql.permissions import require_any
from commerce.api.graphql.prefetch import load_all, now_or_later
from commerce.shared.ids import encode_id


@strawberry.enum(description="Publication state of a product.")
class ProductStatus(Enum):
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    ARCHIVED = "ARCHIVED"


describe_values(ProductStatus, {
    ProductStatus.DRAFT: "Being prepared: hidden from storefronts and not for sale.",
    ProductStatus.ACTIVE: "Published: visible in the storefront and for sale.",
    ProductStatus.ARCHIVED: "Withdrawn: hidden from storefronts and not for sale; kept for "
                            "history.",
})


@strawberry.type(description="A product image, shown in display order.")
class ProductImage(Node):
    id: strawberry.ID
    url: str = strawberry.field(description="Absolute http(s) URL of the image.")
    alt: str = strawberry.field(description="Alternative text for screen readers; may be empty.")

    @classmethod
    def from_row(cls, row: Any) -> ProductImage:
        return cls(id=strawberry.ID(encode_id("ProductImage", row.id)), url=row.url, alt=row.alt)


@strawberry.type(description="A chosen option of a variant, such as Size: M.")
class SelectedOption:
    name: str = strawberry.field(
        description="The option, one of the product's `optionNames` (e.g. Size).")
    value: str = strawberry.field(description="The chosen value (e.g. M).")


@strawberry.type(description="A node of the category tree; a product belongs to at most one "
                             "category.")
class Category(Node):
    id: strawberry.ID
    name: str = strawberry.field(description="Display name.")
    slug: str = strawberry.field(description="Unique URL handle, e.g. `green-tea`.")
    description: str = strawberry.field(description="Plain-text description; may be empty.")
    pk: strawberry.Private[int]
    parent_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> Category:
        return cls(id=strawberry.ID(encode_id("Category", row.id)), name=row.name,
                   slug=row.slug, description=row.description, pk=row.id,
                   parent_id=row.parent_id)

    @strawberry.field(
        description="The parent category; null for a top-level category.",
        graphql_type=Optional["Category"])
    def parent(self, info: Info) -> Awaitable[Category | None] | None:
        if self.parent_id is None:
            return None
        return info.context.loaders.category_by_id.load(self.parent_id)

    @strawberry.field(graphql_type=list["Category"],
                      description="Direct subcategories in display order.")
    def children(self, info: Info) -> Awaitable[list[Category]]:
        return info.context.loaders.children_by_category_id.load(self.pk)


@strawberry.type(description="A hand-picked group of products, e.g. \"Summer sale\".")
class Collection(Node):
    id: strawberry.ID
    name: str = strawberry.field(description="Display name.")
    slug: str = strawberry.field(description="Unique URL handle, e.g. `summer-sale`.")
    description: str = strawberry.field(description="Plain-text description; may be empty.")
    is_published: bool = strawberry.field(
        description="Unpublished collections are visible to staff only.")
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> Collection:
        return cls(id=strawberry.ID(encode_id("Collection", row.id)), name=row.name,
                   slug=row.slug, description=row.description,
                   is_published=row.is_published, pk=row.id)


@strawberry.type(description="A purchasable version of a product (one SKU), e.g. the M size of a "
                             "T-shirt. Visible with its product only.")
class ProductVariant(Node):
    id: strawberry.ID
    sku: str = strawberry.field(
        description="Stock-keeping unit, unique across the catalog, no spaces.")
    barcode: str | None = strawberry.field(
        description="EAN/UPC or other barcode; null when not set.")
    name: str = strawberry.field(
        description="Variant name, e.g. \"M / Blue\"; may be empty.")
    price: Money = strawberry.field(
        description="Unit price in the shop currency, before tax and discounts.")
    compare_at_price: Money | None = strawberry.field(
        description="Former or list price shown struck through; null when not set.")
    weight_grams: int | None = strawberry.field(
        description="Shipping weight of one unit in grams; null when not set (counts as 0 for "
                    "weight-based shipping rates).")
    track_inventory: bool = strawberry.field(
        description="Whether stock is counted; untracked variants are always in stock.")
    selected_options: list[SelectedOption] = strawberry.field(
        description="The variant's value for each of the product's options.")
    quantity_available: int | None = strawberry.field(
        description="Units that can be ordered now (on hand, less what is allocated to orders "
                    "and held for carts paying by card); null when stock is not tracked.")
    in_stock: bool = strawberry.field(
        description="Whether at least one unit can be ordered now (always true when stock is not "
                    "tracked).")
    allow_backorder: bool = strawberry.field(
        description="Whether it can be ordered beyond the stock on hand.")
    pk: strawberry.Private[int]
    product_id: strawberry.Private[int]
    cost_amount: strawberry.Private[int | None]
    threshold: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> ProductVariant:
        currency = row.currency
        return cls(
            id=strawberry.ID(encode_id("ProductVariant", row.id)), sku=row.sku,
            barcode=row.barcode, name=row.name,
            price=Money.of(row.price_amount, currency),
            compare_at_price=Money.maybe(row.compare_at_amount, currency),
            weight_grams=row.weight_grams, track_inventory=row.track_inventory,
            selected_options=[SelectedOption(name=o["name"], value=o["value"])
                              for o in row.option_values],
            # Plain values rather than resolvers: hundreds of them on a listing page.
            quantity_available=int(row.available) if row.track_inventory else None,
            in_stock=not row.track_inventory or row.available > 0,
            allow_backorder=row.allow_backorder,
            pk=row.id, product_id=row.product_id, cost_amount=row.cost_amount,
            threshold=row.low_stock_threshold,
        )

    @strawberry.field(description="What the shop paid per unit. Staff with MANAGE_CATALOG only.")
    async def cost_price(self, info: Info) -> Money | None:
        await info.context.require_staff(Permission.MANAGE_CATALOG)
        return Money.maybe(self.cost_amount, self.price.currency)

    @strawberry.field(description="At or below this many available units the variant shows "
                                  "in lowStockVariants; null: that query's default. Staff with "
                                  "MANAGE_INVENTORY or MANAGE_CATALOG only.")
    async def low_stock_threshold(self, info: Info) -> int | None:
        await require_any(info.context, Permission.MANAGE_INVENTORY, Permission.MANAGE_CATALOG)
        return self.threshold

    @strawberry.field(description="Stock per warehouse. Staff with MANAGE_INVENTORY or "
                                  "MANAGE_CATALOG only.")
    async def stocks(self, info: Info) -> list[Stock]:
        await require_any(info.context, Permission.MANAGE_INVENTORY, Permission.MANAGE_CATALOG)
        return await info.context.loaders.stocks_by_variant_id.load(self.pk)

    @strawberry.field(graphql_type=Annotated["Product", strawberry.lazy(__name__)],
                      description="The product this is a variant of. A variant is visible "
                                  "only with its product, so this is never hidden.")
    def product(self, info: Info) -> Awaitable[Product | None]:
        return info.context.loaders.product_by_id.load(self.product_id)


@strawberry.type(description="A product as shown in the catalog, with its variants. Storefronts "
                             "see ACTIVE products only; staff with MANAGE_CATALOG see all.")
class Product(Node):
    id: strawberry.ID
    name: str = strawberry.field(description="Display name.")
    slug: str = strawberry.field(description="Unique URL handle, e.g. `green-tea`.")
    description: str = strawberry.field(description="Plain-text description; may be empty.")
    status: ProductStatus = strawberry.field(
        description="Publication state; only ACTIVE products are visible and for sale.")
    option_names: list[str] = strawberry.field(
        description="Names of the options its variants vary by, e.g. Size, Colour; empty for a "
                    "single-variant product.")
    created_at: datetime = strawberry.field(description="When the product was created (UTC).")
    updated_at: datetime = strawberry.field(description="When the product was last changed (UTC).")
    pk: strawberry.Private[int]
    category_id: strawberry.Private[int | None]
    min_price: strawberry.Private[int | None]
    max_price: strawberry.Private[int | None]
    currency: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: Any) -> Product:
        return cls(
            id=strawberry.ID(encode_id("Product", row.id)), name=row.name, slug=row.slug,
            description=row.description, status=ProductStatus(row.status),
            option_names=list(row.option_names), created_at=row.created_at,
            updated_at=row.updated_at, pk=row.id, category_id=row.category_id,
            min_price=row.min_price, max_price=row.max_price, currency=row.currency,
        )

    @strawberry.field(description="Lowest and highest variant price; null without variants.")
    def price_range(self) -> PriceRange | None:
        if self.min_price is None or self.max_price is None:
            return None
        return PriceRange(min=Money.of(self.min_price, self.currency),
                          max=Money.of(self.max_price, self.currency))

    @strawberry.field(
        description="The product's category; null when it has none.",
        graphql_type=Category | None)
    def category(self, info: Info) -> Category | Awaitable[Category | None] | None:
        if self.category_id is None:
            return None
        return now_or_later(info.context.loaders.category_by_id, self.category_id)

    @strawberry.field(
        description="The product's variants, in display order.",
        graphql_type=list[ProductVariant])
    def variants(self, info: Info) -> list[ProductVariant] | Awaitable[list[ProductVariant]]:
        return now_or_later(info.context.loaders.variants_by_product_id, self.pk)

    @strawberry.field(graphql_type=list[ProductImage],
                      description="Images in display order; `first` limits how many.")
    def images(self, info: Info, first: Annotated[int | None, strawberry.argument(
                   description="At most this many images; null for all.")] = None
               ) -> list[ProductImage] | Awaitable[list[ProductImage]]:
        return now_or_later(info.context.loaders.images_by_product_id, (self.pk, first))

    @strawberry.field(description="Collections the product is in; unpublished ones for staff "
                                  "only.")
    async def collections(self, info: Info) -> list[Collection]:
        return await info.context.loaders.collections_by_product_id.load(self.pk)


async def prefetch_products(info: Info, products: list[Product],
                            selected: list[SelectedField]) -> None:
    """Load the relations ``selected`` on ``products`` for the whole page at once."""
    loaders = info.context.loaders
    names = {f.name for f in selected}
    loads: list[Awaitable[Any]] = []
    pks = [p.pk for p in products]
    if "variants" in names:
        loads.append(loaders.variants_by_product_id.load_many(pks))
    if "category" in names:
        loads.append(loaders.category_by_id.load_many(
            sorted({p.category_id for p in products if p.category_id is not None})))
    for field in selected:
        if field.name == "images":
            raw = field.arguments.get("first")  # literals arrive as strings
            first = None if raw is None else int(raw)
            loads.append(loaders.images_by_product_id.load_many([(pk, first) for pk in pks]))
    await load_all(loads)
