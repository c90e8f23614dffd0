"""Staff inventory queries."""

from __future__ import annotations

from typing import Annotated

import strawberry

from commerce.accounts.permissions import Permission
from commerce.api.graphql.catalog.types import ProductVariant
from commerce.api.graphql.context import Info
from commerce.api.graphql.inventory.types import StockMovement, Warehouse
from commerce.api.graphql.pagination import After, Connection, First, bad_argument, connection
from commerce.api.graphql.permissions import require_any
from commerce.inventory import queries as inventory
from commerce.inventory.journal import MovementReason
from commerce.shared.ids import InvalidIdError, decode_int_id
from commerce.shared.pagination import PaginationError

DEFAULT_LOW_STOCK_THRESHOLD = 5


@strawberry.input(description="Conditions stock movements must meet; all given must hold.")
class StockMovementFilter:
    variant_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only movements of this variant.")
    warehouse_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only movements in this warehouse.")
    reason: MovementReason | None = strawberry.field(
        default=None, description="Only movements with this reason.")
    order_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only movements caused by this order.")


def _movement_filter(flt: StockMovementFilter | None) -> inventory.MovementFilter:
    if flt is None:
        return inventory.MovementFilter()
    ids: list[int | None] = []
    for value, type_name in ((flt.variant_id, "ProductVariant"), (flt.warehouse_id, "Warehouse"),
                             (flt.order_id, "Order")):
        try:
            ids.append(None if value is None else decode_int_id(str(value), type_name))
        except InvalidIdError as exc:
            raise bad_argument(exc) from None
    return inventory.MovementFilter(variant_id=ids[0], warehouse_id=ids[1],
                                    reason=None if flt.reason is None else flt.reason.value,
                                    order_id=ids[2])


@strawberry.type
class InventoryQuery:
    @strawberry.field(description="Warehouses by priority. Staff with MANAGE_INVENTORY or "
                                  "MANAGE_CATALOG only. At most 100 per page.")
    async def warehouses(self, info: Info, first: First = 20,
                         after: After = None) -> Connection[Warehouse]:
        await require_any(info.context, Permission.MANAGE_INVENTORY, Permission.MANAGE_CATALOG)
        try:
            page = await inventory.list_warehouses(info.context.reader, first=first,
                                                   after=after)
        except PaginationError as exc:
            raise bad_argument(exc) from None
        return connection(page, Warehouse.from_row)

    @strawberry.field(description="The stock movements journal, newest first. Staff with "
                                  "MANAGE_INVENTORY. At most 100 per page.")
    async def stock_movements(self, info: Info, first: First = 20,
                              after: After = None,
                              filter: Annotated[StockMovementFilter | None, strawberry.argument(
                                  description="Conditions the movements must meet.")] = None,
                              ) -> Connection[StockMovement]:
        await info.context.require_staff(Permission.MANAGE_INVENTORY)
        flt = _movement_filter(filter)
        try:
            page = await inventory.list_movements(info.context.reader, flt, first=first,
                                                  after=after)
        except PaginationError as exc:
            raise bad_argument(exc) from None
        return connection(page, StockMovement.from_row)

    @strawberry.field(description="Tracked variants (of products not archived) whose available "
                                  "units — on hand minus allocated minus reserved, over active "
                                  "warehouses — "
                                  "are at or below their lowStockThreshold, or `threshold` for "
                                  "variants without one; scarcest first. Staff with "
                                  "MANAGE_INVENTORY. At most 100 per page.")
    async def low_stock_variants(self, info: Info, first: First = 20,
                                 after: After = None,
                                 threshold: Annotated[int, strawberry.argument(
                                     description="Units, 0 or more, for variants without their "
                                                 "own lowStockThreshold.")
                                 ] = DEFAULT_LOW_STOCK_THRESHOLD,
                                 ) -> Connection[ProductVariant]:
        await info.context.require_staff(Permission.MANAGE_INVENTORY)
        if threshold < 0:
            raise bad_argument(ValueError("`threshold` must be zero or more"))
        try:
            page = await inventory.list_low_stock(info.context.reader,
                                                  default_threshold=threshold, first=first,
                                                  after=after)
        except PaginationError as exc:
            raise bad_argument(exc) from None
        return connection(page, ProductVariant.from_row)
