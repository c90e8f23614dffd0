"""Staff queries on draft orders (MANAGE_ORDERS)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from commerce.accounts.permissions import Permission
from commerce.api.graphql.context import Info
from commerce.api.graphql.drafts.types import DraftOrder
from commerce.api.graphql.pagination import After, Connection, First, bad_argument, connection
from commerce.drafts import queries as drafts
from commerce.shared.ids import InvalidIdError, decode_int_id
from commerce.shared.pagination import PaginationError


@strawberry.type
class DraftOrdersQuery:
    @strawberry.field(description="Drafts not yet completed, newest first. Each priced field "
                                  "costs one quote per draft. Needs MANAGE_ORDERS.")
    async def draft_orders(self, info: Info, first: First = 20,
                           after: After = None) -> Connection[DraftOrder]:
        ctx = info.context
        await ctx.require_staff(Permission.MANAGE_ORDERS)
        try:
            page = await drafts.list_drafts(ctx.reader, first=first, after=after)
        except PaginationError as exc:
            raise bad_argument(exc) from None
        return connection(page, DraftOrder.from_row)

    @strawberry.field(description="A draft by ID, completed or not; null when there is none. "
                                  "Needs MANAGE_ORDERS.")
    async def draft_order(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="The draft order's ID.")]) -> DraftOrder | None:
        ctx = info.context
        await ctx.require_staff(Permission.MANAGE_ORDERS)
        try:
            pk = decode_int_id(str(id), "DraftOrder")
        except InvalidIdError:
            return None
        return await ctx.loaders.draft_order_by_id.load(pk)
