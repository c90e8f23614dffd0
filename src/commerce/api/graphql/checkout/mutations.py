"""``checkoutComplete``: turn a cart into an order (guest or signed in).

The cart's ID is the guest's proof of ownership, so no sign-in is needed; whoever completes
the checkout receives the order with its ``token`` (the confirmation link's key).
"""

from __future__ import annotations

import strawberry

from commerce.api.graphql.context import Info
from commerce.api.graphql.errors import UserError, from_domain
from commerce.api.graphql.orders.queries import order_via_token
from commerce.api.graphql.orders.types import Order, PaymentMethod
from commerce.checkout.service import complete_checkout
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


@strawberry.type
class CheckoutMutation:
    @strawberry.mutation(description="Validate the cart, allocate its stock (all lines or "
                                     "none) and place the order. Completing the same cart again "
                                     "returns the same order.")
    async def checkout_complete(self, info: Info, input: CheckoutCompleteInput
                                ) -> CheckoutCompletePayload:
        ctx = info.context
        try:
            placed = await complete_checkout(
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
