"""Cart mutations: anyone may call them with a cart ID (the cart's secret). A signed-in
customer's cart is NOT_FOUND for anyone but that customer and staff with MANAGE_ORDERS, as in
``cart(id)``: each use case is given the viewer and filters by it.

Each resolver decodes its input, calls one use case in ``cart.service`` and returns the cart
as committed.
"""

from __future__ import annotations

import strawberry

from commerce.api.graphql.cart import inputs as i
from commerce.api.graphql.cart import payloads as p
from commerce.api.graphql.cart.queries import fresh_cart
from commerce.api.graphql.context import Info
from commerce.api.graphql.errors import from_domain
from commerce.cart import service
from commerce.shared.errors import DomainError


@strawberry.type
class CartMutation:
    @strawberry.mutation(description="Start a cart, optionally with lines, e-mail and "
                                     "addresses. A signed-in customer's cart is attached to "
                                     "them (and gets their e-mail unless one is given).")
    async def cart_create(self, info: Info, input: i.CartCreateInput) -> p.CartCreatePayload:
        ctx = info.context
        try:
            token = await service.create_cart(ctx.db, input.decode(), viewer=await ctx.viewer())
        except DomainError as exc:
            return p.CartCreatePayload(errors=from_domain(exc))
        return p.CartCreatePayload(cart=await fresh_cart(ctx, token))

    @strawberry.mutation(description="Add variants; one already in the cart gets its quantity "
                                     "increased. More than is in stock is allowed (the cart "
                                     "warns; checkout refuses).")
    async def cart_lines_add(self, info: Info, input: i.CartLinesAddInput
                             ) -> p.CartLinesAddPayload:
        ctx = info.context
        try:
            token, lines = input.decode()
            await service.add_lines(ctx.db, token, lines, viewer=await ctx.viewer())
        except DomainError as exc:
            return p.CartLinesAddPayload(errors=from_domain(exc))
        return p.CartLinesAddPayload(cart=await fresh_cart(ctx, token))

    @strawberry.mutation(description="Set line quantities; 0 removes a line.")
    async def cart_lines_update(self, info: Info, input: i.CartLinesUpdateInput
                                ) -> p.CartLinesUpdatePayload:
        ctx = info.context
        try:
            token, changes = input.decode()
            await service.update_lines(ctx.db, token, changes, viewer=await ctx.viewer())
        except DomainError as exc:
            return p.CartLinesUpdatePayload(errors=from_domain(exc))
        return p.CartLinesUpdatePayload(cart=await fresh_cart(ctx, token))

    @strawberry.mutation(description="Remove lines by their IDs.")
    async def cart_lines_remove(self, info: Info, input: i.CartLinesRemoveInput
                                ) -> p.CartLinesRemovePayload:
        ctx = info.context
        try:
            token, line_ids = input.decode()
            await service.remove_lines(ctx.db, token, line_ids,
                                       viewer=await ctx.viewer())
        except DomainError as exc:
            return p.CartLinesRemovePayload(errors=from_domain(exc))
        return p.CartLinesRemovePayload(cart=await fresh_cart(ctx, token))

    @strawberry.mutation(description="Set the buyer's e-mail address; order confirmations go "
                                     "there.")
    async def cart_email_update(self, info: Info, input: i.CartEmailUpdateInput
                                ) -> p.CartEmailUpdatePayload:
        ctx = info.context
        try:
            token = i.cart_token(input.cart_id)
            await service.update_email(ctx.db, token, input.email, viewer=await ctx.viewer())
        except DomainError as exc:
            return p.CartEmailUpdatePayload(errors=from_domain(exc))
        return p.CartEmailUpdatePayload(cart=await fresh_cart(ctx, token))

    @strawberry.mutation(description="Set the shipping address; the cart then lists the "
                                     "shipping methods that deliver there.")
    async def cart_shipping_address_update(self, info: Info,
                                           input: i.CartShippingAddressUpdateInput
                                           ) -> p.CartShippingAddressUpdatePayload:
        ctx = info.context
        address = input.shipping_address
        try:
            token = i.cart_token(input.cart_id)
            await service.update_shipping_address(
                ctx.db, token, address.to_data() if address else None,
                viewer=await ctx.viewer())
        except DomainError as exc:
            return p.CartShippingAddressUpdatePayload(errors=from_domain(exc))
        return p.CartShippingAddressUpdatePayload(cart=await fresh_cart(ctx, token))

    @strawberry.mutation(description="Set or clear the billing address.")
    async def cart_billing_address_update(self, info: Info,
                                          input: i.CartBillingAddressUpdateInput
                                          ) -> p.CartBillingAddressUpdatePayload:
        ctx = info.context
        address = input.billing_address
        try:
            token = i.cart_token(input.cart_id)
            await service.update_billing_address(
                ctx.db, token, address.to_data() if address else None,
                viewer=await ctx.viewer())
        except DomainError as exc:
            return p.CartBillingAddressUpdatePayload(errors=from_domain(exc))
        return p.CartBillingAddressUpdatePayload(cart=await fresh_cart(ctx, token))

    @strawberry.mutation(description="Choose one of the cart's availableShippingMethods "
                                     "(needs a shipping address first).")
    async def cart_shipping_method_update(self, info: Info,
                                          input: i.CartShippingMethodUpdateInput
                                          ) -> p.CartShippingMethodUpdatePayload:
        ctx = info.context
        try:
            token, method_id = input.decode()
            await service.update_shipping_method(ctx.db, token, method_id,
                                                 settings=ctx.settings,
                                                 viewer=await ctx.viewer())
        except DomainError as exc:
            return p.CartShippingMethodUpdatePayload(errors=from_domain(exc))
        return p.CartShippingMethodUpdatePayload(cart=await fresh_cart(ctx, token))

    @strawberry.mutation(description="Apply a discount code (at most one per cart) or remove "
                                     "it with []. A code that cannot be used now is refused.")
    async def cart_discount_codes_update(self, info: Info,
                                         input: i.CartDiscountCodesUpdateInput
                                         ) -> p.CartDiscountCodesUpdatePayload:
        ctx = info.context
        try:
            token = i.cart_token(input.cart_id)
            await service.update_discount_codes(ctx.db, token, input.codes,
                                                settings=ctx.settings,
                                                viewer=await ctx.viewer())
        except DomainError as exc:
            return p.CartDiscountCodesUpdatePayload(errors=from_domain(exc))
        return p.CartDiscountCodesUpdatePayload(cart=await fresh_cart(ctx, token))
