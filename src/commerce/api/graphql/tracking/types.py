"""Tracking log types: what a customer watching an order sees, one numbered entry a change."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from commerce.api.graphql.context import Info
from commerce.api.graphql.descriptions import describe_values
from commerce.api.graphql.fulfillment.shipments import Shipment
from commerce.shared.errors import AuthError
from commerce.tracking.stream import Entry

if TYPE_CHECKING:
    from commerce.api.graphql.orders.types import Order

LazyOrder = Annotated["Order", strawberry.lazy("commerce.api.graphql.orders.types")]


@strawberry.enum(name="OrderTrackingEventType",
                 description="What happened to an order, as its customer sees it.")
class TrackingEventType(Enum):
    SNAPSHOT = "SNAPSHOT"
    PLACED = "PLACED"
    PAYMENT_CONFIRMED = "PAYMENT_CONFIRMED"
    ON_HOLD = "ON_HOLD"
    RELEASED = "RELEASED"
    PICKING = "PICKING"
    PACKED = "PACKED"
    SHIPPED = "SHIPPED"
    IN_TRANSIT = "IN_TRANSIT"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    DELIVERED = "DELIVERED"
    DELAYED = "DELAYED"
    CANCELED = "CANCELED"
    REFUNDED = "REFUNDED"
    RETURN_REQUESTED = "RETURN_REQUESTED"
    RETURN_APPROVED = "RETURN_APPROVED"
    RETURN_DECLINED = "RETURN_DECLINED"
    RETURN_RECEIVED = "RETURN_RECEIVED"


describe_values(TrackingEventType, {
    TrackingEventType.SNAPSHOT: "Only as the first message of an `orderTracking` stream "
                                "started without `sinceVersion`: the order as it is now, "
                                "`version` its current version; never stored.",
    TrackingEventType.PLACED: "The order was placed (always version 1).",
    TrackingEventType.PAYMENT_CONFIRMED: "Its payment was confirmed: paid in full, or a card "
                                         "authorised when payments are captured at shipping.",
    TrackingEventType.ON_HOLD: "The order was put on hold; nothing ships until it is released.",
    TrackingEventType.RELEASED: "The hold was lifted; processing continues.",
    TrackingEventType.PICKING: "The warehouse started picking it.",
    TrackingEventType.PACKED: "It was packed.",
    TrackingEventType.SHIPPED: "A parcel was handed to a carrier (see `shipment` for the "
                               "tracking link).",
    TrackingEventType.IN_TRANSIT: "The carrier reports the parcel on its way.",
    TrackingEventType.OUT_FOR_DELIVERY: "The parcel is out for delivery today.",
    TrackingEventType.DELIVERED: "The parcel was delivered.",
    TrackingEventType.DELAYED: "Delivery is late; the message gives the new expected date.",
    TrackingEventType.CANCELED: "The order was canceled.",
    TrackingEventType.REFUNDED: "Money was refunded (one entry per refund).",
    TrackingEventType.RETURN_REQUESTED: "The customer asked to return items; the shop will "
                                        "approve or decline the request.",
    TrackingEventType.RETURN_APPROVED: "A return was approved (or opened by the shop); the "
                                       "message carries the instructions for sending the "
                                       "items back.",
    TrackingEventType.RETURN_DECLINED: "A return request was declined; the message says why.",
    TrackingEventType.RETURN_RECEIVED: "Returned items arrived at the shop.",
})


@strawberry.type(description="One entry of an order's tracking log. Versions count 1, 2, 3... "
                             "per order without gaps, in the order the changes happened: a "
                             "client that saw version n resumes with `sinceVersion: n`.")
class OrderTrackingEvent:
    version: int = strawberry.field(
        description="The entry's number in its order's log (PLACED is 1); for SNAPSHOT, the "
                    "order's current version (0 before anything was recorded).")
    type: TrackingEventType = strawberry.field(description="What happened.")
    occurred_at: datetime = strawberry.field(
        description="When it happened (UTC); for SNAPSHOT, when the snapshot was taken.")
    message: str | None = strawberry.field(
        description="Words for the customer; null when there are none.")
    order_pk: strawberry.Private[int]
    shipment_pk: strawberry.Private[int | None]
    parent: strawberry.Private[Order | None] = None

    @classmethod
    def of(cls, entry: Entry, parent: Order | None = None) -> OrderTrackingEvent:
        return cls(version=entry.version, type=TrackingEventType(entry.type),
                   occurred_at=entry.occurred_at, message=entry.message or None,
                   order_pk=entry.order_id, shipment_pk=entry.shipment_id, parent=parent)

    @strawberry.field(description="The order it happened to.")
    async def order(self, info: Info) -> LazyOrder:
        if self.parent is not None:
            return self.parent
        found = await info.context.loaders.order_by_id.load(self.order_pk)
        if found is None and info.context.order_token:
            from commerce.api.graphql.orders.queries import order_via_token

            found = await order_via_token(info.context, info.context.order_token)
            if found is not None and found.pk != self.order_pk:
                found = None
        if found is None:
            raise AuthError("FORBIDDEN", "you may not read this order")
        return found

    @strawberry.field(description="The shipment it is about (SHIPPED and carrier updates); "
                                  "null otherwise.")
    async def shipment(self, info: Info) -> Shipment | None:
        if self.shipment_pk is None:
            return None
        return await info.context.loaders.shipment_by_id.load(self.shipment_pk)
