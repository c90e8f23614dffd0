"""The signed-in user's address book."""

from __future__ import annotations

import strawberry

from commerce.accounts import addresses
from commerce.api.graphql import decode
from commerce.api.graphql.accounts.results import fresh_address, fresh_user
from commerce.api.graphql.accounts.types import Address, AddressInput, User
from commerce.api.graphql.context import Info
from commerce.api.graphql.errors import UserError, from_domain
from commerce.shared.errors import DomainError


@strawberry.input(description="A new entry in the signed-in user's address book (at most 100 "
                              "entries).")
class AddressCreateInput:
    address: AddressInput = strawberry.field(description="The address.")
    set_as_default_shipping: bool = strawberry.field(
        default=False, description="Make it the default shipping address.")
    set_as_default_billing: bool = strawberry.field(
        default=False, description="Make it the default billing address.")


@strawberry.type(description="Result of `addressCreate`.")
class AddressCreatePayload:
    address: Address | None = strawberry.field(
        default=None, description="The new address; null when `errors` is not empty.")
    user: User | None = strawberry.field(
        default=None, description="The signed-in user with the updated address book.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.input(description="A change to one of the signed-in user's addresses; fields left "
                              "out stay as they are.")
class AddressUpdateInput:
    id: strawberry.ID = strawberry.field(
        description="The address to change; another user's address is NOT_FOUND.")
    address: AddressInput | None = strawberry.field(
        default=None, description="Replaces every field of the address when given.")
    set_as_default_shipping: bool | None = strawberry.field(
        default=None, description="true makes it the default, false stops it being one.")
    set_as_default_billing: bool | None = strawberry.field(
        default=None, description="true makes it the default, false stops it being one.")


@strawberry.type(description="Result of `addressUpdate`.")
class AddressUpdatePayload:
    address: Address | None = strawberry.field(
        default=None, description="The address as changed; null when `errors` is not empty.")
    user: User | None = strawberry.field(
        default=None, description="The signed-in user with the updated address book.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.input(description="The address to remove from the signed-in user's book.")
class AddressDeleteInput:
    id: strawberry.ID = strawberry.field(
        description="The address; another user's address is NOT_FOUND.")


@strawberry.type(description="Result of `addressDelete`.")
class AddressDeletePayload:
    user: User | None = strawberry.field(
        default=None, description="The signed-in user with the updated address book.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type
class AddressMutation:
    @strawberry.mutation(description="Add an address to your address book.")
    async def address_create(self, info: Info, input: AddressCreateInput
                             ) -> AddressCreatePayload:
        ctx = info.context
        viewer = await ctx.require_user()
        try:
            pk = await addresses.create_address(
                ctx.db, viewer.user_id, input.address.to_data(),
                default_shipping=input.set_as_default_shipping,
                default_billing=input.set_as_default_billing)
        except DomainError as exc:
            return AddressCreatePayload(errors=from_domain(exc))
        return AddressCreatePayload(address=await fresh_address(ctx, viewer.user_id, pk),
                                    user=await fresh_user(ctx, viewer.user_id))

    @strawberry.mutation(description="Change one of your addresses or its default flags.")
    async def address_update(self, info: Info, input: AddressUpdateInput
                             ) -> AddressUpdatePayload:
        ctx = info.context
        viewer = await ctx.require_user()
        try:
            pk = decode.pk(input.id, "Address", ["id"])
            await addresses.update_address(
                ctx.db, viewer.user_id, pk,
                None if input.address is None else input.address.to_data(),
                default_shipping=input.set_as_default_shipping,
                default_billing=input.set_as_default_billing)
        except DomainError as exc:
            return AddressUpdatePayload(errors=from_domain(exc))
        return AddressUpdatePayload(address=await fresh_address(ctx, viewer.user_id, pk),
                                    user=await fresh_user(ctx, viewer.user_id))

    @strawberry.mutation(description="Remove one of your addresses.")
    async def address_delete(self, info: Info, input: AddressDeleteInput
                             ) -> AddressDeletePayload:
        ctx = info.context
        viewer = await ctx.require_user()
        try:
            pk = decode.pk(input.id, "Address", ["id"])
            await addresses.delete_address(ctx.db, viewer.user_id, pk)
        except DomainError as exc:
            return AddressDeletePayload(errors=from_domain(exc))
        return AddressDeletePayload(user=await fresh_user(ctx, viewer.user_id))
