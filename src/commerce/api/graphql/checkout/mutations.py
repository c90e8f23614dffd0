"""``checkoutComplete``: turn a cart into an order (guest or signed in);
``checkoutPaymentCreate``: start (or update) the cart's card payment.

The cart's ID is the guest's proof of ownership, so no sign-in is needed; whoever completes
the checkout receives the order with its ``token`` (the confirmation link's key).
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from commerce.api.graphql.context import Info
from commerce.api.graphql.errors import UserError, from_domain
from commerce.api.graphql.money import Money
from commerce.api.graphql.orders.queries import order_via_token
from commerce.api.graphql.orders.types import Order, PaymentMethod
from commerce.checkout.card import start_card_payment
from commerce.checkout.completion import complete
from commerce.payments.gateways import gateway_for
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError
from commerce.shared.ids import InvalidIdError, decode_id

MAX_CART_TOKEN = 64


def cart_token(global_id: strawberry.ID) -> str:
    """The cart's secret token from its global ID (``Cart:<token>``)."""
    try:
        type_name, token = decode_id(str(global_id))
    except InvalidIdError as exc:
        raise DomainError.one(ErrorCode.INVALID, str(exc), ["cartId"]) from None
    if type_name != "Cart" or len(token) > MAX_CART_TOKEN:
        raise DomainError.one(ErrorCode.INVALID, f"{global_id!r} is not a Cart ID", ["cartId"])
    return token


@strawberry.input(description="The cart to check out.")
class CheckoutCompleteInput:
    cart_id: strawberry.ID = strawberry.field(
        description="The cart's ID (it carries the cart's secret).")
    payment_method: PaymentMethod | None = strawberry.field(
        default=None, description="Defaults to the cart's choice, else BANK_TRANSFER.")


@strawberry.type(description="Result of `checkoutComplete`.")
class CheckoutCompletePayload:
    order: Order | None = strawberry.field(
        default=None, description="The placed order (the same one when the cart was already "
                                  "completed), with its token.")
    errors: list[UserError] = strawberry.field(
        description="Why no order was placed (CART_EMPTY, EMAIL_REQUIRED, "
                    "INSUFFICIENT_STOCK...; ORDER_NOT_ACCEPTED when the shop declined the "
                    "order, any payment returned); empty on success.",
        default_factory=list)


@strawberry.input(description="The cart to pay by card.")
class CheckoutPaymentCreateInput:
    cart_id: strawberry.ID = strawberry.field(
        description="The cart's ID (it carries the cart's secret).")


@strawberry.type(description="What Stripe.js or a mobile SDK needs to take the card payment.")
class CardPaymentSession:
    client_secret: str = strawberry.field(
        description="The PaymentIntent's client secret: give it to `stripe.confirmPayment` "
                    "(or the mobile SDK's payment sheet). Treat it like the cart's ID.")
    publishable_key: str = strawberry.field(
        description="The shop's Stripe publishable key, for `Stripe(publishableKey)`.")
    amount: Money = strawberry.field(description="What will be charged: the cart's total.")
    reserved_until: datetime = strawberry.field(
        description="The cart's stock is held for this payment until then (UTC); pay and "
                    "complete before it, or call `checkoutPaymentCreate` again to extend.")


@strawberry.type(description="Result of `checkoutPaymentCreate`.")
class CheckoutPaymentCreatePayload:
    payment: CardPaymentSession | None = strawberry.field(
        default=None, description="The card payment to confirm; null when `errors` is not "
                                  "empty.")
    errors: list[UserError] = strawberry.field(
        description="Why no payment can be taken (the cart is incomplete, INSUFFICIENT_STOCK, "
                    "no card gateway, PAYMENT_GATEWAY_UNAVAILABLE...); empty on success.",
        default_factory=list)


@strawberry.type
class CheckoutMutation:
    @strawberry.mutation(description="Start paying the cart by card (Stripe): creates one "
                                     "PaymentIntent for the cart's current total, or updates "
                                     "its amount after the cart changed, and reserves the "
                                     "cart's stock while the shopper pays. Call it again after "
                                     "any change to the cart. Then confirm the payment with "
                                     "Stripe.js and call `checkoutComplete`.")
    async def checkout_payment_create(self, info: Info, input: CheckoutPaymentCreateInput
                                      ) -> CheckoutPaymentCreatePayload:
        ctx = info.context
        try:
            started = await start_card_payment(
                ctx.db, gateway_for(ctx.settings), cart_token(input.cart_id),
                settings=ctx.settings, viewer=await ctx.viewer(), client_address=ctx.client_ip)
        except DomainError as exc:
            return CheckoutPaymentCreatePayload(errors=from_domain(exc))
        return CheckoutPaymentCreatePayload(payment=CardPaymentSession(
            client_secret=started.client_secret, publishable_key=started.publishable_key,
            amount=Money.of(started.amount, started.currency),
            reserved_until=started.reserved_until))

    @strawberry.mutation(description="Validate the cart, allocate its stock (all lines or "
                                     "none) and place the order. Completing the same cart again "
                                     "returns the same order. A cart paying by card "
                                     "(`checkoutPaymentCreate`) is placed once its payment has "
                                     "succeeded; if its stock sold meanwhile, the payment is "
                                     "refunded and the error says so.")
    async def checkout_complete(self, info: Info, input: CheckoutCompleteInput
                                ) -> CheckoutCompletePayload:
        ctx = info.context
        try:
            placed = await complete(
                ctx.db, cart_token(input.cart_id), settings=ctx.settings,
                viewer=await ctx.viewer(),
                payment_method=input.payment_method.value if input.payment_method else None,
                client_address=ctx.client_ip)
        except DomainError as exc:
            return CheckoutCompletePayload(errors=from_domain(exc))
        # The checkout proved it holds the cart, so it gets the order through the order's token
        # (as committed: loaders forget what they cached before).
        ctx.loaders.clear_all()
        return CheckoutCompletePayload(order=await order_via_token(ctx, placed.token))
