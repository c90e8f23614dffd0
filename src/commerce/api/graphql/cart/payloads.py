"""Cart mutation payloads: the cart as committed (null on failure) and ``errors``."""

from __future__ import annotations

import strawberry

from commerce.api.graphql.cart.types import Cart
from commerce.api.graphql.errors import UserError


@strawberry.type
class CartCreatePayload:
    cart: Cart | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CartLinesAddPayload:
    cart: Cart | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CartLinesUpdatePayload:
    cart: Cart | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CartLinesRemovePayload:
    cart: Cart | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CartEmailUpdatePayload:
    cart: Cart | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CartShippingAddressUpdatePayload:
    cart: Cart | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CartBillingAddressUpdatePayload:
    cart: Cart | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CartShippingMethodUpdatePayload:
    cart: Cart | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CartDiscountCodesUpdatePayload:
    cart: Cart | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
