"""Staff accounts, for staff with MANAGE_STAFF."""

from __future__ import annotations

import strawberry

from commerce.accounts import staff
from commerce.accounts.permissions import Permission
from commerce.api.graphql import decode
from commerce.api.graphql.accounts.results import fresh_user
from commerce.api.graphql.accounts.types import User
from commerce.api.graphql.context import Info
from commerce.api.graphql.errors import UserError, from_domain
from commerce.shared.errors import DomainError

_SCOPE = ("Without superuser status you can only grant permissions you hold yourself, "
          "and only change accounts whose permissions you all hold.")


@strawberry.input(description="A new staff account.")
class StaffCreateInput:
    email: str = strawberry.field(
        description="E-mail address, at most 254 characters; stored lower-case and unique.")
    password: str = strawberry.field(description="At least 8 characters.")
    first_name: str = strawberry.field(
        default="", description="Given name, at most 128 characters.")
    last_name: str = strawberry.field(
        default="", description="Family name, at most 128 characters.")
    permissions: list[Permission] = strawberry.field(
        description="Permissions to grant; only ones you hold yourself unless you are a "
                    "superuser.",
        default_factory=list)
    is_superuser: bool = strawberry.field(
        default=False, description="Grant every permission; only a superuser may.")
    is_active: bool = strawberry.field(
        default=True, description="Whether the account may sign in (default true).")


@strawberry.type(description="Result of `staffCreate`.")
class StaffCreatePayload:
    user: User | None = strawberry.field(
        default=None, description="The new staff account; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why no account was created; empty on success.",
        default_factory=list)


@strawberry.input(description="Fields left out (or null) keep their value.")
class StaffUpdateInput:
    id: strawberry.ID = strawberry.field(description="The staff account to change.")
    email: str | None = strawberry.field(
        default=None, description="E-mail address, at most 254 characters; stored lower-case and "
                                  "unique.")
    password: str | None = strawberry.field(
        default=None, description="A new password, at least 8 characters.")
    first_name: str | None = strawberry.field(
        default=None, description="Given name, at most 128 characters.")
    last_name: str | None = strawberry.field(
        default=None, description="Family name, at most 128 characters.")
    permissions: list[Permission] | None = strawberry.field(
        default=None, description="The complete new set of permissions.")
    is_superuser: bool | None = strawberry.field(
        default=None, description="Grant or remove every permission; only a superuser may.")
    is_active: bool | None = strawberry.field(
        default=None, description="false disables the account: it can no longer sign in.")


@strawberry.type(description="Result of `staffUpdate`.")
class StaffUpdatePayload:
    user: User | None = strawberry.field(
        default=None, description="The staff account as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


@strawberry.type
class StaffMutation:
    @strawberry.mutation(description="Create a staff account. Needs MANAGE_STAFF. " + _SCOPE)
    async def staff_create(self, info: Info, input: StaffCreateInput) -> StaffCreatePayload:
        ctx = info.context
        actor = await ctx.require_staff(Permission.MANAGE_STAFF)
        try:
            pk = await staff.create_staff(
                ctx.db, actor, email=input.email, password=input.password,
                first_name=input.first_name, last_name=input.last_name,
                permissions=input.permissions, is_superuser=input.is_superuser,
                is_active=input.is_active)
        except DomainError as exc:
            return StaffCreatePayload(errors=from_domain(exc))
        return StaffCreatePayload(user=await fresh_user(ctx, pk))

    @strawberry.mutation(description="Change a staff account. Needs MANAGE_STAFF. " + _SCOPE)
    async def staff_update(self, info: Info, input: StaffUpdateInput) -> StaffUpdatePayload:
        ctx = info.context
        actor = await ctx.require_staff(Permission.MANAGE_STAFF)
        try:
            pk = decode.pk(input.id, "User", ["id"])
            await staff.update_staff(
                ctx.db, actor, pk, email=input.email, password=input.password,
                first_name=input.first_name, last_name=input.last_name,
                permissions=input.permissions, is_superuser=input.is_superuser,
                is_active=input.is_active)
        except DomainError as exc:
            return StaffUpdatePayload(errors=from_domain(exc))
        return StaffUpdatePayload(user=await fresh_user(ctx, pk))
