"""Draft order mutations (MANAGE_ORDERS): build a manual order, then complete it."""

from __future__ import annotations

import strawberry

from commerce.accounts.permissions import Permission
from commerce.api.graphql.context import Context, Info
from commerce.api.graphql.decode import pk
from commerce.api.graphql.drafts.inputs import (
    DraftOrderCompleteInput,
    DraftOrderCreateInput,
    DraftOrderDeleteInput,
    DraftOrderLinesAddInput,
    DraftOrderLinesRemoveInput,
    DraftOrderLinesUpdateInput,
    DraftOrderUpdateInput,
)
from commerce.api.graphql.drafts.types import DraftOrder
from commerce.api.graphql.errors import UserError, from_domain
from commerce.api.graphql.orders.mutations import fresh_order
from commerce.api.graphql.orders.types import Order
from commerce.drafts import service
from commerce.shared.errors import DomainError


async def fresh_draft(ctx: Context, draft_id: int) -> DraftOrder | None:
    """The draft as just committed; loaders forget what they cached before the change."""
    ctx.loaders.clear_all()
    return await ctx.loaders.draft_order_by_id.load(draft_id)


@strawberry.type(description="Result of `draftOrderCreate`.")
class DraftOrderCreatePayload:
    draft_order: DraftOrder | None = strawberry.field(
        default=None, description="The new draft; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `draftOrderUpdate`.")
class DraftOrderUpdatePayload:
    draft_order: DraftOrder | None = strawberry.field(
        default=None, description="The draft as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `draftOrderLinesAdd`.")
class DraftOrderLinesAddPayload:
    draft_order: DraftOrder | None = strawberry.field(
        default=None, description="The draft as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `draftOrderLinesUpdate`.")
class DraftOrderLinesUpdatePayload:
    draft_order: DraftOrder | None = strawberry.field(
        default=None, description="The draft as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `draftOrderLinesRemove`.")
class DraftOrderLinesRemovePayload:
    draft_order: DraftOrder | None = strawberry.field(
        default=None, description="The draft as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `draftOrderDelete`.")
class DraftOrderDeletePayload:
    deleted_id: strawberry.ID | None = strawberry.field(
        default=None, description="ID of the deleted draft; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was deleted; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `draftOrderComplete`.")
class DraftOrderCompletePayload:
    order: Order | None = strawberry.field(default=None, description="The placed order.")
    draft_order: DraftOrder | None = strawberry.field(
        default=None, description="The draft, now completed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why no order was placed; empty on success.",
        default_factory=list)


@strawberry.type
class DraftOrderMutation:
    @strawberry.mutation(description="Start a manual order for a customer or a guest. Needs "
                                     "MANAGE_ORDERS.")
    async def draft_order_create(self, info: Info, input: DraftOrderCreateInput
                                 ) -> DraftOrderCreatePayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_ORDERS)
        try:
            header, lines = input.decode(ctx.settings.currency)
            draft_id = await service.create_draft(
                ctx.db, staff_id=viewer.user_id, channel=input.channel, header=header,
                lines=lines, settings=ctx.settings)
        except DomainError as exc:
            return DraftOrderCreatePayload(errors=from_domain(exc))
        return DraftOrderCreatePayload(draft_order=await fresh_draft(ctx, draft_id))

    @strawberry.mutation(description="Change the customer, e-mail, addresses, shipping method, "
                                     "discount code or note. Needs MANAGE_ORDERS.")
    async def draft_order_update(self, info: Info, input: DraftOrderUpdateInput
                                 ) -> DraftOrderUpdatePayload:
        ctx = info.context
        await ctx.require_staff(Permission.MANAGE_ORDERS)
        try:
            draft_id, header = input.decode(ctx.settings.currency)
            await service.update_draft(ctx.db, draft_id, header, settings=ctx.settings)
        except DomainError as exc:
            return DraftOrderUpdatePayload(errors=from_domain(exc))
        return DraftOrderUpdatePayload(draft_order=await fresh_draft(ctx, draft_id))

    @strawberry.mutation(description="Add lines, optionally at staff-set prices. Needs "
                                     "MANAGE_ORDERS.")
    async def draft_order_lines_add(self, info: Info, input: DraftOrderLinesAddInput
                                    ) -> DraftOrderLinesAddPayload:
        ctx = info.context
        await ctx.require_staff(Permission.MANAGE_ORDERS)
        try:
            draft_id, lines = input.decode(ctx.settings.currency)
            await service.add_lines(ctx.db, draft_id, lines)
        except DomainError as exc:
            return DraftOrderLinesAddPayload(errors=from_domain(exc))
        return DraftOrderLinesAddPayload(draft_order=await fresh_draft(ctx, draft_id))

    @strawberry.mutation(description="Change quantities and price overrides. Needs "
                                     "MANAGE_ORDERS.")
    async def draft_order_lines_update(self, info: Info, input: DraftOrderLinesUpdateInput
                                       ) -> DraftOrderLinesUpdatePayload:
        ctx = info.context
        await ctx.require_staff(Permission.MANAGE_ORDERS)
        try:
            draft_id, changes = input.decode(ctx.settings.currency)
            await service.update_lines(ctx.db, draft_id, changes)
        except DomainError as exc:
            return DraftOrderLinesUpdatePayload(errors=from_domain(exc))
        return DraftOrderLinesUpdatePayload(draft_order=await fresh_draft(ctx, draft_id))

    @strawberry.mutation(description="Remove lines. Needs MANAGE_ORDERS.")
    async def draft_order_lines_remove(self, info: Info, input: DraftOrderLinesRemoveInput
                                       ) -> DraftOrderLinesRemovePayload:
        ctx = info.context
        await ctx.require_staff(Permission.MANAGE_ORDERS)
        try:
            draft_id, line_ids = input.decode(ctx.settings.currency)
            await service.remove_lines(ctx.db, draft_id, line_ids)
        except DomainError as exc:
            return DraftOrderLinesRemovePayload(errors=from_domain(exc))
        return DraftOrderLinesRemovePayload(draft_order=await fresh_draft(ctx, draft_id))

    @strawberry.mutation(description="Throw away a draft that has not been completed. Needs "
                                     "MANAGE_ORDERS.")
    async def draft_order_delete(self, info: Info, input: DraftOrderDeleteInput
                                 ) -> DraftOrderDeletePayload:
        ctx = info.context
        await ctx.require_staff(Permission.MANAGE_ORDERS)
        try:
            await service.delete_draft(ctx.db, pk(input.id, "DraftOrder", ["id"]))
        except DomainError as exc:
            return DraftOrderDeletePayload(errors=from_domain(exc))
        return DraftOrderDeletePayload(deleted_id=input.id)

    @strawberry.mutation(description="Place the draft's order: the same validation and stock "
                                     "allocation as a checkout (all lines or none), with the "
                                     "staff member recorded as who placed it. Idempotent: "
                                     "completing a completed draft returns its order "
                                     "(paymentMethod is then ignored). Needs MANAGE_ORDERS.")
    async def draft_order_complete(self, info: Info, input: DraftOrderCompleteInput
                                   ) -> DraftOrderCompletePayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_ORDERS)
        try:
            draft_id = pk(input.id, "DraftOrder", ["id"])
            placed = await service.complete_draft(
                ctx.db, draft_id, settings=ctx.settings, viewer=viewer,
                payment_method=input.payment_method.value)
        except DomainError as exc:
            return DraftOrderCompletePayload(errors=from_domain(exc))
        order = await fresh_order(ctx, placed.order_id)
        return DraftOrderCompletePayload(
            order=order, draft_order=await ctx.loaders.draft_order_by_id.load(draft_id))
