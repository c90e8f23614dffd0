"""Fulfilment types: a pick list from one warehouse, its lines (picked vs required), its
parcels and its shipment. Staff data: reached through ``fulfillment``/``fulfillments`` (needs
MANAGE_FULFILLMENT) or ``Order.fulfillments`` (staff with MANAGE_FULFILLMENT or
MANAGE_ORDERS)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from commerce.accounts.permissions import Permission
from commerce.api.graphql.context import Info
from commerce.api.graphql.descriptions import describe_values
from commerce.api.graphql.fulfillment.shipments import Shipment
from commerce.api.graphql.inventory.types import Warehouse
from commerce.api.graphql.node import Node
from commerce.fulfillment.rules import FulfillmentStatus
from commerce.fulfillment.service import fulfillment_number
from commerce.fulfillment.slips import slip_path
from commerce.shared.ids import encode_id

if TYPE_CHECKING:
    from commerce.api.graphql.orders.types import Order, OrderLine

_ORDERS = "commerce.api.graphql.orders.types"

strawberry.enum(FulfillmentStatus, name="FulfillmentWorkStatus",
                description="Where a fulfillment is in the warehouse.")
describe_values(FulfillmentStatus, {
    FulfillmentStatus.PICKING: "Created; items are being picked and scanned "
                               "(fulfillmentItemScan).",
    FulfillmentStatus.PACKED: "Every item picked and packed into parcels; ready for "
                              "shipmentCreate.",
    FulfillmentStatus.SHIPPED: "Handed to a carrier (see `shipment`); its stock left the "
                               "warehouse.",
    FulfillmentStatus.CANCELED: "Canceled before shipping; its units may be fulfilled again.",
})


@strawberry.type(description="An order line's units in a fulfillment: how many to pick and "
                             "how many have been scanned.")
class FulfillmentLine:
    sku: str = strawberry.field(description="The SKU to pick; its Code 128 barcode is on the "
                                            "packing slip and is what fulfillmentItemScan "
                                            "expects.")
    product_name: str = strawberry.field(description="The product's name at purchase.")
    variant_name: str = strawberry.field(description="The variant's name; may be empty.")
    quantity: int = strawberry.field(description="Units required.")
    quantity_picked: int = strawberry.field(description="Units scanned so far, 0 to "
                                                        "`quantity`.")
    order_line_pk: strawberry.Private[int]
    order_pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any, order_pk: int) -> FulfillmentLine:
        return cls(sku=row.sku, product_name=row.product_name, variant_name=row.variant_name,
                   quantity=row.quantity, quantity_picked=row.quantity_picked,
                   order_line_pk=row.order_line_id, order_pk=order_pk)

    @strawberry.field(description="The order line these units belong to.",
                      graphql_type=Annotated["OrderLine", strawberry.lazy(_ORDERS)] | None)
    async def order_line(self, info: Info) -> OrderLine | None:
        lines = await info.context.loaders.lines_by_order_id.load(self.order_pk)
        return next((line for line in lines if line.pk == self.order_line_pk), None)


@strawberry.type(description="One parcel of a packed fulfillment.")
class FulfillmentPackage:
    weight_grams: int = strawberry.field(description="Weight in grams.")
    length_cm: int = strawberry.field(description="Length in centimetres.")
    width_cm: int = strawberry.field(description="Width in centimetres.")
    height_cm: int = strawberry.field(description="Height in centimetres.")

    @classmethod
    def from_row(cls, row: Any) -> FulfillmentPackage:
        return cls(weight_grams=row.weight_grams, length_cm=row.length_cm,
                   width_cm=row.width_cm, height_cm=row.height_cm)


@strawberry.type(description="Units of an order taken from one warehouse's allocated stock: a "
                             "pick list (PICKING), then parcels (PACKED), then a shipment "
                             "(SHIPPED). Staff only.")
class Fulfillment(Node):
    id: strawberry.ID
    number: str = strawberry.field(description="\"<order number>-<n>\": the order's n-th "
                                               "fulfillment.")
    status: FulfillmentStatus = strawberry.field(description="Where it is in the warehouse.")
    created_at: datetime = strawberry.field(description="When the pick list was made (UTC).")
    packed_at: datetime | None = strawberry.field(description="When it was packed (UTC); null "
                                                              "before.")
    shipped_at: datetime | None = strawberry.field(description="When it was shipped (UTC); "
                                                               "null before.")
    canceled_at: datetime | None = strawberry.field(description="When it was canceled (UTC); "
                                                                "null unless canceled.")
    pk: strawberry.Private[int]
    order_pk: strawberry.Private[int]
    warehouse_pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> Fulfillment:
        return cls(id=strawberry.ID(encode_id("Fulfillment", row.id)),
                   number=fulfillment_number(row.order_number, row.sequence),
                   status=FulfillmentStatus(row.status), created_at=row.created_at,
                   packed_at=row.packed_at, shipped_at=row.shipped_at,
                   canceled_at=row.canceled_at, pk=row.id, order_pk=row.order_id,
                   warehouse_pk=row.warehouse_id)

    @strawberry.field(description="The warehouse it is picked in and ships from.")
    async def warehouse(self, info: Info) -> Warehouse | None:
        return await info.context.loaders.warehouse_by_id.load(self.warehouse_pk)

    @strawberry.field(description="What to pick: each order line's units, required and "
                                  "picked so far.")
    async def lines(self, info: Info) -> list[FulfillmentLine]:
        rows = await info.context.loaders.fulfillment_lines_by_fulfillment_id.load(self.pk)
        return [FulfillmentLine.from_row(row, self.order_pk) for row in rows]

    @strawberry.field(description="The parcels it was packed into; empty before packing.")
    async def packages(self, info: Info) -> list[FulfillmentPackage]:
        return await info.context.loaders.packages_by_fulfillment_id.load(self.pk)

    @strawberry.field(description="The shipment made from it; null until shipped.")
    async def shipment(self, info: Info) -> Shipment | None:
        return await info.context.loaders.shipment_by_fulfillment_id.load(self.pk)

    @strawberry.field(description="The order; null for staff who may not read orders.",
                      graphql_type=Annotated["Order", strawberry.lazy(_ORDERS)] | None)
    async def order(self, info: Info) -> Order | None:
        return await info.context.loaders.order_by_id.load(self.order_pk)

    @strawberry.field(description="A link to the packing slip / pick list PDF (Code 128 "
                                  "barcodes for the order and each SKU), relative to the API's "
                                  "origin; signed and valid for "
                                  "COMMERCE_PACKING_SLIP_URL_MINUTES (default 15) minutes, "
                                  "needing no token. Null for anyone but staff with "
                                  "MANAGE_FULFILLMENT.")
    async def packing_slip_url(self, info: Info) -> str | None:
        if not await info.context.can(Permission.MANAGE_FULFILLMENT):
            return None
        return slip_path(info.context.settings, self.pk)
