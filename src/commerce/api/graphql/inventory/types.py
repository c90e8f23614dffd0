"""Inventory object types: warehouses, stock levels and the movements journal (staff only)."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from commerce.api.graphql.context import Info
from commerce.api.graphql.descriptions import describe_values
from commerce.api.graphql.node import Node
from commerce.inventory.journal import MovementReason
from commerce.shared.ids import encode_id

if TYPE_CHECKING:
    from commerce.api.graphql.accounts.types import User
    from commerce.api.graphql.catalog.types import ProductVariant
    from commerce.api.graphql.orders.types import Order

strawberry.enum(MovementReason, name="StockMovementReason",
                description="Why stock changed: ALLOCATION to an order, RELEASE (order "
                            "canceled), ADJUSTMENT or SET by staff; RECEIPT, SHIPMENT and "
                            "RETURN arrive with purchasing, fulfillment and returns.")
describe_values(MovementReason, {
    MovementReason.ALLOCATION: "Units were allocated to an order (checkout).",
    MovementReason.RELEASE: "Units allocated to an order were released (order canceled).",
    MovementReason.ADJUSTMENT: "Staff added or removed units on hand (stockAdjust).",
    MovementReason.SET: "Staff set the units on hand after a count (stockSet).",
    MovementReason.RECEIPT: "Units were received from a supplier.",
    MovementReason.SHIPMENT: "Units left the warehouse in a shipment.",
    MovementReason.RETURN: "Units came back from a customer return.",
})


@strawberry.type(description="A place stock is kept. Staff only.")
class Warehouse(Node):
    id: strawberry.ID
    name: str = strawberry.field(description="Display name.")
    code: str = strawberry.field(
        description="Unique short code, e.g. \"MAIN\".")
    street_address_1: str = strawberry.field(description="Street line; may be empty.")
    city: str = strawberry.field(description="City; may be empty.")
    postal_code: str = strawberry.field(description="Postal code; may be empty.")
    country_code: str = strawberry.field(description="ISO 3166-1 alpha-2 country code.")
    priority: int = strawberry.field(description="Lower is preferred when stock is taken.")
    is_active: bool = strawberry.field(
        description="Whether its stock can be sold; inactive warehouses are skipped.")
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> Warehouse:
        return cls(id=strawberry.ID(encode_id("Warehouse", row.id)), name=row.name,
                   code=row.code, street_address_1=row.street_address_1, city=row.city,
                   postal_code=row.postal_code, country_code=row.country_code,
                   priority=row.priority, is_active=row.is_active, pk=row.id)


@strawberry.type(description="A variant's stock in one warehouse.")
class Stock:
    quantity: int = strawberry.field(description="Units on hand.")
    allocated: int = strawberry.field(description="Units on hand promised to orders.")
    reserved: int = strawberry.field(
        description="Units held for carts whose card payment is in progress; each hold lapses "
                    "by itself when its time is up (COMMERCE_RESERVATION_MINUTES).")
    warehouse_id: strawberry.Private[int]
    variant_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> Stock:
        return cls(quantity=row.quantity, allocated=row.allocated, reserved=int(row.reserved),
                   warehouse_id=row.warehouse_id, variant_id=row.variant_id)

    @strawberry.field(description="Units that can still be sold: on hand minus allocated "
                                  "minus reserved (never below 0).")
    def available(self) -> int:
        return max(self.quantity - self.allocated - self.reserved, 0)

    @strawberry.field(
        description="The warehouse this stock is in.",
        graphql_type=Warehouse)
    def warehouse(self, info: Info) -> Awaitable[Warehouse | None]:
        return info.context.loaders.warehouse_by_id.load(self.warehouse_id)


@strawberry.type(description="One change to a stock row, with why and who. Staff only.")
class StockMovement:
    id: strawberry.ID = strawberry.field(description="Opaque ID of the movement.")
    reason: MovementReason = strawberry.field(description="Why the stock changed.")
    sku: str = strawberry.field(description="The variant's SKU when the stock changed; kept "
                                            "after the variant is deleted.")
    quantity_delta: int = strawberry.field(description="Change to units on hand.")
    allocated_delta: int = strawberry.field(description="Change to units allocated.")
    quantity_after: int = strawberry.field(description="Units on hand after the change.")
    allocated_after: int = strawberry.field(description="Units allocated after the change.")
    note: str = strawberry.field(description="The reason staff gave for an adjustment.")
    created_at: datetime = strawberry.field(description="When the change happened (UTC).")
    order_id: strawberry.ID | None = strawberry.field(
        description="The order that allocated or released the stock.")
    variant_pk: strawberry.Private[int]
    warehouse_pk: strawberry.Private[int]
    actor_pk: strawberry.Private[int | None]
    order_pk: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> StockMovement:
        return cls(
            id=strawberry.ID(encode_id("StockMovement", row.id)),
            reason=MovementReason(row.reason), sku=row.sku, quantity_delta=row.quantity_delta,
            allocated_delta=row.allocated_delta, quantity_after=row.quantity_after,
            allocated_after=row.allocated_after, note=row.note, created_at=row.created_at,
            order_id=None if row.order_id is None
            else strawberry.ID(encode_id("Order", row.order_id)),
            variant_pk=row.variant_id, warehouse_pk=row.warehouse_id, actor_pk=row.actor_id,
            order_pk=row.order_id)

    @strawberry.field(
        graphql_type=Annotated["ProductVariant", strawberry.lazy(
            "commerce.api.graphql.catalog.types")] | None,
        description="The variant; null once it has been deleted (its movements stay).")
    def variant(self, info: Info) -> Awaitable[ProductVariant | None]:
        return info.context.loaders.variant_by_id.load(self.variant_pk)

    @strawberry.field(
        description="The warehouse whose stock changed; null once deleted.",
        graphql_type=Warehouse | None)
    def warehouse(self, info: Info) -> Awaitable[Warehouse | None]:
        return info.context.loaders.warehouse_by_id.load(self.warehouse_pk)

    @strawberry.field(description="The staff member who made the change; null when a "
                                  "shopper's checkout or the system made it (see order).")
    async def actor(self, info: Info) -> Annotated[
            User, strawberry.lazy("commerce.api.graphql.accounts.types")] | None:
        if self.actor_pk is None:
            return None
        user = await info.context.loaders.user_by_id.load(self.actor_pk)
        return user if user is not None and user.is_staff else None

    @strawberry.field(description="The order, for staff who may read it (MANAGE_ORDERS); "
                                  "orderId is always shown.")
    async def order(self, info: Info) -> Annotated[
            Order, strawberry.lazy("commerce.api.graphql.orders.types")] | None:
        if self.order_pk is None:
            return None
        return await info.context.loaders.order_by_id.load(self.order_pk)
