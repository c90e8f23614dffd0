"""Inventory object types: warehouses and stock levels (staff only)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import strawberry

from commerce.api.graphql.context import Info
from commerce.api.graphql.node import Node
from commerce.shared.ids import encode_id


@strawberry.type(description="A place stock is kept. Staff only.")
class Warehouse(Node):
    id: strawberry.ID
    name: str
    code: str
    street_address_1: str
    city: str
    postal_code: str
    country_code: str
    priority: int = strawberry.field(description="Lower is preferred when stock is taken.")
    is_active: bool
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
    warehouse_id: strawberry.Private[int]
    variant_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> Stock:
        return cls(quantity=row.quantity, allocated=row.allocated,
                   warehouse_id=row.warehouse_id, variant_id=row.variant_id)

    @strawberry.field(description="Units that can still be sold: on hand minus allocated.")
    def available(self) -> int:
        return self.quantity - self.allocated

    @strawberry.field(graphql_type=Warehouse)
    def warehouse(self, info: Info) -> Awaitable[Warehouse | None]:
        return info.context.loaders.warehouse_by_id.load(self.warehouse_id)
