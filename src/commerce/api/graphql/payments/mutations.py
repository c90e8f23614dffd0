"""Staff payment mutations (MANAGE_PAYMENTS): record a manual payment; capture, void or
refund a payment (card ones through the gateway).

Each resolver checks the permission, decodes its input, calls one ``payments`` use case and
returns the order as committed, loaded through fresh loaders."""

from __future__ import annotations

import strawberry

from commerce.accounts.permissions import Permission
from commerce.api.graphql import decode
from commerce.api.graphql.context import Info
from commerce.api.graphql.errors import UserError, from_domain
from commerce.api.graphql.orders.mutations import fresh_order
from commerce.api.graphql.orders.types import Order
from commerce.api.graphql.scalars import Decimal
from commerce.payments import operations, service
from commerce.payments.gateways import gateway_for
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
                    "payment received minus what was already refunded (or is being refunded) "
                    "from it.")
    reason: str = strawberry.field(
        default="", description="Why; recorded in the order's history. At most 500 characters.")
    idempotency_key: str = strawberry.field(description=_KEY)


@strawberry.type(description="Result of `paymentRefund`.")
class PaymentRefundPayload:
    order: Order | None = strawberry.field(
        default=None, description="The order as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing was recorded; empty on success.")


@strawberry.input(description="An authorized card payment to capture, all or part.")
class PaymentCaptureInput:
    payment_id: strawberry.ID = strawberry.field(description="The payment (`Order.payments`).")
    amount: Decimal | None = strawberry.field(
        default=None,
        description="How much to take, in the shop currency; at most the payment's "
                    "`amountAuthorized`. Null takes all of it. The rest is released (a card "
                    "authorization is captured once).")
    idempotency_key: str = strawberry.field(description=_KEY)


@strawberry.type(description="Result of `paymentCapture`.")
class PaymentCapturePayload:
    order: Order | None = strawberry.field(
        default=None, description="The order as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing was captured; empty on success.")


@strawberry.input(description="An authorized card payment to release without taking money.")
class PaymentVoidInput:
    payment_id: strawberry.ID = strawberry.field(description="The payment (`Order.payments`).")
    idempotency_key: str = strawberry.field(description=_KEY)


@strawberry.type(description="Result of `paymentVoid`.")
class PaymentVoidPayload:
    order: Order | None = strawberry.field(
        default=None, description="The order as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing was voided; empty on success.")


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

    @strawberry.mutation(description="Refund a payment, in full or in part: a card payment "
                                     "through its gateway; a manual payment is recorded (the "
                                     "money was given back, or is owed to the customer). "
                                     "Never more than the payment received minus earlier "
                                     "refunds, also those still under way. Idempotent for "
                                     "`idempotencyKey`; after PAYMENT_GATEWAY_UNAVAILABLE "
                                     "send the same key again. Needs MANAGE_PAYMENTS.")
    async def payment_refund(self, info: Info, input: PaymentRefundInput
                             ) -> PaymentRefundPayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_PAYMENTS)
        try:
            pk = decode.pk(input.payment_id, "Payment", ["paymentId"])
            amount = decode.money(input.amount, ctx.settings.currency, ["amount"])
            result = await operations.refund_payment(
                ctx.db, gateway_for(ctx.settings), pk, amount=amount, reason=input.reason,
                idempotency_key=input.idempotency_key, actor_id=viewer.user_id,
                currency=ctx.settings.currency)
        except DomainError as exc:
            return PaymentRefundPayload(errors=from_domain(exc))
        order = None if result.order_id is None else await fresh_order(ctx, result.order_id)
        return PaymentRefundPayload(order=order)

    @strawberry.mutation(description="Capture an authorized card payment, all or part (the "
                                     "rest is released). With COMMERCE_PAYMENT_CAPTURE=MANUAL "
                                     "card payments are authorized at checkout and captured "
                                     "here. Manual payments cannot be captured "
                                     "(INVALID_STATE). Idempotent for `idempotencyKey`; after "
                                     "PAYMENT_GATEWAY_UNAVAILABLE send the same key again. "
                                     "Needs MANAGE_PAYMENTS.")
    async def payment_capture(self, info: Info, input: PaymentCaptureInput
                              ) -> PaymentCapturePayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_PAYMENTS)
        try:
            pk = decode.pk(input.payment_id, "Payment", ["paymentId"])
            amount = decode.optional_money(input.amount, ctx.settings.currency, ["amount"])
            result = await operations.capture_payment(
                ctx.db, gateway_for(ctx.settings), pk, amount=amount,
                idempotency_key=input.idempotency_key, actor_id=viewer.user_id,
                currency=ctx.settings.currency)
        except DomainError as exc:
            return PaymentCapturePayload(errors=from_domain(exc))
        order = None if result.order_id is None else await fresh_order(ctx, result.order_id)
        return PaymentCapturePayload(order=order)

    @strawberry.mutation(description="Release an authorized card payment from which nothing "
                                     "was captured. Manual payments cannot be voided "
                                     "(INVALID_STATE). Idempotent for `idempotencyKey`. "
                                     "Needs MANAGE_PAYMENTS.")
    async def payment_void(self, info: Info, input: PaymentVoidInput) -> PaymentVoidPayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_PAYMENTS)
        try:
            pk = decode.pk(input.payment_id, "Payment", ["paymentId"])
            result = await operations.void_payment(
                ctx.db, gateway_for(ctx.settings), pk, idempotency_key=input.idempotency_key,
                actor_id=viewer.user_id)
        except DomainError as exc:
            return PaymentVoidPayload(errors=from_domain(exc))
        order = None if result.order_id is None else await fresh_order(ctx, result.order_id)
        return PaymentVoidPayload(order=order)
