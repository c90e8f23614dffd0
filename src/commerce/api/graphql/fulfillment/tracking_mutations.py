"""``shipmentTrackingEventAdd``: staff (MANAGE_FULFILLMENT) record a tracking event by hand,
applied exactly like a carrier's webhook (``shipping.shipment_tracking``)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from commerce.accounts.permissions import Permission
from commerce.api.graphql import decode
from commerce.api.graphql.context import Info
from commerce.api.graphql.errors import UserError, from_domain
from commerce.api.graphql.fulfillment.shipments import Shipment
from commerce.fulfillment.queries import shipments_by_ids
from commerce.shared.errors import DomainError
from commerce.shipping.shipment_tracking import add_staff_event
from commerce.shipping.tracking import TrackingStatus


@strawberry.input(description="A tracking event for a shipment, entered by staff (e.g. what "
                               "the carrier said on the phone).")
class ShipmentTrackingEventAddInput:
    shipment_id: strawberry.ID = strawberry.field(description="The shipment.")
    status: TrackingStatus = strawberry.field(
        description="What the carrier reports: IN_TRANSIT, OUT_FOR_DELIVERY, DELIVERED, "
                    "DELAYED or EXCEPTION (SHIPPED is not a carrier status: INVALID).")
    occurred_at: datetime | None = strawberry.field(
        default=None, description="When it happened, with a UTC offset; at most 15 minutes "
                                  "ahead of now. Default: now. An event older than the "
                                  "shipment's newest one is kept but does not change its "
                                  "status.")
    eta: date | None = strawberry.field(
        default=None, description="The new expected delivery date, if the carrier gave one.")
    location: str = strawberry.field(default="",
                                     description="Where it happened; at most 200 characters.")
    message: str = strawberry.field(
        default="", description="Details for staff and the customer (e.g. \"left with "
                                "neighbour\"); at most 1000 characters.")


@strawberry.type(description="Result of `shipmentTrackingEventAdd`.")
class ShipmentTrackingEventAddPayload:
    shipment: Shipment | None = strawberry.field(
        default=None, description="The shipment after the event; null when `errors` is not "
                                  "empty.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing was recorded (NOT_FOUND shipment; "
                                          "INVALID status, occurredAt, location or message).")


@strawberry.type
class ShipmentTrackingMutation:
    @strawberry.mutation(description="Record a tracking event for a shipment by hand. It is "
                                     "applied like a carrier's: the shipment's status follows "
                                     "its newest event, the order's tracking log gets an "
                                     "entry when that status changes, and a DELAYED or "
                                     "EXCEPTION gives the customer a delay notice (once per "
                                     "new expected date). Needs MANAGE_FULFILLMENT.")
    async def shipment_tracking_event_add(self, info: Info,
                                          input: ShipmentTrackingEventAddInput
                                          ) -> ShipmentTrackingEventAddPayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_FULFILLMENT)
        try:
            pk = decode.pk(input.shipment_id, "Shipment", ["shipmentId"])
            await add_staff_event(ctx.db, pk, status=input.status,
                                  occurred_at=input.occurred_at, eta=input.eta,
                                  location=input.location, message=input.message,
                                  actor_id=viewer.user_id)
        except DomainError as exc:
            return ShipmentTrackingEventAddPayload(errors=from_domain(exc))
        rows = await shipments_by_ids(ctx.reader, [pk])
        return ShipmentTrackingEventAddPayload(shipment=Shipment.from_row(rows[pk]))
