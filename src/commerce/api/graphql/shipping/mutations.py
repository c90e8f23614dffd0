"""Staff shipping and tax mutations (MANAGE_ORDERS: they decide what an order costs)."""

from __future__ import annotations

import strawberry

from commerce.accounts.permissions import Permission
from commerce.api.graphql.context import Context, Info
from commerce.api.graphql.errors import UserError, from_domain
from commerce.api.graphql.shipping import inputs as i
from commerce.api.graphql.shipping.types import ShippingMethod, ShippingZone, TaxRate
from commerce.shared.errors import DomainError
from commerce.shared.ids import encode_id
from commerce.shipping import service, taxes

PERMISSION = Permission.MANAGE_ORDERS


@strawberry.type(description="Result of `shippingZoneCreate`.")
class ShippingZoneCreatePayload:
    shipping_zone: ShippingZone | None = strawberry.field(
        default=None, description="The new zone; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `shippingZoneUpdate`.")
class ShippingZoneUpdatePayload:
    shipping_zone: ShippingZone | None = strawberry.field(
        default=None, description="The zone as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `shippingZoneDelete`.")
class ShippingZoneDeletePayload:
    deleted_id: strawberry.ID | None = strawberry.field(
        default=None, description="ID of the deleted object; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was deleted; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `shippingMethodCreate`.")
class ShippingMethodCreatePayload:
    shipping_method: ShippingMethod | None = strawberry.field(
        default=None, description="The new method; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `shippingMethodUpdate`.")
class ShippingMethodUpdatePayload:
    shipping_method: ShippingMethod | None = strawberry.field(
        default=None, description="The method as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `shippingMethodDelete`.")
class ShippingMethodDeletePayload:
    deleted_id: strawberry.ID | None = strawberry.field(
        default=None, description="ID of the deleted object; null when `errors` is not empty.")
    shipping_zone: ShippingZone | None = strawberry.field(
        default=None, description="The zone, with its remaining methods.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was deleted; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `taxRateCreate`.")
class TaxRateCreatePayload:
    tax_rate: TaxRate | None = strawberry.field(
        default=None, description="The new tax rate; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `taxRateUpdate`.")
class TaxRateUpdatePayload:
    tax_rate: TaxRate | None = strawberry.field(
        default=None, description="The tax rate as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `taxRateDelete`.")
class TaxRateDeletePayload:
    deleted_id: strawberry.ID | None = strawberry.field(
        default=None, description="ID of the deleted object; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was deleted; empty on success.",
        default_factory=list)


async def _staff(info: Info) -> Context:
    await info.context.require_staff(PERMISSION)
    return info.context


async def _zone(ctx: Context, pk: int) -> ShippingZone | None:
    ctx.loaders.clear_all()
    return await ctx.loaders.shipping_zone_by_id.load(pk)


async def _method(ctx: Context, pk: int) -> ShippingMethod | None:
    ctx.loaders.clear_all()
    return await ctx.loaders.shipping_method_by_id.load(pk)


async def _tax_rate(ctx: Context, pk: int) -> TaxRate | None:
    ctx.loaders.clear_all()
    return await ctx.loaders.tax_rate_by_id.load(pk)


def _id(type_name: str, pk: int) -> strawberry.ID:
    return strawberry.ID(encode_id(type_name, pk))


@strawberry.type
class ShippingMutation:
    @strawberry.mutation(description="Create a shipping zone. Staff with MANAGE_ORDERS.")
    async def shipping_zone_create(self, info: Info, input: i.ShippingZoneCreateInput
                                   ) -> ShippingZoneCreatePayload:
        ctx = await _staff(info)
        try:
            pk = await service.zone_create(ctx.db, i.zone_data(input))
        except DomainError as exc:
            return ShippingZoneCreatePayload(errors=from_domain(exc))
        return ShippingZoneCreatePayload(shipping_zone=await _zone(ctx, pk))

    @strawberry.mutation(description="Rename a zone or change its countries. Staff with "
                                     "MANAGE_ORDERS.")
    async def shipping_zone_update(self, info: Info, input: i.ShippingZoneUpdateInput
                                   ) -> ShippingZoneUpdatePayload:
        ctx = await _staff(info)
        try:
            pk = await service.zone_update(ctx.db, *i.zone_changes(input))
        except DomainError as exc:
            return ShippingZoneUpdatePayload(errors=from_domain(exc))
        return ShippingZoneUpdatePayload(shipping_zone=await _zone(ctx, pk))

    @strawberry.mutation(description="Delete a zone with its methods; carts that chose one of "
                                     "them must choose again. Staff with MANAGE_ORDERS.")
    async def shipping_zone_delete(self, info: Info, input: i.ShippingZoneDeleteInput
                                   ) -> ShippingZoneDeletePayload:
        ctx = await _staff(info)
        try:
            pk = i.one_id(input.id, "ShippingZone")
            await service.zone_delete(ctx.db, pk)
        except DomainError as exc:
            return ShippingZoneDeletePayload(errors=from_domain(exc))
        return ShippingZoneDeletePayload(deleted_id=_id("ShippingZone", pk))

    @strawberry.mutation(description="Add a shipping method, with its price bands, to a zone. "
                                     "Staff with MANAGE_ORDERS.")
    async def shipping_method_create(self, info: Info, input: i.ShippingMethodCreateInput
                                     ) -> ShippingMethodCreatePayload:
        ctx = await _staff(info)
        try:
            pk = await service.method_create(ctx.db,
                                             i.method_data(input, ctx.settings.currency))
        except DomainError as exc:
            return ShippingMethodCreatePayload(errors=from_domain(exc))
        return ShippingMethodCreatePayload(shipping_method=await _method(ctx, pk))

    @strawberry.mutation(description="Change a shipping method; `rates` replaces every band. "
                                     "Staff with MANAGE_ORDERS.")
    async def shipping_method_update(self, info: Info, input: i.ShippingMethodUpdateInput
                                     ) -> ShippingMethodUpdatePayload:
        ctx = await _staff(info)
        try:
            pk = await service.method_update(ctx.db,
                                             *i.method_changes(input, ctx.settings.currency))
        except DomainError as exc:
            return ShippingMethodUpdatePayload(errors=from_domain(exc))
        return ShippingMethodUpdatePayload(shipping_method=await _method(ctx, pk))

    @strawberry.mutation(description="Delete a shipping method; carts that chose it must choose "
                                     "again. Staff with MANAGE_ORDERS.")
    async def shipping_method_delete(self, info: Info, input: i.ShippingMethodDeleteInput
                                     ) -> ShippingMethodDeletePayload:
        ctx = await _staff(info)
        try:
            pk = i.one_id(input.id, "ShippingMethod")
            zone_id = await service.method_delete(ctx.db, pk)
        except DomainError as exc:
            return ShippingMethodDeletePayload(errors=from_domain(exc))
        return ShippingMethodDeletePayload(deleted_id=_id("ShippingMethod", pk),
                                           shipping_zone=await _zone(ctx, zone_id))

    @strawberry.mutation(description="Set the tax rate of a country or one of its regions. "
                                     "Staff with MANAGE_ORDERS.")
    async def tax_rate_create(self, info: Info, input: i.TaxRateCreateInput
                              ) -> TaxRateCreatePayload:
        ctx = await _staff(info)
        try:
            pk = await taxes.tax_rate_create(ctx.db, i.tax_rate_data(input))
        except DomainError as exc:
            return TaxRateCreatePayload(errors=from_domain(exc))
        return TaxRateCreatePayload(tax_rate=await _tax_rate(ctx, pk))

    @strawberry.mutation(description="Change a tax rate; carts see it at once. Staff with "
                                     "MANAGE_ORDERS.")
    async def tax_rate_update(self, info: Info, input: i.TaxRateUpdateInput
                              ) -> TaxRateUpdatePayload:
        ctx = await _staff(info)
        try:
            pk = await taxes.tax_rate_update(ctx.db, *i.tax_rate_changes(input))
        except DomainError as exc:
            return TaxRateUpdatePayload(errors=from_domain(exc))
        return TaxRateUpdatePayload(tax_rate=await _tax_rate(ctx, pk))

    @strawberry.mutation(description="Delete a tax rate. Staff with MANAGE_ORDERS.")
    async def tax_rate_delete(self, info: Info, input: i.TaxRateDeleteInput
                              ) -> TaxRateDeletePayload:
        ctx = await _staff(info)
        try:
            pk = i.one_id(input.id, "TaxRate")
            await taxes.tax_rate_delete(ctx.db, pk)
        except DomainError as exc:
            return TaxRateDeletePayload(errors=from_domain(exc))
        return TaxRateDeletePayload(deleted_id=_id("TaxRate", pk))
