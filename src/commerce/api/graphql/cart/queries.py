"""``cart(id)``: a cart by its ID (which carries its secret token)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from commerce.api.graphql.cart.inputs import cart_token
from commerce.api.graphql.cart.types import Cart
from commerce.api.graphql.context import Context, Info
from commerce.cart.queries import cart_by_token
from commerce.shared.errors import DomainError


async def load_cart(ctx: Context, token: str) -> Cart | None:
    """The cart, when the viewer may reach it (``cart.queries.reachable_carts``)."""
    row = await cart_by_token(ctx.reader.all, token, await ctx.viewer())
    return None if row is None else Cart.from_row(row)


async def fresh_cart(ctx: Context, token: str) -> Cart | None:
    """The cart as just committed; loaders forget what they cached before the change."""
    ctx.loaders.clear_all()
    return await load_cart(ctx, token)


@strawberry.type
class CartQuery:
    @strawberry.field(description="A cart by its ID (the cart's secret); null when there is "
                                  "no such cart. A guest's cart needs no sign-in; a signed-in "
                                  "customer's cart is null for anyone but that customer and "
                                  "staff with MANAGE_ORDERS.")
    async def cart(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="The cart's ID as returned by cartCreate.")]) -> Cart | None:
        try:
            token = cart_token(id, ["id"])
        except DomainError:
            return None
        return await load_cart(info.context, token)
