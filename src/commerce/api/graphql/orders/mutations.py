"""Staff order mutations (MANAGE_ORDERS): cancel, hold/release, notes, mark as paid, addresses.

Each resolver checks the permission, decodes its input, calls one ``orders.service`` function
and returns the order as committed, loaded through fresh loaders.
"""

from __future__ import annotations

from dataclasses import asdict

import strawberry

from commerce.accounts.permissions import Permission
from commerce.accounts.viewer import Viewer
from commerce.api.graphql import decode
from commerce.api.graphql.accounts.types import AddressInput
from commerce.api.graphql.context import Context, Info
from commerce.api.graphql.errors import UserError, from_domain
from commerce.api.graphql.orders.types import Order
from commerce.orders import address_change, service
from commerce.payments.gateways import gateway_for
from commerce.shared.addresses import clean_address
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, Problems

MAX_REFERENCE = 500


async def _staff(info: Info) -> tuple[Context, Viewer]:
    viewer = await info.context.require_staff(Permission.MANAGE_ORDERS)
    return info.context, viewer


async def fresh_order(ctx: Context, pk: int) -> Order | None:
    ctx.loaders.clear_all()
    return await ctx.loaders.order_by_id.load(pk)


def _order_pk(global_id: strawberry.ID) -> int:
    return decode.pk(global_id, "Order", ["id"])


def _max_length(value: str, limit: int, field: str) -> str:
    text = value.strip()
    if len(text) > limit:
        raise DomainError.one(ErrorCode.INVALID, f"at most {limit} characters", [field])
    return text


@strawberry.type
class OrderPayload:
    order: Order | None = strawberry.field(
        default=None, description="The order as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.input(description="An order to cancel.")
class OrderCancelInput:
    id: strawberry.ID = strawberry.field(description="The order.")
    reason: str = strawberry.field(default="", description="Recorded in the order's history.")


@strawberry.type(description="Result of `orderCancel`.")
class OrderCancelPayload(OrderPayload):
    pass


@strawberry.input(description="An order to put on hold.")
class OrderHoldInput:
    id: strawberry.ID = strawberry.field(description="The order.")
    reason: str = strawberry.field(default="", description="Why; recorded in the order's history.")


@strawberry.type(description="Result of `orderHold`.")
class OrderHoldPayload(OrderPayload):
    pass


@strawberry.input(description="An order to take off hold.")
class OrderReleaseInput:
    id: strawberry.ID = strawberry.field(description="The order.")


@strawberry.type(description="Result of `orderRelease`.")
class OrderReleasePayload(OrderPayload):
    pass


@strawberry.input(description="An internal note for an order's history.")
class OrderNoteAddInput:
    id: strawberry.ID = strawberry.field(description="The order.")
    message: str = strawberry.field(description="An internal note, at most 5000 characters.")


@strawberry.type(description="Result of `orderNoteAdd`.")
class OrderNoteAddPayload(OrderPayload):
    pass


@strawberry.input(description="A pay-later order whose payment arrived.")
class OrderMarkAsPaidInput:
    id: strawberry.ID = strawberry.field(description="The order.")
    reference: str = strawberry.field(
        default="", description="E.g. the bank transfer's reference; at most 500 characters.")


@strawberry.type(description="Result of `orderMarkAsPaid`.")
class OrderMarkAsPaidPayload(OrderPayload):
    pass


@strawberry.input(description="Give the addresses to replace; each replaces all its fields.")
class OrderUpdateInput:
    id: strawberry.ID = strawberry.field(description="The order.")
    shipping_address: AddressInput | None = strawberry.field(
        default=None, description="The new shipping address.")
    billing_address: AddressInput | None = strawberry.field(
        default=None, description="The new billing address.")


@strawberry.type(description="Result of `orderUpdate`.")
class OrderUpdatePayload(OrderPayload):
    pass


def _addresses(input: OrderUpdateInput) -> tuple[dict[str, object] | None,
                                                 dict[str, object] | None]:
    problems = Problems()
    shipping = billing = None
    if input.shipping_address is not None:
        shipping = asdict(clean_address(input.shipping_address.to_data(), problems,
                                        ["shippingAddress"]))
    if input.billing_address is not None:
        billing = asdict(clean_address(input.billing_address.to_data(), problems,
                                       ["billingAddress"]))
    if shipping is None and billing is None:
        problems.add(ErrorCode.REQUIRED, "give shippingAddress, billingAddress or both")
    problems.raise_if_any()
    return shipping, billing


@strawberry.type
class OrderMutation:
    @strawberry.mutation(description="Cancel an order that has not shipped; its allocated "
                                     "stock is released and its money goes back: card "
                                     "payments are refunded (or their authorization "
                                     "voided) through the gateway, manual payments get the "
                                     "refund owed recorded. If a card refund fails the order "
                                     "is not canceled; sending it again finishes the job "
                                     "without refunding twice. Needs MANAGE_ORDERS.")
    async def order_cancel(self, info: Info, input: OrderCancelInput) -> OrderCancelPayload:
        ctx, viewer = await _staff(info)
        try:
            pk = _order_pk(input.id)
            await service.cancel_order(ctx.db, pk, actor_id=viewer.user_id,
                                       reason=_max_length(input.reason, service.MAX_NOTE,
                                                          "reason"),
                                       gateway=gateway_for(ctx.settings))
        except DomainError as exc:
            return OrderCancelPayload(errors=from_domain(exc))
        return OrderCancelPayload(order=await fresh_order(ctx, pk))

    @strawberry.mutation(description="Put an open order on hold; its stock stays allocated. "
                                     "Needs MANAGE_ORDERS.")
    async def order_hold(self, info: Info, input: OrderHoldInput) -> OrderHoldPayload:
        ctx, viewer = await _staff(info)
        try:
            pk = _order_pk(input.id)
            await service.hold_order(ctx.db, pk, actor_id=viewer.user_id,
                                     reason=_max_length(input.reason, service.MAX_NOTE,
                                                        "reason"))
        except DomainError as exc:
            return OrderHoldPayload(errors=from_domain(exc))
        return OrderHoldPayload(order=await fresh_order(ctx, pk))

    @strawberry.mutation(description="Take an order off hold. Needs MANAGE_ORDERS.")
    async def order_release(self, info: Info, input: OrderReleaseInput
                            ) -> OrderReleasePayload:
        ctx, viewer = await _staff(info)
        try:
            pk = _order_pk(input.id)
            await service.release_order(ctx.db, pk, actor_id=viewer.user_id)
        except DomainError as exc:
            return OrderReleasePayload(errors=from_domain(exc))
        return OrderReleasePayload(order=await fresh_order(ctx, pk))

    @strawberry.mutation(description="Add an internal note to the order's history. Needs "
                                     "MANAGE_ORDERS.")
    async def order_note_add(self, info: Info, input: OrderNoteAddInput
                             ) -> OrderNoteAddPayload:
        ctx, viewer = await _staff(info)
        try:
            pk = _order_pk(input.id)
            await service.add_note(ctx.db, pk, actor_id=viewer.user_id, message=input.message)
        except DomainError as exc:
            return OrderNoteAddPayload(errors=from_domain(exc))
        return OrderNoteAddPayload(order=await fresh_order(ctx, pk))

    @strawberry.mutation(description="Deprecated: use `orderPaymentRecord`. Record a "
                                     "pay-later order (bank transfer, cash on delivery) as "
                                     "paid in full: a manual payment of its outstanding "
                                     "balance. Needs MANAGE_ORDERS.")
    async def order_mark_as_paid(self, info: Info, input: OrderMarkAsPaidInput
                                 ) -> OrderMarkAsPaidPayload:
        ctx, viewer = await _staff(info)
        try:
            pk = _order_pk(input.id)
            await service.mark_as_paid(ctx.db, pk, actor_id=viewer.user_id,
                                       reference=_max_length(input.reference, MAX_REFERENCE,
                                                             "reference"))
        except DomainError as exc:
            return OrderMarkAsPaidPayload(errors=from_domain(exc))
        return OrderMarkAsPaidPayload(order=await fresh_order(ctx, pk))

    @strawberry.mutation(description="Change the shipping and/or billing address before "
                                     "anything ships. An unpaid order is re-taxed for a new "
                                     "shipping address (old and new totals go into its "
                                     "history); a paid one refuses a change of tax rate or "
                                     "shipping zone (INVALID_STATE). Needs MANAGE_ORDERS.")
    async def order_update(self, info: Info, input: OrderUpdateInput) -> OrderUpdatePayload:
        ctx, viewer = await _staff(info)
        try:
            pk = _order_pk(input.id)
            shipping, billing = _addresses(input)
            await address_change.update_addresses(
                ctx.db, pk, actor_id=viewer.user_id, shipping_address=shipping,
                billing_address=billing, prices_include_tax=ctx.settings.prices_include_tax)
        except DomainError as exc:
            return OrderUpdatePayload(errors=from_domain(exc))
        return OrderUpdatePayload(order=await fresh_order(ctx, pk))
