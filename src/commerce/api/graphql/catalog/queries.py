"""Storefront and staff catalog queries."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry
from graphql import GraphQLError

from commerce.api.graphql.catalog.types import (
    Product,
    ProductStatus,
    ProductVariant,
    prefetch_products,
)
from commerce.api.graphql.context import Info
from commerce.api.graphql.descriptions import describe_values
from commerce.api.graphql.pagination import After, Connection, First, bad_argument, connection
from commerce.api.graphql.prefetch import connection_nodes
from commerce.api.graphql.scalars import Decimal
from commerce.catalog import queries as catalog
from commerce.catalog.filters import ProductFilter, ProductSort, ProductSortField
from commerce.shared.ids import InvalidIdError, decode_int_id
from commerce.shared.money import MoneyError, parse_amount
from commerce.shared.pagination import PaginationError

strawberry.enum(ProductSortField, name="ProductSortField", description="What products are "
                "sorted by.")
describe_values(ProductSortField, {
    ProductSortField.NAME: "Product name.",
    ProductSortField.PRICE: "Lowest variant price (products without variants count as 0).",
    ProductSortField.CREATED_AT: "When the product was created.",
})


@strawberry.enum(description="Sort order.")
class SortDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


describe_values(SortDirection, {SortDirection.ASC: "Ascending: A to Z, low to high, old to new.",
                                SortDirection.DESC: "Descending: Z to A, high to low, new to "
                                                    "old."})


@strawberry.input(description="How to order products; ties are broken by ID.")
class ProductSortInput:
    field: ProductSortField = strawberry.field(
        default=ProductSortField.NAME, description="What to sort by (default NAME).")
    direction: SortDirection = strawberry.field(
        default=SortDirection.ASC, description="Ascending (default) or descending.")


@strawberry.input(description="All given conditions must hold.")
class ProductFilterInput:
    search: str | None = strawberry.field(
        default=None, description="Part of a product name or SKU, any case.")
    category_slug: str | None = strawberry.field(
        default=None, description="The category or any of its subcategories.")
    collection_slug: str | None = strawberry.field(
        default=None, description="Only products in the collection with this slug.")
    price_min: Decimal | None = strawberry.field(
        default=None, description="Only products with a variant priced at or above this amount "
                                  "in the shop currency.")
    price_max: Decimal | None = strawberry.field(
        default=None, description="Only products with a variant priced at or below this amount "
                                  "in the shop currency.")
    in_stock: bool | None = strawberry.field(
        default=None, description="true: only products with a variant that can be ordered now; "
                                  "false: only those without.")
    status: ProductStatus | None = strawberry.field(
        default=None, description="Staff only; customers always see active products.")


def _filter(flt: ProductFilterInput | None, currency: str) -> ProductFilter:
    if flt is None:
        return ProductFilter()
    try:
        price_min = None if flt.price_min is None else parse_amount(flt.price_min, currency)
        price_max = None if flt.price_max is None else parse_amount(flt.price_max, currency)
    except MoneyError as exc:
        raise bad_argument(exc) from None
    return ProductFilter(
        search=flt.search.strip() or None if flt.search else None,
        category_slug=flt.category_slug, collection_slug=flt.collection_slug,
        price_min=price_min, price_max=price_max, in_stock=flt.in_stock,
        status=flt.status.value if flt.status else None,
    )


def _one_of(**values: object) -> None:
    given = [k for k, v in values.items() if v is not None]
    if len(given) != 1:
        raise GraphQLError(f"give exactly one of: {', '.join(values)}",
                           extensions={"code": "INVALID_ARGUMENT"})


@strawberry.type
class CatalogQuery:
    @strawberry.field(description="Products visible to the viewer: active ones, or all for "
                                  "staff with MANAGE_CATALOG or MANAGE_INVENTORY. At most 100 "
                                  "per page.")
    async def products(self, info: Info, first: First = 20, after: After = None,
                       filter: Annotated[ProductFilterInput | None, strawberry.argument(
                           description="Conditions the products must meet.")] = None,
                       sort_by: Annotated[ProductSortInput | None, strawberry.argument(
                           description="Order of the products (default: by name).")] = None,
                       ) -> Connection[Product]:
        ctx = info.context
        sort = ProductSort() if sort_by is None else ProductSort(
            field=ProductSortField(sort_by.field),
            descending=sort_by.direction is SortDirection.DESC)
        try:
            page = await catalog.list_products(
                ctx.reader, flt=_filter(filter, ctx.settings.currency), sort=sort,
                first=first, after=after, viewer=await ctx.viewer())
        except PaginationError as exc:
            raise bad_argument(exc) from None
        result = connection(page, Product.from_row)
        await prefetch_products(info, result.nodes, connection_nodes(info))
        return result

    @strawberry.field(description="A product by ID or slug; null when there is none or it is "
                                  "not ACTIVE and the viewer is not staff with MANAGE_CATALOG "
                                  "or MANAGE_INVENTORY.")
    async def product(self, info: Info, id: Annotated[strawberry.ID | None, strawberry.argument(
                          description="The product's ID; give either `id` or `slug`.")] = None,
                      slug: Annotated[str | None, strawberry.argument(
                          description="The product's slug; give either `id` or `slug`.")] = None,
                      ) -> Product | None:
        _one_of(id=id, slug=slug)
        ctx = info.context
        if slug is not None:
            row = await catalog.product_by_slug(ctx.reader, slug, await ctx.viewer())
            return None if row is None else Product.from_row(row)
        try:
            pk = decode_int_id(str(id), "Product")
        except InvalidIdError:
            return None
        return await ctx.loaders.product_by_id.load(pk)

    @strawberry.field(description="A variant by ID or SKU; null when there is none or its "
                                  "product is not visible to the viewer (see `product`).")
    async def product_variant(
            self, info: Info,
            id: Annotated[strawberry.ID | None, strawberry.argument(
                description="The variant's ID; give either `id` or `sku`.")] = None,
            sku: Annotated[str | None, strawberry.argument(
                description="The variant's SKU (exact); give either `id` or `sku`.")] = None,
            ) -> ProductVariant | None:
        _one_of(id=id, sku=sku)
        ctx = info.context
        if sku is not None:
            row = await catalog.variant_by_sku(ctx.reader, sku, await ctx.viewer())
            return None if row is None else ProductVariant.from_row(row)
        try:
            pk = decode_int_id(str(id), "ProductVariant")
        except InvalidIdError:
            return None
        return await ctx.loaders.variant_by_id.load(pk)
