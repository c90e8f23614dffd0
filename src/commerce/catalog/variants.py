"""Variant use cases and the variant checks that product creation shares."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.catalog import rules, store
from commerce.catalog.commands import VariantChanges, VariantData
from commerce.db.database import Database
from commerce.db.integrity import unique_violations
from commerce.db.models import ProductVariant, Stock
from commerce.inventory.retirement import retire_stock
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, Problems
from commerce.shared.unset import UNSET

Path = Sequence[str]
OptionKey = tuple[tuple[str, str], ...]


def option_key(options: Sequence[tuple[str, str]]) -> OptionKey:
    return tuple(sorted(options))


def _stored_key(option_values: Sequence[dict[str, str]]) -> OptionKey:
    return option_key([(o["name"], o["value"]) for o in option_values])


def check_variant(problems: Problems, data: VariantData, option_names: Sequence[str],
                  path: Path) -> VariantData:
    """Validate one variant's fields; returns it with text fields cleaned."""
    barcode = data.barcode
    if barcode is not None:
        barcode = rules.check_text(problems, barcode, [*path, "barcode"],
                                   max_length=rules.MAX_BARCODE) or None
    for value, name in ((data.price, "price"), (data.compare_at_price, "compareAtPrice"),
                        (data.cost_price, "costPrice")):
        rules.check_amount(problems, value, [*path, name])
    rules.check_weight(problems, data.weight_grams, [*path, "weightGrams"])
    if data.low_stock_threshold is not None and \
            not 0 <= data.low_stock_threshold <= rules.MAX_STOCK_THRESHOLD:
        problems.add(ErrorCode.INVALID, f"must be between 0 and {rules.MAX_STOCK_THRESHOLD}",
                     [*path, "lowStockThreshold"])
    return replace(
        data,
        sku=rules.check_sku(problems, data.sku, [*path, "sku"]),
        barcode=barcode,
        name=rules.check_text(problems, data.name, [*path, "name"], max_length=rules.MAX_NAME),
        selected_options=rules.check_selected_options(
            problems, data.selected_options, option_names, [*path, "selectedOptions"]),
    )


def check_variants(problems: Problems, variants: Sequence[VariantData],
                   option_names: Sequence[str], path: Path) -> list[VariantData]:
    """Check each variant, and that SKUs and option combinations differ between them."""
    cleaned = [check_variant(problems, v, option_names, [*path, str(i)])
               for i, v in enumerate(variants)]
    seen_skus: set[str] = set()
    seen_options: set[OptionKey] = set()
    for i, variant in enumerate(cleaned):
        if variant.sku in seen_skus:
            problems.add(ErrorCode.DUPLICATE, f"SKU {variant.sku!r} is given twice",
                         [*path, str(i), "sku"])
        seen_skus.add(variant.sku)
        key = option_key(variant.selected_options)
        if key and key in seen_options:
            problems.add(ErrorCode.DUPLICATE, "another variant has the same options",
                         [*path, str(i), "selectedOptions"])
        seen_options.add(key)
    return cleaned


def new_variant(product_id: int, data: VariantData, position: int,
                currency: str) -> ProductVariant:
    return ProductVariant(
        product_id=product_id, sku=data.sku, barcode=data.barcode, name=data.name,
        option_values=[{"name": n, "value": v} for n, v in data.selected_options],
        price_amount=data.price, compare_at_amount=data.compare_at_price,
        cost_amount=data.cost_price, currency=currency, weight_grams=data.weight_grams,
        track_inventory=data.track_inventory, allow_backorder=data.allow_backorder,
        low_stock_threshold=data.low_stock_threshold, position=position)


async def taken_skus(session: AsyncSession, skus: Sequence[str],
                     except_id: int | None = None) -> set[str]:
    if not skus:
        return set()
    statement = select(ProductVariant.sku).where(ProductVariant.sku.in_(skus))
    if except_id is not None:
        statement = statement.where(ProductVariant.id != except_id)
    return set((await session.scalars(statement)).all())


async def _sibling_option_keys(session: AsyncSession, product_id: int,
                               except_id: int | None = None) -> set[OptionKey]:
    statement = select(ProductVariant.option_values).where(
        ProductVariant.product_id == product_id)
    if except_id is not None:
        statement = statement.where(ProductVariant.id != except_id)
    return {_stored_key(values) for values in (await session.scalars(statement)).all()}


async def has_allocations(session: AsyncSession, variant_ids: Sequence[int]) -> bool:
    found = await session.scalar(select(Stock.id).where(
        Stock.variant_id.in_(variant_ids), Stock.allocated > 0).limit(1))
    return found is not None


async def variant_create(db: Database, product_id: int, data: VariantData, *,
                         currency: str) -> int:
    """Add a variant to a product; returns the variant's id."""
    with unique_violations(f"SKU {data.sku.strip()!r} is already used", ["sku"]):
        async with db.transaction() as session:
            product = await store.lock_product(session, product_id)
            if product is None:
                raise DomainError.one(ErrorCode.NOT_FOUND, "no such product", ["productId"])
            problems = Problems()
            variant = check_variant(problems, data, product.option_names, [])
            if variant.sku and await taken_skus(session, [variant.sku]):
                problems.add(ErrorCode.DUPLICATE, f"SKU {variant.sku!r} is already used",
                             ["sku"])
            key = option_key(variant.selected_options)
            if key and key in await _sibling_option_keys(session, product.id):
                problems.add(ErrorCode.DUPLICATE, "another variant has the same options",
                             ["selectedOptions"])
            problems.raise_if_any()
            last = await session.scalar(select(func.max(ProductVariant.position)).where(
                ProductVariant.product_id == product.id))
            row = new_variant(product.id, variant, (last or 0) + 1, currency)
            session.add(row)
            await session.flush()
            await store.refresh_derived(session, product)
            return row.id


def _merge(row: ProductVariant, changes: VariantChanges) -> VariantData:
    """The variant as it will be after ``changes``, for checking as a whole."""
    stored = [(o["name"], o["value"]) for o in row.option_values]
    return VariantData(
        sku=row.sku if changes.sku is UNSET else changes.sku,
        price=row.price_amount if changes.price is UNSET else changes.price,
        barcode=row.barcode if changes.barcode is UNSET else changes.barcode,
        name=row.name if changes.name is UNSET else changes.name,
        selected_options=(stored if changes.selected_options is UNSET
                          else changes.selected_options),
        compare_at_price=(row.compare_at_amount if changes.compare_at_price is UNSET
                          else changes.compare_at_price),
        cost_price=row.cost_amount if changes.cost_price is UNSET else changes.cost_price,
        weight_grams=row.weight_grams if changes.weight_grams is UNSET
        else changes.weight_grams,
        track_inventory=(row.track_inventory if changes.track_inventory is UNSET
                         else changes.track_inventory),
        allow_backorder=(row.allow_backorder if changes.allow_backorder is UNSET
                         else changes.allow_backorder),
        low_stock_threshold=(row.low_stock_threshold if changes.low_stock_threshold is UNSET
                             else changes.low_stock_threshold),
    )


async def variant_update(db: Database, variant_id: int, changes: VariantChanges) -> int:
    """Change the given fields of a variant; returns the product's id."""
    with unique_violations("this SKU is already used", ["sku"]):
        async with db.transaction() as session:
            product_id = await session.scalar(select(ProductVariant.product_id).where(
                ProductVariant.id == variant_id))
            product = None if product_id is None else await store.lock_product(
                session, product_id)
            row = None if product is None else await session.get(ProductVariant, variant_id)
            if product is None or row is None:
                raise DomainError.one(ErrorCode.NOT_FOUND, "no such variant", ["id"])
            problems = Problems()
            variant = check_variant(problems, _merge(row, changes), product.option_names, [])
            if variant.sku != row.sku and await taken_skus(session, [variant.sku], row.id):
                problems.add(ErrorCode.DUPLICATE, f"SKU {variant.sku!r} is already used",
                             ["sku"])
            key = option_key(variant.selected_options)
            if key and key in await _sibling_option_keys(session, product.id, row.id):
                problems.add(ErrorCode.DUPLICATE, "another variant has the same options",
                             ["selectedOptions"])
            problems.raise_if_any()
            fresh = new_variant(product.id, variant, row.position, row.currency)
            for attribute in ("sku", "barcode", "name", "option_values", "price_amount",
                              "compare_at_amount", "cost_amount", "weight_grams",
                              "track_inventory", "allow_backorder", "low_stock_threshold"):
                setattr(row, attribute, getattr(fresh, attribute))
            await store.refresh_derived(session, product)
            return product.id


async def variant_delete(db: Database, variant_id: int, *, actor_id: int | None = None) -> int:
    """Delete a variant and its stock rows (their journal stays); returns the product's id."""
    async with db.transaction() as session:
        product_id = await session.scalar(select(ProductVariant.product_id).where(
            ProductVariant.id == variant_id))
        product = None if product_id is None else await store.lock_product(session, product_id)
        if product is None:
            raise DomainError.one(ErrorCode.NOT_FOUND, "no such variant", ["id"])
        if await has_allocations(session, [variant_id]):
            raise DomainError.one(ErrorCode.IN_USE,
                                  "units of this variant are allocated to orders", ["id"])
        await retire_stock(session, [variant_id], actor_id=actor_id)
        await session.execute(delete(ProductVariant).where(ProductVariant.id == variant_id))
        await store.refresh_derived(session, product)
        return product.id
