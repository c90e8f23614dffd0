"""The demo's warehouse: some placed orders picked, packed and shipped, played through the
fulfilment services (so stock, the journal, the tracking log and the e-mails are what a real
warehouse would produce).

Of the orders that may be fulfilled (open, paid or cash on delivery), oldest first: most are
shipped with a carrier and a tracking number, then two are packed and waiting for the
carrier, two are being picked (one half scanned), and one pick list was canceled and made
again. Each order ships from the warehouse holding its first allocation; lines held in
another warehouse stay to fulfil, so a few orders are partially fulfilled.

Then the carriers report on the shipped parcels through the same service their webhooks
use: about half are delivered, some are in transit or out for delivery, and one is
delayed with a new expected date (which records a delay notice and its e-mail).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select

from commerce.db.database import Database
from commerce.db.models import (
    FulfillmentLine,
    Order,
    OrderAllocation,
    OrderLine,
    Stock,
)
from commerce.fulfillment import dispatch, rules, service
from commerce.fulfillment.rules import Package
from commerce.orders.state import OrderStatus, PaymentStatus
from commerce.settings import Settings
from commerce.shared.clock import utcnow
from commerce.shared.errors import DomainError
from commerce.shipping.carriers import Carrier
from commerce.shipping.shipment_tracking import apply_tracking_event
from commerce.shipping.tracking import TrackingStatus

PACKED = 2
PICKING = 2
SHIPPED_SHARE = 0.8  # of the fulfillable orders, before the packed and picking ones
PARCEL = Package(weight_grams=1200, length_cm=35, width_cm=25, height_cm=15)


def tracking_number(carrier: Carrier, n: int) -> str:
    """A well-formed demo tracking number for ``carrier`` (the n-th)."""
    if carrier is Carrier.UPS:
        return f"1ZDEMO{n:012d}"
    if carrier is Carrier.FEDEX:
        return f"{770000000000 + n:012d}"
    if carrier is Carrier.DHL:
        return f"{3000000000 + n:010d}"
    return f"9400{n:018d}"  # USPS: 22 digits


CARRIERS = ((Carrier.UPS, "Ground"), (Carrier.USPS, "Priority Mail"),
            (Carrier.FEDEX, "Home Delivery"), (Carrier.DHL, "Express Worldwide"))


async def _fulfillable(db: Database, order_ids: Sequence[int]) -> list[tuple[int, int]]:
    """(order id, warehouse id) of the orders that may be fulfilled, oldest first."""
    async with db.transaction() as session:
        orders = (await session.execute(
            select(Order.id, Order.status, Order.payment_status, Order.payment_method)
            .where(Order.id.in_(list(order_ids))).order_by(Order.created_at, Order.id))).all()
        # Newest allocation first, so each order keeps the warehouse of its first one.
        homes = {r.order_id: r.warehouse_id for r in (await session.execute(
            select(OrderLine.order_id, Stock.warehouse_id)
            .join(OrderAllocation, OrderAllocation.order_line_id == OrderLine.id)
            .join(Stock, Stock.id == OrderAllocation.stock_id)
            .where(OrderLine.order_id.in_(list(order_ids)))
            .order_by(OrderLine.order_id.desc(), OrderAllocation.id.desc()))).all()}
    return [(o.id, homes[o.id]) for o in orders if o.id in homes and rules.blocked_reason(
        OrderStatus(o.status), PaymentStatus(o.payment_status), o.payment_method) is None]


async def _pick(db: Database, fulfillment_id: int, *, actor_id: int | None,
                half: bool = False) -> None:
    async with db.transaction() as session:
        lines = (await session.execute(
            select(OrderLine.sku, FulfillmentLine.quantity)
            .join(OrderLine, OrderLine.id == FulfillmentLine.order_line_id)
            .where(FulfillmentLine.fulfillment_id == fulfillment_id)
            .order_by(FulfillmentLine.id))).all()
    for index, line in enumerate(lines):
        if half and index >= (len(lines) + 1) // 2:
            break
        await service.scan_item(db, fulfillment_id, line.sku, line.quantity,
                                actor_id=actor_id)


async def seed_fulfillments(db: Database, settings: Settings, order_ids: Sequence[int], *,
                            staff_id: int | None) -> int:
    """Walk the demo's orders through the warehouse; returns how many shipped."""
    candidates = await _fulfillable(db, order_ids)
    waiting = PACKED + PICKING
    shipping = candidates[:max(int((len(candidates) - waiting) * SHIPPED_SHARE), 0)]
    rest = candidates[len(shipping):len(shipping) + waiting]
    shipments: list[int] = []
    for n, (order_id, warehouse_id) in enumerate(shipping):
        try:
            fid = await service.create_fulfillment(db, order_id, warehouse_id, [],
                                                   actor_id=staff_id)
        except DomainError:
            continue  # nothing allocated there to fulfil
        if n == 0:
            # A pick list canceled (the picker found a damaged box) and made again.
            await service.cancel(db, fid, actor_id=staff_id)
            fid = await service.create_fulfillment(db, order_id, warehouse_id, [],
                                                   actor_id=staff_id)
        await _pick(db, fid, actor_id=staff_id)
        await service.pack(db, fid, [PARCEL], actor_id=staff_id)
        carrier, level = CARRIERS[n % len(CARRIERS)]
        done = await dispatch.ship(db, fid, carrier, level, tracking_number(carrier, n + 1),
                                   actor_id=staff_id, capture_mode=settings.payment_capture)
        shipments.append(done.shipment_id)
    for n, (order_id, warehouse_id) in enumerate(rest):
        try:
            fid = await service.create_fulfillment(db, order_id, warehouse_id, [],
                                                   actor_id=staff_id)
        except DomainError:
            continue
        if n < PACKED:
            await _pick(db, fid, actor_id=staff_id)
            await service.pack(db, fid, [PARCEL], actor_id=staff_id)
        else:
            await _pick(db, fid, actor_id=staff_id, half=n == PACKED)
    await _carrier_reports(db, shipments)
    return len(shipments)


# What the carriers report for the n-th shipment (cycling): the statuses in order.
_JOURNEYS = (
    (TrackingStatus.IN_TRANSIT, TrackingStatus.OUT_FOR_DELIVERY, TrackingStatus.DELIVERED),
    (TrackingStatus.IN_TRANSIT, TrackingStatus.DELIVERED),
    (TrackingStatus.IN_TRANSIT,),
    (TrackingStatus.IN_TRANSIT, TrackingStatus.OUT_FOR_DELIVERY),
)
_LOCATIONS = ("Louisville, KY", "Memphis, TN", "Chicago, IL", "Newark, NJ")


async def _carrier_reports(db: Database, shipments: Sequence[int]) -> None:
    start = utcnow()
    for n, shipment_id in enumerate(shipments):
        journey: tuple[TrackingStatus, ...] = _JOURNEYS[n % len(_JOURNEYS)]
        if n == 2:  # one parcel held up: the carrier gives a later date
            journey = (TrackingStatus.IN_TRANSIT, TrackingStatus.DELAYED)
        for step, status in enumerate(journey):
            await apply_tracking_event(
                db, shipment_id=shipment_id, external_id=f"demo-{shipment_id}-{step}",
                status=status, occurred_at=start + timedelta(seconds=step + 1),
                eta=(start + timedelta(days=4)).date()
                if status is TrackingStatus.DELAYED else None,
                location=_LOCATIONS[(n + step) % len(_LOCATIONS)],
                message="Weather delay at the hub" if status is TrackingStatus.DELAYED
                else "", now=start + timedelta(seconds=step + 1))
