"""Staff fulfilment queries (MANAGE_FULFILLMENT): one fulfillment, and the warehouse's
queue."""

from __future__ import annotations

from typing import Annotated

import strawberry

from commerce.accounts.permissions import Permission
from commerce.api.graphql.context import Info
from commerce.api.graphql.fulfillment.types import Fulfillment
from commerce.api.graphql.pagination import After, Connection, First, bad_argument, connection
from commerce.fulfillment import queries
from commerce.fulfillment.rules import FulfillmentStatus
from commerce.shared.ids import InvalidIdError, decode_int_id
from commerce.shared.pagination import PaginationError


@strawberry.input(description="Which fulfillments to list.")
class FulfillmentFilter:
    status: FulfillmentStatus | None = strawberry.field(
        default=None, description="Only fulfillments in this status (e.g. PICKING: the pick "
                                  "queue).")
    warehouse_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only fulfillments picked in this warehouse.")


@strawberry.type
class FulfillmentQuery:
    @strawberry.field(description="A fulfillment by ID; null when there is none. Needs "
                                  "MANAGE_FULFILLMENT.")
    async def fulfillment(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="The fulfillment's ID.")]) -> Fulfillment | None:
        await info.context.require_staff(Permission.MANAGE_FULFILLMENT)
        try:
            pk = decode_int_id(str(id), "Fulfillment")
        except InvalidIdError:
            return None
        return await info.context.loaders.fulfillment_by_id.load(pk)

    @strawberry.field(description="Fulfillments oldest first: the warehouse's work queue. "
                                  "Needs MANAGE_FULFILLMENT. At most 100 per page.")
    async def fulfillments(self, info: Info, first: First = 20, after: After = None,
                           filter: Annotated[FulfillmentFilter | None, strawberry.argument(
                               description="Which fulfillments to list.")] = None,
                           ) -> Connection[Fulfillment]:
        ctx = info.context
        await ctx.require_staff(Permission.MANAGE_FULFILLMENT)
        status = filter.status.value if filter and filter.status else None
        try:
            warehouse = (decode_int_id(str(filter.warehouse_id), "Warehouse")
                         if filter and filter.warehouse_id else None)
            page = await queries.fulfillment_queue(ctx.reader, status=status,
                                                   warehouse_id=warehouse, first=first,
                                                   after=after)
        except (PaginationError, InvalidIdError) as exc:
            raise bad_argument(exc) from None
        return connection(page, Fulfillment.from_row)
