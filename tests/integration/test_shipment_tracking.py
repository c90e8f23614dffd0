"""Tracking events applied to shipments on a real database: in any order, once, with the
order's tracking log following the shipment's visible status and never going backwards, and
the order's fulfilment status DELIVERED once every shipment is."""

from __future__ import annotations

import asyncio
import random
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from commerce.db.database import Database
from commerce.db.models import OrderTrackingEvent, ShipmentEvent
from commerce.settings import Settings
from commerce.shared.clock import utcnow
from commerce.shipping.shipment_tracking import (
    EventSource,
    ShipmentNotFound,
    TrackingResult,
    apply_tracking_event,
)
from commerce.shipping.tracking import TrackingStatus
from tests.order_factories import make_shop
from tests.shipment_factories import (
    count,
    fulfillment_status,
    ship_order,
    shipment_row,
    tracking_entries,
)

pytestmark = pytest.mark.timeout(120)

T0 = utcnow().replace(microsecond=0) - timedelta(hours=20)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


async def send(db: Database, shipment_id: int, event_id: str, status: TrackingStatus,
               occurred_at: datetime, *, eta: date | None = None,
               location: str | None = None) -> TrackingResult:
    return await apply_tracking_event(
        db, external_id=event_id, status=status, occurred_at=occurred_at,
        shipment_id=shipment_id, eta=eta, location=location, source=EventSource.CARRIER)


async def status_entries(db: Database, order_id: int) -> list[tuple[str, dict[str, Any]]]:
    """The order's shipment status entries (not PLACED etc.), in version order."""
    async with db.transaction() as s:
        rows = (await s.execute(
            select(OrderTrackingEvent.type, OrderTrackingEvent.data)
            .where(OrderTrackingEvent.order_id == order_id,
                   OrderTrackingEvent.shipment_id.is_not(None))
            .order_by(OrderTrackingEvent.version))).all()
    return [(str(r[0]), dict(r[1])) for r in rows]


async def test_an_event_moves_the_shipment_and_appends_one_entry(
        db: Database, settings: Settings) -> None:
    shipped = await ship_order(db, settings)
    before = await tracking_entries(db, shipped.order.pk)
    result = await send(db, shipped.shipment_id, "e1", TrackingStatus.IN_TRANSIT, at(1),
                        eta=date(2031, 1, 2), location="Memphis, TN")
    assert result.applied and result.status is TrackingStatus.IN_TRANSIT
    row = await shipment_row(db, shipped.shipment_id)
    assert (row.status, row.eta, row.latest_at) == ("IN_TRANSIT", date(2031, 1, 2), at(1))
    after = await tracking_entries(db, shipped.order.pk)
    assert after[:-1] == before
    version, type_, message = after[-1]
    assert (version, type_) == (len(before) + 1, "IN_TRANSIT")
    assert "Memphis, TN" in message and "2031-01-02" in message
    # A second scan with the same status is stored but tells the customer nothing new.
    await send(db, shipped.shipment_id, "e2", TrackingStatus.IN_TRANSIT, at(2))
    assert await tracking_entries(db, shipped.order.pk) == after
    assert await count(db, ShipmentEvent, shipment_id=shipped.shipment_id) == 2


async def test_a_duplicate_event_id_changes_nothing(db: Database, settings: Settings) -> None:
    shipped = await ship_order(db, settings)
    await send(db, shipped.shipment_id, "e1", TrackingStatus.IN_TRANSIT, at(1))
    entries = await tracking_entries(db, shipped.order.pk)
    # Same id, even with other contents: the carrier's id is the identity.
    again = await send(db, shipped.shipment_id, "e1", TrackingStatus.DELIVERED, at(2))
    assert not again.applied and again.status is TrackingStatus.IN_TRANSIT
    assert await count(db, ShipmentEvent) == 1
    assert await tracking_entries(db, shipped.order.pk) == entries
    assert (await shipment_row(db, shipped.shipment_id)).status == "IN_TRANSIT"


async def test_an_unknown_shipment_is_not_found(db: Database, settings: Settings) -> None:
    with pytest.raises(ShipmentNotFound):
        await send(db, 999, "e1", TrackingStatus.IN_TRANSIT, at(1))


async def test_an_older_event_never_overwrites_delivered(db: Database,
                                                         settings: Settings) -> None:
    shipped = await ship_order(db, settings)
    await send(db, shipped.shipment_id, "d", TrackingStatus.DELIVERED, at(5))
    await send(db, shipped.shipment_id, "t", TrackingStatus.IN_TRANSIT, at(1))
    await send(db, shipped.shipment_id, "o", TrackingStatus.OUT_FOR_DELIVERY, at(4))
    row = await shipment_row(db, shipped.shipment_id)
    assert (row.status, row.status_at, row.delivered_at) == ("DELIVERED", at(5), at(5))
    assert [t for t, _ in await status_entries(db, shipped.order.pk)] == ["DELIVERED"]


_SEQUENCE = [
    ("a", TrackingStatus.IN_TRANSIT, 1, date(2031, 1, 5), "Louisville, KY"),
    ("b", TrackingStatus.IN_TRANSIT, 2, None, "Chicago, IL"),
    ("c", TrackingStatus.DELAYED, 3, date(2031, 1, 7), "Chicago, IL"),
    ("d", TrackingStatus.IN_TRANSIT, 4, None, "Springfield, IL"),
    ("e", TrackingStatus.OUT_FOR_DELIVERY, 5, None, "Springfield, IL"),
    ("f", TrackingStatus.DELIVERED, 6, None, "Springfield, IL"),
]


async def test_shuffled_sequences_end_in_the_same_state_and_entries_never_go_backwards(
        db: Database, settings: Settings) -> None:
    rng = random.Random(8)
    orders = [list(_SEQUENCE)] + [rng.sample(_SEQUENCE, len(_SEQUENCE)) for _ in range(5)]
    finals = []
    shop = await make_shop(db)
    for order in orders:
        shipped = await ship_order(db, settings, shop=shop)
        for event_id, status, hours, eta, location in order:
            # Carrier event ids are unique per carrier, not per shipment.
            await send(db, shipped.shipment_id, f"{shipped.shipment_id}-{event_id}", status,
                       at(hours), eta=eta, location=location)
        row = await shipment_row(db, shipped.shipment_id)
        finals.append((row.status, row.status_at, row.latest_status, row.latest_at,
                       row.delivered_at, row.exception_at, row.eta, row.eta_at))
        entries = await status_entries(db, shipped.order.pk)
        # Each status entry reports a newer carrier event than the one before it, and
        # nothing follows DELIVERED (no exception in this sequence).
        moments = [datetime.fromisoformat(d["occurred_at"]) for t, d in entries
                   if t != "DELAYED"]
        assert moments == sorted(set(moments)), (order, entries)
        assert entries[-1][0] == "DELIVERED", (order, entries)
        assert await fulfillment_status(db, shipped.order.pk) == "DELIVERED"
    assert len(set(finals)) == 1
    assert finals[0][:2] == ("DELIVERED", at(6))
    assert finals[0][6] == date(2031, 1, 7)  # the newest ETA given (by event c)


async def test_an_exception_after_delivery_reopens_and_a_later_delivery_closes_again(
        db: Database, settings: Settings) -> None:
    shipped = await ship_order(db, settings)
    await send(db, shipped.shipment_id, "d1", TrackingStatus.DELIVERED, at(1))
    assert await fulfillment_status(db, shipped.order.pk) == "DELIVERED"
    # An exception from BEFORE the delivery changes nothing.
    await send(db, shipped.shipment_id, "x0", TrackingStatus.EXCEPTION, at(0.5))
    assert (await shipment_row(db, shipped.shipment_id)).status == "DELIVERED"
    assert [t for t, _ in await status_entries(db, shipped.order.pk)] == ["DELIVERED"]
    await send(db, shipped.shipment_id, "x1", TrackingStatus.EXCEPTION, at(2),
               location="Springfield, IL")
    assert (await shipment_row(db, shipped.shipment_id)).status == "EXCEPTION"
    assert await fulfillment_status(db, shipped.order.pk) == "FULFILLED"
    entries = await status_entries(db, shipped.order.pk)
    assert [t for t, _ in entries] == ["DELIVERED", "DELAYED"]
    assert entries[-1][1]["reason"] == "CARRIER_EXCEPTION"
    await send(db, shipped.shipment_id, "d2", TrackingStatus.DELIVERED, at(3))
    assert [t for t, _ in await status_entries(db, shipped.order.pk)] == [
        "DELIVERED", "DELAYED", "DELIVERED"]
    assert await fulfillment_status(db, shipped.order.pk) == "DELIVERED"


async def test_the_eta_follows_the_newest_event_that_gives_one(
        db: Database, settings: Settings) -> None:
    shipped = await ship_order(db, settings)
    await send(db, shipped.shipment_id, "a", TrackingStatus.IN_TRANSIT, at(1),
               eta=date(2031, 1, 5))
    await send(db, shipped.shipment_id, "b", TrackingStatus.IN_TRANSIT, at(3),
               eta=date(2031, 1, 8))
    await send(db, shipped.shipment_id, "c", TrackingStatus.IN_TRANSIT, at(2),
               eta=date(2031, 1, 6))  # late and older: ignored
    await send(db, shipped.shipment_id, "d", TrackingStatus.IN_TRANSIT, at(4))  # none given
    row = await shipment_row(db, shipped.shipment_id)
    assert (row.eta, row.eta_at) == (date(2031, 1, 8), at(3))


async def test_the_order_is_delivered_only_when_every_shipment_is(
        db: Database, settings: Settings) -> None:
    shipped = await ship_order(db, settings, parcels=2)
    first, second = shipped.shipment_ids
    await send(db, first, "a", TrackingStatus.DELIVERED, at(1))
    assert await fulfillment_status(db, shipped.order.pk) == "FULFILLED"
    await send(db, second, "b", TrackingStatus.DELIVERED, at(2))
    assert await fulfillment_status(db, shipped.order.pk) == "DELIVERED"


async def test_a_partly_fulfilled_order_stays_so_when_its_shipments_are_delivered(
        db: Database, settings: Settings) -> None:
    shipped = await ship_order(db, settings, fulfillment_status="PARTIALLY_FULFILLED")
    await send(db, shipped.shipment_id, "a", TrackingStatus.DELIVERED, at(1))
    assert await fulfillment_status(db, shipped.order.pk) == "PARTIALLY_FULFILLED"


async def test_two_last_deliveries_at_once_still_deliver_the_order(
        db: Database, settings: Settings) -> None:
    # Each delivery checks "is anything else outstanding?"; under the order's lock the second
    # sees the first. Without it both would see the other undelivered and neither would
    # mark the order (PostgreSQL runs them truly at once).
    shop = await make_shop(db)
    for _ in range(3):
        shipped = await ship_order(db, settings, shop=shop, parcels=4)
        await asyncio.gather(*(
            send(db, pk, f"d{pk}", TrackingStatus.DELIVERED, at(1))
            for pk in shipped.shipment_ids))
        assert await fulfillment_status(db, shipped.order.pk) == "DELIVERED"


async def test_identical_events_at_once_are_stored_and_told_once(
        db: Database, settings: Settings) -> None:
    shipped = await ship_order(db, settings)
    before = await tracking_entries(db, shipped.order.pk)
    results = await asyncio.gather(*(
        send(db, shipped.shipment_id, "same", TrackingStatus.OUT_FOR_DELIVERY, at(1))
        for _ in range(6)))
    assert sum(r.applied for r in results) == 1
    assert await count(db, ShipmentEvent) == 1
    assert len(await tracking_entries(db, shipped.order.pk)) == len(before) + 1
