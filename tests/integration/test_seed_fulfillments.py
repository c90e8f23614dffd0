"""The demo's warehouse: fulfilments in every state, shipments with tracking, stock that
left once."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from commerce.db.database import Database
from commerce.db.models import (
    Fulfillment,
    Order,
    OrderLine,
    OrderTrackingEvent,
    Shipment,
    StockMovement,
)
from commerce.seed import seed_demo_shop
from commerce.settings import Settings
from commerce.shipping.carriers import Carrier, is_valid_tracking_number
from tests.order_factories import journal_balances


async def test_the_demo_has_fulfilments_in_every_state(db: Database,
                                                        settings: Settings) -> None:
    assert await seed_demo_shop(db, settings) is True
    async with db.transaction() as s:
        statuses = Counter((await s.execute(select(Fulfillment.status))).scalars())
        shipments = (await s.execute(select(Shipment))).scalars().all()
        shipped_units = (await s.execute(select(
            -func.sum(StockMovement.quantity_delta)).where(
                StockMovement.reason == "SHIPMENT"))).scalar_one()
        fulfilled = (await s.execute(select(func.sum(OrderLine.quantity_fulfilled)).where(
            OrderLine.track_inventory.is_(True)))).scalar_one()
        order_states = Counter((await s.execute(select(Order.fulfillment_status))).scalars())
        steps = Counter((await s.execute(select(OrderTrackingEvent.type))).scalars())
    assert statuses["PACKED"] == 2 and statuses["PICKING"] == 2
    assert statuses["CANCELED"] == 1 and statuses["SHIPPED"] >= 5
    assert len(shipments) == statuses["SHIPPED"]
    assert all(is_valid_tracking_number(Carrier(x.carrier), x.tracking_number)
               for x in shipments)
    assert {x.carrier for x in shipments} >= {"UPS", "USPS", "FEDEX", "DHL"}
    assert shipped_units == fulfilled > 0  # each tracked unit shipped left stock once
    assert (order_states["FULFILLED"] + order_states["PARTIALLY_FULFILLED"]
            + order_states["DELIVERED"]) == len(shipments)
    # The carriers reported: some delivered, some on the way, one delayed with a notice.
    assert {x.status for x in shipments} >= {"DELIVERED", "IN_TRANSIT", "OUT_FOR_DELIVERY",
                                             "DELAYED"}
    assert order_states["DELIVERED"] > 0
    assert steps["DELIVERED"] > 0 and steps["DELAYED"] == 1
    assert steps["SHIPPED"] == len(shipments)
    assert steps["PICKING"] == sum(statuses.values())
    assert await journal_balances(db)
