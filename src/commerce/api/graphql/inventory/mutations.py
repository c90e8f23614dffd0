"""Staff inventory mutations (MANAGE_INVENTORY): warehouses and stock levels.

Every stock change is journaled (see ``stockMovements``) with the staff member as actor.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.utils.str_converters import to_camel_case

from commerce.accounts.permissions import Permission
from commerce.api.graphql import decode
from commerce.api.graphql.catalog.types import ProductVariant
from commerce.api.graphql.context import Context, Info
from commerce.api.graphql.errors import UserError, from_domain
from commerce.api.graphql.inventory.types import Stock, Warehouse
from commerce.inventory import service
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, Problems


@strawberry.input(description="A new warehouse.")
class WarehouseCreateInput:
    name: str = strawberry.field(description="Display name, 1-250 characters.")
    code: str = strawberry.field(description="Unique; letters, digits, '-' and '_'.")
    street_address_1: str = strawberry.field(
        default="", description="Street line, at most 256 characters.")
    city: str = strawberry.field(default="", description="City, at most 256 characters.")
    postal_code: str = strawberry.field(
        default="", description="Postal code, at most 32 characters.")
    country_code: str = strawberry.field(default="US", description="ISO 3166-1 alpha-2.")
    priority: int = strawberry.field(default=0, description="Lower is preferred.")
    is_active: bool = strawberry.field(
        default=True, description="Stock in inactive warehouses is not available to sell.")


@strawberry.input(description="Fields left out stay as they are.")
class WarehouseUpdateInput:
    id: strawberry.ID = strawberry.field(description="The warehouse to change.")
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="Display name, 1-250 characters.")
    code: str | None = strawberry.field(
        default=strawberry.UNSET, description="Unique short code, 1-64 letters, digits, '-' and "
                                              "'_'.")
    street_address_1: str | None = strawberry.field(
        default=strawberry.UNSET, description="Street line, at most 256 characters.")
    city: str | None = strawberry.field(
        default=strawberry.UNSET, description="City, at most 256 characters.")
    postal_code: str | None = strawberry.field(
        default=strawberry.UNSET, description="Postal code, at most 32 characters.")
    country_code: str | None = strawberry.field(
        default=strawberry.UNSET, description="ISO 3166-1 alpha-2 country code.")
    priority: int | None = strawberry.field(
        default=strawberry.UNSET, description="0-1,000,000; lower is preferred when stock is "
                                              "taken.")
    is_active: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Whether its stock can be sold.")


@strawberry.input(description="Creates the stock row when the variant has none there yet.")
class StockSetInput:
    variant_id: strawberry.ID = strawberry.field(description="The variant.")
    warehouse_id: strawberry.ID = strawberry.field(description="The warehouse.")
    quantity: int = strawberry.field(
        description="Units on hand; at least 0 and at least what is allocated.")
    expected_quantity: int | None = strawberry.field(
        default=None,
        description="Compare-and-set: the on-hand count you saw. When it has changed since, "
                    "nothing is written and the error STOCK_CHANGED gives the current count.")


@strawberry.input(description="Add or remove units on hand, e.g. found, damaged or lost.")
class StockAdjustInput:
    variant_id: strawberry.ID = strawberry.field(description="The variant.")
    warehouse_id: strawberry.ID = strawberry.field(description="The warehouse.")
    delta: int = strawberry.field(
        description="Units to add (positive) or remove (negative). On hand never goes below "
                    "zero or below what is allocated to orders (INSUFFICIENT_STOCK).")
    reason: str = strawberry.field(description="Why, for the journal (required).")


@strawberry.type(description="Result of `warehouseCreate`.")
class WarehouseCreatePayload:
    warehouse: Warehouse | None = strawberry.field(
        default=None, description="The new warehouse; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was created; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `warehouseUpdate`.")
class WarehouseUpdatePayload:
    warehouse: Warehouse | None = strawberry.field(
        default=None, description="The warehouse as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `stockSet`.")
class StockSetPayload:
    stock: Stock | None = strawberry.field(
        default=None, description="The stock row as changed; null when `errors` is not empty.")
    product_variant: ProductVariant | None = strawberry.field(
        default=None, description="The variant, with its new availability.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed (e.g. STOCK_CHANGED); empty on success.",
        default_factory=list)


_UPDATABLE = ("name", "code", "street_address_1", "city", "postal_code", "country_code",
              "priority", "is_active")


def _changes(data: WarehouseUpdateInput) -> tuple[int, service.WarehouseChanges]:
    problems = Problems()
    pk = 0
    try:
        pk = decode.pk(data.id, "Warehouse", ["id"])
    except DomainError as exc:
        problems.items.extend(exc.problems)
    values: dict[str, Any] = {}
    for name in _UPDATABLE:
        value = getattr(data, name)
        if value is None:
            problems.add(ErrorCode.INVALID, "must not be null", [to_camel_case(name)])
        elif value is not strawberry.UNSET:
            values[name] = value
    problems.raise_if_any()
    return pk, service.WarehouseChanges(**values)


@strawberry.type(description="Result of `stockAdjust`.")
class StockAdjustPayload:
    stock: Stock | None = strawberry.field(
        default=None, description="The stock row as changed; null when `errors` is not empty.")
    product_variant: ProductVariant | None = strawberry.field(
        default=None, description="The variant, with its new availability.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed (e.g. INSUFFICIENT_STOCK); empty on success.",
        default_factory=list)


def _stock_target(data: StockSetInput | StockAdjustInput) -> tuple[int, int]:
    problems = Problems()
    ids: list[int] = []
    for value, type_name, path in ((data.variant_id, "ProductVariant", "variantId"),
                                   (data.warehouse_id, "Warehouse", "warehouseId")):
        try:
            ids.append(decode.pk(value, type_name, [path]))
        except DomainError as exc:
            problems.items.extend(exc.problems)
    problems.raise_if_any()
    return ids[0], ids[1]


async def _fresh_warehouse(ctx: Context, pk: int) -> Warehouse | None:
    ctx.loaders.clear_all()
    return await ctx.loaders.warehouse_by_id.load(pk)


async def _fresh_stock(ctx: Context, variant_id: int, warehouse_id: int
                       ) -> tuple[Stock | None, ProductVariant | None]:
    ctx.loaders.clear_all()
    stocks = await ctx.loaders.stocks_by_variant_id.load(variant_id)
    stock = next((s for s in stocks if s.warehouse_id == warehouse_id), None)
    return stock, await ctx.loaders.variant_by_id.load(variant_id)


@strawberry.type
class InventoryMutation:
    @strawberry.mutation(description="Create a warehouse. Staff with MANAGE_INVENTORY.")
    async def warehouse_create(self, info: Info, input: WarehouseCreateInput
                               ) -> WarehouseCreatePayload:
        ctx = info.context
        await ctx.require_staff(Permission.MANAGE_INVENTORY)
        data = service.WarehouseData(**{f: getattr(input, f) for f in _UPDATABLE})
        try:
            pk = await service.warehouse_create(ctx.db, data)
        except DomainError as exc:
            return WarehouseCreatePayload(errors=from_domain(exc))
        return WarehouseCreatePayload(warehouse=await _fresh_warehouse(ctx, pk))

    @strawberry.mutation(description="Change a warehouse; fields left out stay as they are. "
                                     "Staff with MANAGE_INVENTORY.")
    async def warehouse_update(self, info: Info, input: WarehouseUpdateInput
                               ) -> WarehouseUpdatePayload:
        ctx = info.context
        await ctx.require_staff(Permission.MANAGE_INVENTORY)
        try:
            pk = await service.warehouse_update(ctx.db, *_changes(input))
        except DomainError as exc:
            return WarehouseUpdatePayload(errors=from_domain(exc))
        return WarehouseUpdatePayload(warehouse=await _fresh_warehouse(ctx, pk))

    @strawberry.mutation(description="Set the units on hand of a variant in a warehouse. "
                                     "Staff with MANAGE_INVENTORY.")
    async def stock_set(self, info: Info, input: StockSetInput) -> StockSetPayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_INVENTORY)
        try:
            variant_id, warehouse_id = _stock_target(input)
            await service.stock_set(ctx.db, variant_id, warehouse_id, input.quantity,
                                    expected_quantity=input.expected_quantity,
                                    actor_id=viewer.user_id)
        except DomainError as exc:
            return StockSetPayload(errors=from_domain(exc))
        stock, variant = await _fresh_stock(ctx, variant_id, warehouse_id)
        return StockSetPayload(stock=stock, product_variant=variant)

    @strawberry.mutation(description="Add or remove units on hand, with a reason. Staff with "
                                     "MANAGE_INVENTORY.")
    async def stock_adjust(self, info: Info, input: StockAdjustInput) -> StockAdjustPayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_INVENTORY)
        try:
            variant_id, warehouse_id = _stock_target(input)
            await service.stock_adjust(ctx.db, variant_id, warehouse_id, input.delta,
                                       input.reason, actor_id=viewer.user_id)
        except DomainError as exc:
            return StockAdjustPayload(errors=from_domain(exc))
        stock, variant = await _fresh_stock(ctx, variant_id, warehouse_id)
        return StockAdjustPayload(stock=stock, product_variant=variant)
