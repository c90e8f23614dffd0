"""Cart mutation payloads: the cart as committed (null on failure) and ``errors``."""

from __future__ import annotations

import strawberry

from commerce.api.graphql.cart.types import Cart
from commerce.api.graphql.errors import UserError


@strawberry.type(description="Result of `cartCreate`.")
class CartCreatePayload:
    cart: Cart | None = strawberry.field(
        default=None, description="The new cart; keep its ID. Null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `cartLinesAdd`.")
class CartLinesAddPayload:
    cart: Cart | None = strawberry.field(
        default=None, description="The cart as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `cartLinesUpdate`.")
class CartLinesUpdatePayload:
    cart: Cart | None = strawberry.field(
        default=None, description="The cart as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `cartLinesRemove`.")
class CartLinesRemovePayload:
    cart: Cart | None = strawberry.field(
        default=None, description="The cart as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `cartEmailUpdate`.")
class CartEmailUpdatePayload:
    cart: Cart | None = strawberry.field(
        default=None, description="The cart as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `cartShippingAddressUpdate`.")
class CartShippingAddressUpdatePayload:
    cart: Cart | None = strawberry.field(
        default=None, description="The cart as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `cartBillingAddressUpdate`.")
class CartBillingAddressUpdatePayload:
    cart: Cart | None = strawberry.field(
        default=None, description="The cart as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `cartShippingMethodUpdate`.")
class CartShippingMethodUpdatePayload:
    cart: Cart | None = strawberry.field(
        default=None, description="The cart as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type(description="Result of `cartDiscountCodesUpdate`.")
class CartDiscountCodesUpdatePayload:
    cart: Cart | None = strawberry.field(
        default=None, description="The cart as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)
