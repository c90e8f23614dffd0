"""Staff payment mutations (MANAGE_PAYMENTS): record a manual payment, refund a payment.

Each resolver checks the permission, decodes its input, calls one ``payments.service``
function and returns the order as committed, loaded through fresh loaders."""

from __future__ import annotations

import strawberry

from commerce.accounts.permissions import Permission
from commerce.api.graphql import decode
from commerce.api.graphql.context import Info
from commerce.api.graphql.errors import UserError, from_domain
from commerce.api.graphql.orders.mutations import fresh_order
from commerce.api.graphql.orders.types import Order
from commerce.api.graphql.scalars import Decimal
from commerce.payments import service
from commerce.payments.rules import PaymentMethod
from commerce.shared.errors import DomainError

_KEY = ("A key you choose (at most 128 characters, e.g. a UUID) that makes the request "
        "safe to retry: the same key again returns the first result and records nothing new.")


@strawberry.input(description="Money received for an order outside any card gateway.")
class OrderPaymentRecordInput:
    order_id: strawberry.ID = strawberry.field(description="The order.")
    amount: Decimal = strawberry.field(
        description="The amount received, in the shop currency; more than zero and at most "
                    "the order's `amountDue` (part of it is fine).")
    method: PaymentMethod = strawberry.field(description="How the money came.")
    reference: str = strawberry.field(
        default="", description="E.g. the bank transfer's reference; at most 255 characters.")
    idempotency_key: str = strawberry.field(description=_KEY)


@strawberry.type(description="Result of `orderPaymentRecord`.")
class OrderPaymentRecordPayload:
    order: Order | None = strawberry.field(
        default=None, description="The order as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing was recorded; empty on success.")


@strawberry.input(description="Money to give back on a payment.")
class PaymentRefundInput:
    payment_id: strawberry.ID = strawberry.field(description="The payment (`Order.payments`).")
    amount: Decimal = strawberry.field(
        description="The amount, in the shop currency; more than zero and at most what the "
                    "payment received minus what was already refunded from it.")
    reason: str = strawberry.field(
        default="", description="Why; recorded in the order's history. At most 500 characters.")
    idempotency_key: str = strawberry.field(description=_KEY)


@strawberry.type(description="Result of `paymentRefund`.")
class PaymentRefundPayload:
    order: Order | None = strawberry.field(
        default=None, description="The order as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing was recorded; empty on success.")


@strawberry.type
class PaymentMutation:
    @strawberry.mutation(description="Record money received for an order (bank transfer, cash "
                                     "on delivery, cheque, other); partial payments make it "
                                     "PARTIALLY_PAID, more than is due is refused. Idempotent "
                                     "for `idempotencyKey`. Needs MANAGE_PAYMENTS.")
    async def order_payment_record(self, info: Info, input: OrderPaymentRecordInput
                                   ) -> OrderPaymentRecordPayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_PAYMENTS)
        try:
            pk = decode.pk(input.order_id, "Order", ["orderId"])
            amount = decode.money(input.amount, ctx.settings.currency, ["amount"])
            await service.record_payment(
                ctx.db, pk, amount=amount, method=input.method.value,
                reference=input.reference, idempotency_key=input.idempotency_key,
                actor_id=viewer.user_id, currency=ctx.settings.currency)
        except DomainError as exc:
            return OrderPaymentRecordPayload(errors=from_domain(exc))
        return OrderPaymentRecordPayload(order=await fresh_order(ctx, pk))

    @strawberry.mutation(description="Record a refund on a payment (manual gateway: the money "
                                     "was given back, or is owed to the customer); never more "
                                     "than the payment received minus earlier refunds. "
                                     "Idempotent for `idempotencyKey`. Needs MANAGE_PAYMENTS.")
    async def payment_refund(self, info: Info, input: PaymentRefundInput
                             ) -> PaymentRefundPayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_PAYMENTS)
        try:
            pk = decode.pk(input.payment_id, "Payment", ["paymentId"])
            amount = decode.money(input.amount, ctx.settings.currency, ["amount"])
            result = await service.refund_payment(
                ctx.db, pk, amount=amount, reason=input.reason,
                idempotency_key=input.idempotency_key, actor_id=viewer.user_id,
                currency=ctx.settings.currency)
        except DomainError as exc:
            return PaymentRefundPayload(errors=from_domain(exc))
        order = None if result.order_id is None else await fresh_order(ctx, result.order_id)
        return PaymentRefundPayload(order=order)
