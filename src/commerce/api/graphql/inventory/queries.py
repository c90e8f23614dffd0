"""Staff inventory queries."""

from __future__ import annotations

import strawberry

from commerce.accounts.permissions import Permission
from commerce.api.graphql.context import Info
from commerce.api.graphql.inventory.types import Warehouse
from commerce.api.graphql.pagination import Connection, bad_argument, connection
from commerce.api.graphql.permissions import require_any
from commerce.inventory import queries as inventory
from commerce.shared.pagination import PaginationError


@strawberry.type
class InventoryQuery:
    @strawberry.field(description="Warehouses by priority. Staff with MANAGE_INVENTORY or "
                                  "MANAGE_CATALOG only. At most 100 per page.")
    async def warehouses(self, info: Info, first: int | None = 20,
                         after: str | None = None) -> Connection[Warehouse]:
        await require_any(info.context, Permission.MANAGE_INVENTORY, Permission.MANAGE_CATALOG)
        try:
            page = await inventory.list_warehouses(info.context.reader, first=first,
                                                   after=after)
        except PaginationError as exc:
            raise bad_argument(exc) from None
        return connection(page, Warehouse.from_row)
