"""``me`` and the staff directory."""

from __future__ import annotations

from typing import Annotated

import strawberry

from commerce.accounts import queries as accounts
from commerce.accounts.permissions import Permission
from commerce.api.graphql.accounts.types import User
from commerce.api.graphql.context import Info
from commerce.api.graphql.pagination import After, Connection, First, bad_argument, connection
from commerce.shared.ids import InvalidIdError, decode_int_id
from commerce.shared.pagination import PaginationError


@strawberry.type
class AccountsQuery:
    @strawberry.field(description="The signed-in user; null without a valid token.")
    async def me(self, info: Info) -> User | None:
        viewer = await info.context.viewer()
        if viewer is None:
            return None
        return await info.context.loaders.user_by_id.load(viewer.user_id)

    @strawberry.field(description="Staff accounts, oldest first. Needs MANAGE_STAFF.")
    async def staff_users(self, info: Info, first: First = 20,
                          after: After = None) -> Connection[User]:
        ctx = info.context
        await ctx.require_staff(Permission.MANAGE_STAFF)
        try:
            page = await accounts.list_staff(ctx.reader, first=first, after=after)
        except PaginationError as exc:
            raise bad_argument(exc) from None
        return connection(page, User.from_row)

    @strawberry.field(description="A staff account by ID. Needs MANAGE_STAFF.")
    async def staff_user(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="The staff account's ID; a customer's ID gives null.")]) -> User | None:
        ctx = info.context
        await ctx.require_staff(Permission.MANAGE_STAFF)
        try:
            pk = decode_int_id(str(id), "User")
        except InvalidIdError:
            return None
        user = await ctx.loaders.user_by_id.load(pk)
        return user if user is not None and user.is_staff else None
