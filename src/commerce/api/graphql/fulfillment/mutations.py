"""Warehouse mutations (MANAGE_FULFILLMENT): pick list, scan, pack, ship, cancel.

Each resolver checks the permission, decodes its input, calls one ``fulfillment`` service
function and maps the result."""

from __future__ import annotations

import strawberry

from commerce.accounts.permissions import Permission
from commerce.api.graphql import decode
from commerce.api.graphql.context import Context, Info
from commerce.api.graphql.errors import UserError, from_domain
from commerce.api.graphql.fulfillment.shipments import Shipment
from commerce.api.graphql.fulfillment.types import Fulfillment
from commerce.fulfillment import dispatch, service
from commerce.fulfillment.rules import Package
from commerce.payments.gateways import gateway_for
from commerce.shared.errors import DomainError
from commerce.shipping.carriers import Carrier

_ID = "The fulfillment."


@strawberry.input(description="Units of one order line to put on the pick list.")
class FulfillmentLineInput:
    order_line_id: strawberry.ID = strawberry.field(description="The order line.")
    quantity: int = strawberry.field(description="Units, at least 1 and at most what is "
                                                 "allocated in the warehouse and not yet in "
                                                 "another open fulfillment.")


@strawberry.input(description="A pick list from one warehouse's allocated stock.")
class FulfillmentCreateInput:
    order_id: strawberry.ID = strawberry.field(description="The order.")
    warehouse_id: strawberry.ID = strawberry.field(description="The warehouse to pick in.")
    lines: list[FulfillmentLineInput] = strawberry.field(
        default_factory=list,
        description="What to pick; empty (the default): everything of the order still to "
                    "fulfil from this warehouse.")


@strawberry.input(description="One scan of an item being picked.")
class FulfillmentItemScanInput:
    fulfillment_id: strawberry.ID = strawberry.field(description=_ID)
    barcode: str = strawberry.field(description="What the scanner read: the item's SKU (the "
                                                "Code 128 barcode on the packing slip).")
    quantity: int = strawberry.field(default=1, description="Units scanned at once, 1 to "
                                                            "10000 (default 1).")


@strawberry.input(description="One parcel's weight and outer dimensions.")
class FulfillmentPackageInput:
    weight_grams: int = strawberry.field(description="Weight in grams, 1 to 70000.")
    length_cm: int = strawberry.field(description="Length in centimetres, 1 to 275.")
    width_cm: int = strawberry.field(description="Width in centimetres, 1 to 275.")
    height_cm: int = strawberry.field(description="Height in centimetres, 1 to 275.")


@strawberry.input(description="Packing a fully picked fulfillment.")
class FulfillmentPackInput:
    fulfillment_id: strawberry.ID = strawberry.field(description=_ID)
    packages: list[FulfillmentPackageInput] = strawberry.field(
        description="The parcels, 1 to 50.")


@strawberry.input(description="Handing a packed fulfillment to a carrier.")
class ShipmentCreateInput:
    fulfillment_id: strawberry.ID = strawberry.field(description=_ID)
    carrier: Carrier = strawberry.field(description="The carrier.")
    service: str = strawberry.field(default="", description="The carrier's service, e.g. "
                                                            "\"Ground\"; at most 100 "
                                                            "characters.")
    tracking_number: str = strawberry.field(
        description="The carrier's tracking number; spaces and dashes are ignored and it must "
                    "fit the carrier's format.")


@strawberry.input(description="A fulfillment to cancel before it ships.")
class FulfillmentCancelInput:
    fulfillment_id: strawberry.ID = strawberry.field(description=_ID)


_FULFILLMENT = "The fulfillment as changed; null when `errors` is not empty."


@strawberry.type(description="Result of `fulfillmentCreate`.")
class FulfillmentCreatePayload:
    fulfillment: Fulfillment | None = strawberry.field(default=None, description=_FULFILLMENT)
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why nothing was created: NOT_FOUND (order, warehouse or line), "
                    "INVALID_STATE (order on hold, canceled, or unpaid), INSUFFICIENT_STOCK "
                    "(more than is allocated there and not yet being fulfilled).")


@strawberry.type(description="Result of `fulfillmentItemScan`.")
class FulfillmentItemScanPayload:
    fulfillment: Fulfillment | None = strawberry.field(default=None, description=_FULFILLMENT)
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why the scan was refused: WRONG_ITEM, OVER_PICK, INVALID_STATE (not "
                    "PICKING), NOT_FOUND.")


@strawberry.type(description="Result of `fulfillmentPack`.")
class FulfillmentPackPayload:
    fulfillment: Fulfillment | None = strawberry.field(default=None, description=_FULFILLMENT)
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why nothing was packed: INVALID (a parcel's measures), INVALID_STATE "
                    "(not PICKING, or items not all picked), NOT_FOUND.")


@strawberry.type(description="Result of `shipmentCreate`.")
class ShipmentCreatePayload:
    fulfillment: Fulfillment | None = strawberry.field(default=None, description=_FULFILLMENT)
    shipment: Shipment | None = strawberry.field(default=None, description="The new "
                                                 "shipment; null when `errors` is not empty.")
    capture_error: str | None = strawberry.field(
        default=None,
        description="Manual capture mode: why the payment for what shipped was not captured "
                    "now (e.g. the processor did not answer); the shipment stands and the "
                    "capture is retried by `commerce payments reconcile`. Null otherwise.")
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why nothing shipped: INVALID (tracking number or service), DUPLICATE "
                    "(carrier and tracking number already used), INVALID_STATE (not PACKED, "
                    "e.g. already shipped by someone else; or the order is on hold), "
                    "NOT_FOUND.")


@strawberry.type(description="Result of `fulfillmentCancel`.")
class FulfillmentCancelPayload:
    fulfillment: Fulfillment | None = strawberry.field(default=None, description=_FULFILLMENT)
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why nothing changed: INVALID_STATE (already shipped or canceled), "
                    "NOT_FOUND.")


async def _fresh(ctx: Context, pk: int) -> Fulfillment | None:
    ctx.loaders.clear_all()
    return await ctx.loaders.fulfillment_by_id.load(pk)


def _fulfillment_pk(value: strawberry.ID) -> int:
    return decode.pk(value, "Fulfillment", ["fulfillmentId"])


@strawberry.type
class FulfillmentMutation:
    @strawberry.mutation(description="Make a pick list from the order's stock allocated in a "
                                     "warehouse (status PICKING; tracking: PICKING). The order "
                                     "must be OPEN and paid (or authorised), unless it is "
                                     "cash on delivery. Needs MANAGE_FULFILLMENT.")
    async def fulfillment_create(self, info: Info, input: FulfillmentCreateInput
                                 ) -> FulfillmentCreatePayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_FULFILLMENT)
        try:
            order = decode.pk(input.order_id, "Order", ["orderId"])
            warehouse = decode.pk(input.warehouse_id, "Warehouse", ["warehouseId"])
            lines = [(decode.pk(line.order_line_id, "OrderLine",
                                ["lines", str(i), "orderLineId"]), line.quantity)
                     for i, line in enumerate(input.lines)]
            pk = await service.create_fulfillment(ctx.db, order, warehouse, lines,
                                                  actor_id=viewer.user_id)
        except DomainError as exc:
            return FulfillmentCreatePayload(errors=from_domain(exc))
        return FulfillmentCreatePayload(fulfillment=await _fresh(ctx, pk))

    @strawberry.mutation(description="Record a scanned item on a PICKING fulfillment: it must "
                                     "be on the list (else WRONG_ITEM) and not picked in full "
                                     "already (else OVER_PICK). Needs MANAGE_FULFILLMENT.")
    async def fulfillment_item_scan(self, info: Info, input: FulfillmentItemScanInput
                                    ) -> FulfillmentItemScanPayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_FULFILLMENT)
        try:
            pk = _fulfillment_pk(input.fulfillment_id)
            await service.scan_item(ctx.db, pk, input.barcode, input.quantity,
                                    actor_id=viewer.user_id)
        except DomainError as exc:
            return FulfillmentItemScanPayload(errors=from_domain(exc))
        return FulfillmentItemScanPayload(fulfillment=await _fresh(ctx, pk))

    @strawberry.mutation(description="Pack a fully picked fulfillment into parcels (PICKING -> "
                                     "PACKED; tracking: PACKED). Needs MANAGE_FULFILLMENT.")
    async def fulfillment_pack(self, info: Info, input: FulfillmentPackInput
                               ) -> FulfillmentPackPayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_FULFILLMENT)
        try:
            pk = _fulfillment_pk(input.fulfillment_id)
            packages = [Package(p.weight_grams, p.length_cm, p.width_cm, p.height_cm)
                        for p in input.packages]
            await service.pack(ctx.db, pk, packages, actor_id=viewer.user_id)
        except DomainError as exc:
            return FulfillmentPackPayload(errors=from_domain(exc))
        return FulfillmentPackPayload(fulfillment=await _fresh(ctx, pk))

    @strawberry.mutation(description="Hand a PACKED fulfillment to a carrier: a shipment with "
                                     "its tracking number; the stock leaves the warehouse once "
                                     "(journal: SHIPMENT); the order becomes partially or fully "
                                     "fulfilled (tracking: SHIPPED with the tracking link); in "
                                     "manual capture mode the payment for what shipped is "
                                     "captured. Needs MANAGE_FULFILLMENT.")
    async def shipment_create(self, info: Info, input: ShipmentCreateInput
                              ) -> ShipmentCreatePayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_FULFILLMENT)
        try:
            pk = _fulfillment_pk(input.fulfillment_id)
            shipped = await dispatch.ship(
                ctx.db, pk, input.carrier, input.service, input.tracking_number,
                actor_id=viewer.user_id, capture_mode=ctx.settings.payment_capture,
                gateway=gateway_for(ctx.settings))
        except DomainError as exc:
            return ShipmentCreatePayload(errors=from_domain(exc))
        fulfillment = await _fresh(ctx, pk)
        return ShipmentCreatePayload(
            fulfillment=fulfillment, capture_error=shipped.capture_error,
            shipment=await ctx.loaders.shipment_by_id.load(shipped.shipment_id))

    @strawberry.mutation(description="Cancel a fulfillment that has not shipped (PICKING or "
                                     "PACKED -> CANCELED); its units may go into another "
                                     "fulfillment, the order's allocation is untouched. Needs "
                                     "MANAGE_FULFILLMENT.")
    async def fulfillment_cancel(self, info: Info, input: FulfillmentCancelInput
                                 ) -> FulfillmentCancelPayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_FULFILLMENT)
        try:
            pk = _fulfillment_pk(input.fulfillment_id)
            await service.cancel(ctx.db, pk, actor_id=viewer.user_id)
        except DomainError as exc:
            return FulfillmentCancelPayload(errors=from_domain(exc))
        return FulfillmentCancelPayload(fulfillment=await _fresh(ctx, pk))
