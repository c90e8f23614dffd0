"""Customer account mutations: register, sign in and out, profile and password."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.tools import merge_types

from commerce.accounts import service
from commerce.api.graphql.accounts.address_mutations import AddressMutation
from commerce.api.graphql.accounts.results import fresh_user
from commerce.api.graphql.accounts.staff_mutations import StaffMutation
from commerce.api.graphql.accounts.types import User
from commerce.api.graphql.context import Info
from commerce.api.graphql.errors import UserError, from_domain
from commerce.shared.errors import DomainError


@strawberry.input(description="A new customer account.")
class CustomerRegisterInput:
    email: str = strawberry.field(
        description="E-mail address, at most 254 characters; stored lower-case and unique.")
    password: str = strawberry.field(description="At least 8 characters.")
    first_name: str = strawberry.field(
        default="", description="Given name, at most 128 characters.")
    last_name: str = strawberry.field(
        default="", description="Family name, at most 128 characters.")


@strawberry.type(description="Result of `customerRegister`.")
class CustomerRegisterPayload:
    user: User | None = strawberry.field(
        default=None, description="The new account; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why no account was created; empty on success.",
        default_factory=list)


@strawberry.input(description="Credentials to sign in with.")
class TokenCreateInput:
    email: str = strawberry.field(description="The account's e-mail address (any case).")
    password: str = strawberry.field(description="The account's password.")


@strawberry.type(description="Result of `tokenCreate`.")
class TokenCreatePayload:
    token: str | None = strawberry.field(
        default=None, description="Send as `Authorization: Bearer <token>`.")
    expires_at: datetime | None = strawberry.field(
        default=None, description="When the token stops working (UTC); null on failure.")
    user: User | None = strawberry.field(
        default=None, description="The signed-in account; null on failure.")
    errors: list[UserError] = strawberry.field(
        description="Why signing in failed (INVALID_CREDENTIALS, ACCOUNT_DISABLED); empty on "
                    "success.",
        default_factory=list)


@strawberry.input(description="Which of the signed-in user's tokens to revoke.")
class TokenRevokeInput:
    all: bool = strawberry.field(
        default=False, description="Revoke every token of the user, not only this one.")


@strawberry.type(description="Result of `tokenRevoke`.")
class TokenRevokePayload:
    revoked_count: int = strawberry.field(default=0, description="How many tokens were revoked.")
    errors: list[UserError] = strawberry.field(
        description="Always empty; kept for the payload convention.",
        default_factory=list)


@strawberry.input(description="Fields left out (or null) keep their value.")
class MeUpdateInput:
    email: str | None = strawberry.field(
        default=None, description="E-mail address, at most 254 characters; stored lower-case and "
                                  "unique.")
    first_name: str | None = strawberry.field(
        default=None, description="Given name, at most 128 characters.")
    last_name: str | None = strawberry.field(
        default=None, description="Family name, at most 128 characters.")


@strawberry.type(description="Result of `meUpdate`.")
class MeUpdatePayload:
    user: User | None = strawberry.field(
        default=None, description="The signed-in user as changed; null when `errors` is not "
                                  "empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.input(description="A new password for the signed-in user.")
class PasswordChangeInput:
    old_password: str = strawberry.field(description="The current password, as confirmation.")
    new_password: str = strawberry.field(description="At least 8 characters.")


@strawberry.type(description="Result of `passwordChange`.")
class PasswordChangePayload:
    user: User | None = strawberry.field(
        default=None, description="The signed-in user; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why the password was not changed; empty on success.",
        default_factory=list)


@strawberry.type
class SessionMutation:
    @strawberry.mutation(description="Create a customer account. Sign in with tokenCreate.")
    async def customer_register(self, info: Info, input: CustomerRegisterInput
                                ) -> CustomerRegisterPayload:
        try:
            pk = await service.register_customer(
                info.context.db, email=input.email, password=input.password,
                first_name=input.first_name, last_name=input.last_name)
        except DomainError as exc:
            return CustomerRegisterPayload(errors=from_domain(exc))
        return CustomerRegisterPayload(user=await fresh_user(info.context, pk))

    # Nullable on purpose: when one of several aliased sign-ins is refused with the
    # top-level RATE_LIMITED error, only that field is null, not the whole response.
    @strawberry.mutation(description=(
        "Sign in with e-mail and password; returns a bearer token. Failed attempts are "
        "limited per account and per client address (top-level error RATE_LIMITED)."))
    async def token_create(self, info: Info, input: TokenCreateInput
                           ) -> TokenCreatePayload | None:
        ctx = info.context
        try:
            issued = await service.create_token(ctx.db, input.email, input.password,
                                                ctx.client_ip, ctx.settings)
        except DomainError as exc:
            return TokenCreatePayload(errors=from_domain(exc))
        return TokenCreatePayload(token=issued.token, expires_at=issued.expires_at,
                                  user=await fresh_user(ctx, issued.user_id))

    @strawberry.mutation(description="Sign out: revoke this token, or all of your tokens.")
    async def token_revoke(self, info: Info, input: TokenRevokeInput) -> TokenRevokePayload:
        viewer = await info.context.require_user()
        count = await service.revoke_token(info.context.db, viewer.user_id, viewer.token_id,
                                           all_tokens=input.all)
        return TokenRevokePayload(revoked_count=count)

    @strawberry.mutation(description="Change your name or e-mail address.")
    async def me_update(self, info: Info, input: MeUpdateInput) -> MeUpdatePayload:
        viewer = await info.context.require_user()
        try:
            await service.update_me(info.context.db, viewer.user_id, email=input.email,
                                    first_name=input.first_name, last_name=input.last_name)
        except DomainError as exc:
            return MeUpdatePayload(errors=from_domain(exc))
        return MeUpdatePayload(user=await fresh_user(info.context, viewer.user_id))

    @strawberry.mutation(description="Change your password; signs out every other session.")
    async def password_change(self, info: Info, input: PasswordChangeInput
                              ) -> PasswordChangePayload:
        ctx = info.context
        viewer = await ctx.require_user()
        try:
            await service.change_password(
                ctx.db, viewer.user_id, viewer.token_id, old_password=input.old_password,
                new_password=input.new_password, client_ip=ctx.client_ip,
                settings=ctx.settings)
        except DomainError as exc:
            return PasswordChangePayload(errors=from_domain(exc))
        return PasswordChangePayload(user=await fresh_user(ctx, viewer.user_id))


AccountsMutation = merge_types("AccountsMutation",
                               (SessionMutation, AddressMutation, StaffMutation))
