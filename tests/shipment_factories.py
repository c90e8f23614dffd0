"""Shipped orders for tracking tests: a real checkout, then a fulfilment and its shipment
written straight to the database (``shipmentCreate`` belongs to the fulfilment area).

Also the carrier side: signed webhook deliveries, and the rows the tests count."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, update

from commerce.db.database import Database
from commerce.db.models import (
    Fulfillment,
    Order,
    OrderTrackingEvent,
    Shipment,
    ShippingMethod,
    Warehouse,
)
from commerce.integrations.carriers.webhooks import SIGNATURE_HEADER, sign
from commerce.settings import Settings
from commerce.shared.clock import utcnow
from tests.order_api_helpers import Placed, place_order
from tests.order_factories import Shop, make_shop, make_variant

SECRET = "whsec_carrier_test"
_serial = itertools.count(1)


@dataclass(frozen=True)
class Shipped:
    order: Placed
    shipment_ids: list[int]
    tracking_numbers: list[str]

    @property
    def shipment_id(self) -> int:
        return self.shipment_ids[0]

    @property
    def tracking_number(self) -> str:
        return self.tracking_numbers[0]


def ups_number() -> str:
    """A distinct, well-formed UPS tracking number (1Z + 16 characters)."""
    return f"1Z999AA1{next(_serial):010d}"


async def _the_shop(db: Database) -> Shop:
    """The shop already made in this test, or a new one."""
    async with db.transaction() as s:
        warehouses = list((await s.execute(select(Warehouse.id).order_by(Warehouse.id)))
                          .scalars())
        method = (await s.execute(select(ShippingMethod.id).order_by(ShippingMethod.id))
                  ).scalars().first()
    if warehouses and method is not None:
        return Shop(warehouses, method)
    return await make_shop(db)


async def ship_order(db: Database, settings: Settings, *, shop: Shop | None = None,
                     parcels: int = 1, carrier: str = "UPS",
                     shipped_at: datetime | None = None, promised: date | None = None,
                     fulfillment_status: str = "FULFILLED") -> Shipped:
    """A placed order with ``parcels`` fulfilments, each shipped as one shipment."""
    shop = shop or await _the_shop(db)
    variant = await make_variant(db, shop, stock=10)
    placed = await place_order(db, settings, shop, {variant: parcels})
    at = shipped_at or utcnow() - timedelta(days=1)
    ids, numbers = [], []
    async with db.transaction() as s:
        for sequence in range(1, parcels + 1):
            fulfillment = Fulfillment(order_id=placed.pk, warehouse_id=shop.warehouse_ids[0],
                                      sequence=sequence, status="SHIPPED", shipped_at=at)
            s.add(fulfillment)
            await s.flush()
            number = ups_number()
            shipment = Shipment(fulfillment_id=fulfillment.id, order_id=placed.pk,
                                carrier=carrier, service="Ground", tracking_number=number,
                                status="SHIPPED", status_at=at, latest_status="SHIPPED",
                                latest_at=at, shipped_at=at, promised_date=promised)
            s.add(shipment)
            await s.flush()
            ids.append(shipment.id)
            numbers.append(number)
        await s.execute(update(Order).where(Order.id == placed.pk)
                        .values(fulfillment_status=fulfillment_status))
    return Shipped(placed, ids, numbers)


def carrier_body(event_id: str, tracking_number: str, status: str, occurred_at: datetime, *,
                 eta: date | None = None, location: str | None = None) -> bytes:
    return json.dumps({"id": event_id, "trackingNumber": tracking_number, "status": status,
                       "occurredAt": occurred_at.isoformat(),
                       "eta": eta.isoformat() if eta else None,
                       "location": location}).encode()


def signed(body: bytes, *, secret: str = SECRET, at: datetime | None = None) -> dict[str, str]:
    moment = at or utcnow()
    return {SIGNATURE_HEADER: sign(body, secret, int(moment.timestamp())),
            "content-type": "application/json"}


async def deliver(client: httpx.AsyncClient, body: bytes, *, carrier: str = "ups",
                  headers: dict[str, str] | None = None) -> httpx.Response:
    return await client.post(f"/webhooks/carriers/{carrier}", content=body,
                             headers=signed(body) if headers is None else headers)


async def count(db: Database, model: Any, **where: Any) -> int:
    async with db.transaction() as s:
        statement = select(func.count()).select_from(model)
        for key, value in where.items():
            statement = statement.where(getattr(model, key) == value)
        return int((await s.execute(statement)).scalar_one())


async def shipment_row(db: Database, shipment_id: int) -> Any:
    async with db.transaction() as s:
        return (await s.execute(select(Shipment.__table__)
                                .where(Shipment.id == shipment_id))).one()


async def tracking_entries(db: Database, order_id: int) -> list[tuple[int, str, str]]:
    """The order's tracking log: (version, type, message), in order."""
    async with db.transaction() as s:
        rows = (await s.execute(
            select(OrderTrackingEvent.version, OrderTrackingEvent.type,
                   OrderTrackingEvent.message)
            .where(OrderTrackingEvent.order_id == order_id)
            .order_by(OrderTrackingEvent.version))).all()
    return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]


async def tracking_version(db: Database, order_id: int) -> int:
    async with db.transaction() as s:
        return int((await s.execute(select(Order.tracking_version)
                                    .where(Order.id == order_id))).scalar_one())


async def fulfillment_status(db: Database, order_id: int) -> str:
    async with db.transaction() as s:
        return str((await s.execute(select(Order.fulfillment_status)
                                    .where(Order.id == order_id))).scalar_one())
