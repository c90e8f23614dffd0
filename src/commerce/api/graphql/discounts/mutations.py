"""Staff discount code mutations (MANAGE_CATALOG: codes are part of what things cost)."""

from __future__ import annotations

import strawberry

from commerce.accounts.permissions import Permission
from commerce.api.graphql.context import Context, Info
from commerce.api.graphql.discounts import inputs as i
from commerce.api.graphql.discounts.types import DiscountCode
from commerce.api.graphql.errors import UserError, from_domain
from commerce.api.graphql.shipping.inputs import one_id
from commerce.discounts import service
from commerce.shared.errors import DomainError
from commerce.shared.ids import encode_id

PERMISSION = Permission.MANAGE_CATALOG


@strawberry.type(description="Result of `discountCodeCreate`.")
class DiscountCodeCreatePayload:
    discount_code: DiscountCode | None = strawberry.field(
        default=None, description="The new code; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why no code was created; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `discountCodeUpdate`.")
class DiscountCodeUpdatePayload:
    discount_code: DiscountCode | None = strawberry.field(
        default=None, description="The code as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `discountCodeDelete`.")
class DiscountCodeDeletePayload:
    deleted_id: strawberry.ID | None = strawberry.field(
        default=None, description="ID of the deleted code; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was deleted; empty on success.",
        default_factory=list)


async def _staff(info: Info) -> Context:
    await info.context.require_staff(PERMISSION)
    return info.context


async def _fresh(ctx: Context, pk: int) -> DiscountCode | None:
    ctx.loaders.clear_all()
    return await ctx.loaders.discount_code_by_id.load(pk)


@strawberry.type
class DiscountMutation:
    @strawberry.mutation(description="Create a discount code. Staff with MANAGE_CATALOG.")
    async def discount_code_create(self, info: Info, input: i.DiscountCodeCreateInput
                                   ) -> DiscountCodeCreatePayload:
        ctx = await _staff(info)
        currency = ctx.settings.currency
        try:
            pk = await service.discount_create(ctx.db, i.discount_data(input, currency),
                                               currency=currency)
        except DomainError as exc:
            return DiscountCodeCreatePayload(errors=from_domain(exc))
        return DiscountCodeCreatePayload(discount_code=await _fresh(ctx, pk))

    @strawberry.mutation(description="Change a discount code's terms; carts see them at once. "
                                     "Staff with MANAGE_CATALOG.")
    async def discount_code_update(self, info: Info, input: i.DiscountCodeUpdateInput
                                   ) -> DiscountCodeUpdatePayload:
        ctx = await _staff(info)
        currency = ctx.settings.currency
        try:
            pk = await service.discount_update(ctx.db, *i.discount_changes(input, currency),
                                               currency=currency)
        except DomainError as exc:
            return DiscountCodeUpdatePayload(errors=from_domain(exc))
        return DiscountCodeUpdatePayload(discount_code=await _fresh(ctx, pk))

    @strawberry.mutation(description="Delete a code that has never been used. Staff with "
                                     "MANAGE_CATALOG.")
    async def discount_code_delete(self, info: Info, input: i.DiscountCodeDeleteInput
                                   ) -> DiscountCodeDeletePayload:
        ctx = await _staff(info)
        try:
            pk = one_id(input.id, "DiscountCode")
            await service.discount_delete(ctx.db, pk)
        except DomainError as exc:
            return DiscountCodeDeletePayload(errors=from_domain(exc))
        return DiscountCodeDeletePayload(deleted_id=strawberry.ID(encode_id("DiscountCode", pk)))
