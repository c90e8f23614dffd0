"""Shipment types: a parcel handed to a carrier, where it is, and its tracking events."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry

from commerce.api.graphql.context import Info
from commerce.api.graphql.descriptions import describe_values
from commerce.shared.ids import encode_id
from commerce.shipping.carriers import Carrier, carrier_info, tracking_url
from commerce.shipping.tracking import TrackingStatus

strawberry.enum(Carrier, name="Carrier", description="A carrier parcels are handed to.")
describe_values(Carrier, {c: carrier_info(c).name for c in Carrier})
strawberry.enum(TrackingStatus, name="ShipmentStatus", description="Where a shipment is.")
describe_values(TrackingStatus, {
    TrackingStatus.SHIPPED: "Handed to the carrier; no carrier scan reported yet.",
    TrackingStatus.IN_TRANSIT: "On its way (the carrier's latest scan).",
    TrackingStatus.DELAYED: "The carrier reports a delay; `eta` is the new expected date "
                            "when it gave one.",
    TrackingStatus.OUT_FOR_DELIVERY: "On the delivery vehicle today.",
    TrackingStatus.EXCEPTION: "A problem the carrier reported (damaged, address problem, "
                              "returned to sender); see the latest event's message.",
    TrackingStatus.DELIVERED: "Delivered.",
})


@strawberry.enum(description="Who reported a tracking event.")
class ShipmentEventSource(Enum):
    CARRIER = "CARRIER"
    STAFF = "STAFF"


describe_values(ShipmentEventSource, {
    ShipmentEventSource.CARRIER: "The carrier's webhook (`POST /webhooks/carriers/{carrier}`).",
    ShipmentEventSource.STAFF: "Entered by staff (`shipmentTrackingEventAdd`).",
})


@strawberry.type(description="One scan or status report for a shipment.")
class ShipmentEvent:
    status: TrackingStatus = strawberry.field(description="What the carrier reported.")
    occurred_at: datetime = strawberry.field(
        description="When it happened (UTC), as the carrier reported it; events arrive late "
                    "and out of order, and are listed by this time.")
    eta: date | None = strawberry.field(
        description="The expected delivery date the event gave; null if none.")
    location: str = strawberry.field(description="Where it happened; may be empty.")
    message: str = strawberry.field(description="The carrier's or staff member's words; may "
                                                "be empty.")
    source: ShipmentEventSource = strawberry.field(description="Who reported it.")

    @classmethod
    def from_row(cls, row: Any) -> ShipmentEvent:
        return cls(status=TrackingStatus(row.status), occurred_at=row.occurred_at, eta=row.eta,
                   location=row.location, message=row.message,
                   source=ShipmentEventSource(row.source))


@strawberry.type(description="A fulfilment handed to a carrier: its tracking number and link, "
                             "where it is and when it should arrive.")
class Shipment:
    id: strawberry.ID = strawberry.field(description="Opaque ID of the shipment.")
    carrier: Carrier = strawberry.field(description="Who carries it.")
    service: str = strawberry.field(description="The carrier's service (e.g. \"Ground\"); may "
                                                "be empty.")
    tracking_number: str = strawberry.field(
        description="The carrier's tracking number, normalised (no spaces or dashes, "
                    "upper-case).")
    status: TrackingStatus = strawberry.field(
        description="Where it is: the newest event's status (an older event reported late "
                    "never overrides it; DELIVERED stays unless a later EXCEPTION).")
    status_at: datetime = strawberry.field(description="When the current status was reached "
                                                       "(UTC).")
    eta: date | None = strawberry.field(
        description="The carrier's latest expected delivery date; null if it gave none.")
    promised_date: date | None = strawberry.field(
        description="The last day the shipping method promised delivery by (its delivery "
                    "days counted in business days from shipping); null if unknown. Past it "
                    "undelivered, the customer gets a delay notice.")
    delivered_at: datetime | None = strawberry.field(
        description="When it was delivered (UTC); null until then.")
    shipped_at: datetime = strawberry.field(description="When it was handed to the carrier "
                                                        "(UTC).")
    pk: strawberry.Private[int]
    fulfillment_pk: strawberry.Private[int]
    order_pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> Shipment:
        return cls(id=strawberry.ID(encode_id("Shipment", row.id)),
                   carrier=Carrier(row.carrier), service=row.service,
                   tracking_number=row.tracking_number, status=TrackingStatus(row.status),
                   status_at=row.status_at, eta=row.eta, promised_date=row.promised_date,
                   delivered_at=row.delivered_at, shipped_at=row.shipped_at, pk=row.id,
                   fulfillment_pk=row.fulfillment_id, order_pk=row.order_id)

    @strawberry.field(description="The carrier's public tracking page for this parcel; null "
                                  "for carrier OTHER.")
    def tracking_url(self) -> str | None:
        return tracking_url(self.carrier, self.tracking_number)

    @strawberry.field(description="Every tracking event reported, oldest first (by when it "
                                  "happened).")
    async def events(self, info: Info) -> list[ShipmentEvent]:
        return await info.context.loaders.events_by_shipment_id.load(self.pk)
