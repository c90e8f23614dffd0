"""Live order tracking subscriptions: ``orderTracking`` (one order) and ``orderEvents``
(every order, for staff dashboards). Both end after ``COMMERCE_SUBSCRIPTION_MAX_SECONDS``;
a client resubscribes with ``sinceVersion`` and misses nothing."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from typing import Annotated, Any

import strawberry

from commerce.api.graphql.context import Info
from commerce.api.graphql.tracking.access import (
    followable_order,
    require_dashboard,
    resume_version,
)
from commerce.api.graphql.tracking.types import OrderTrackingEvent
from commerce.orders.state import OrderStatus
from commerce.tracking.hub import hub_for
from commerce.tracking.stream import Entry, follow_all, follow_order


@strawberry.input(description="Which orders' tracking entries a staff stream receives.")
class OrderEventsFilter:
    status: list[OrderStatus] | None = strawberry.field(
        default=None, description="Only entries whose order was in one of these statuses "
                                  "right after the change; null or empty means all.")


async def _events(entries: AsyncIterator[Entry]) -> AsyncGenerator[OrderTrackingEvent, None]:
    try:
        async for entry in entries:
            yield OrderTrackingEvent.of(entry)
    finally:
        aclose = getattr(entries, "aclose", None)
        if aclose is not None:
            await aclose()


@strawberry.type
class TrackingSubscription:
    @strawberry.subscription(description=(
        "An order's tracking log, live: without `sinceVersion` a SNAPSHOT first (carrying "
        "the current version), then every new entry; with it, exactly the stored entries "
        "after that version, in order, then live ones. For the order's customer, the guest "
        "holding its token (`connection_init` payload `{\"orderToken\": \"...\"}`) and staff "
        "with MANAGE_ORDERS; anyone else gets FORBIDDEN. Ends after "
        "COMMERCE_SUBSCRIPTION_MAX_SECONDS (default 4 hours): resubscribe with the last "
        "version seen."))
    async def order_tracking(
        self, info: Info,
        order_id: Annotated[strawberry.ID, strawberry.argument(
            description="The order's ID.")],
        since_version: Annotated[int | None, strawberry.argument(
            description="The last version the client has; the stream replays the entries "
                        "after it. Null: start with a SNAPSHOT.")] = None,
    ) -> AsyncGenerator[OrderTrackingEvent, None]:
        ctx = info.context
        pk = await followable_order(ctx, str(order_id))
        since = resume_version(since_version, ctx.last_event_id)
        hub = await hub_for(ctx.db, ctx.settings)
        return _events(follow_order(hub, ctx.db, pk, since,
                                    max_seconds=ctx.settings.subscription_max_seconds))

    @strawberry.subscription(description=(
        "Every order's new tracking entries as they happen (staff dashboards; needs "
        "MANAGE_ORDERS). No replay: query `Order.trackingEvents` for history. Ends after "
        "COMMERCE_SUBSCRIPTION_MAX_SECONDS (default 4 hours)."))
    async def order_events(
        self, info: Info,
        filter: Annotated[OrderEventsFilter | None, strawberry.argument(
            description="Which entries to receive; null means all.")] = None,
    ) -> AsyncGenerator[OrderTrackingEvent, None]:
        ctx = info.context
        await require_dashboard(ctx)
        statuses = {s.value for s in (filter.status or [])} if filter else set()

        def wanted(row: Any) -> bool:
            return not statuses or row.order_status in statuses

        hub = await hub_for(ctx.db, ctx.settings)
        return _events(follow_all(hub, ctx.db, wanted=wanted,
                                  max_seconds=ctx.settings.subscription_max_seconds))
