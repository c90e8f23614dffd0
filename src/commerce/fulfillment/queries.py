"""Fulfilment read side: shipments and their tracking events for batches of keys (one
statement per batch; the API decides who may ask)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import BindParameter, Row, bindparam, select

from commerce.db.database import Reader
from commerce.db.models import Shipment, ShipmentEvent

SHIPMENT_COLUMNS = (Shipment.id, Shipment.fulfillment_id, Shipment.order_id, Shipment.carrier,
                    Shipment.service, Shipment.tracking_number, Shipment.status,
                    Shipment.status_at, Shipment.eta, Shipment.promised_date,
                    Shipment.delivered_at, Shipment.shipped_at)
SHIPMENT_EVENT_COLUMNS = (ShipmentEvent.id, ShipmentEvent.shipment_id, ShipmentEvent.status,
                          ShipmentEvent.occurred_at, ShipmentEvent.eta,
                          ShipmentEvent.location, ShipmentEvent.message,
                          ShipmentEvent.source)
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_SHIPMENTS_BY_IDS = select(*SHIPMENT_COLUMNS).where(Shipment.id.in_(_IDS))
_SHIPMENTS_BY_ORDER_IDS = (select(*SHIPMENT_COLUMNS).where(Shipment.order_id.in_(_IDS))
                           .order_by(Shipment.shipped_at, Shipment.id))
_SHIPMENTS_BY_FULFILLMENT_IDS = select(*SHIPMENT_COLUMNS).where(
    Shipment.fulfillment_id.in_(_IDS))
_EVENTS_BY_SHIPMENT_IDS = (select(*SHIPMENT_EVENT_COLUMNS)
                           .where(ShipmentEvent.shipment_id.in_(_IDS))
                           .order_by(ShipmentEvent.occurred_at, ShipmentEvent.id))


def _group(rows: Sequence[Row[Any]], key: str) -> dict[int, list[Row[Any]]]:
    grouped: dict[int, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


async def shipments_by_ids(reader: Reader, ids: Sequence[int]) -> dict[int, Row[Any]]:
    return {r.id: r for r in await reader.all(_SHIPMENTS_BY_IDS, {"ids": list(ids)})}


async def shipments_by_order_ids(reader: Reader,
                                 ids: Sequence[int]) -> dict[int, list[Row[Any]]]:
    """Each order's shipments, first shipped first."""
    return _group(await reader.all(_SHIPMENTS_BY_ORDER_IDS, {"ids": list(ids)}), "order_id")


async def shipments_by_fulfillment_ids(reader: Reader,
                                       ids: Sequence[int]) -> dict[int, Row[Any]]:
    return {r.fulfillment_id: r
            for r in await reader.all(_SHIPMENTS_BY_FULFILLMENT_IDS, {"ids": list(ids)})}


async def events_by_shipment_ids(reader: Reader,
                                 ids: Sequence[int]) -> dict[int, list[Row[Any]]]:
    """Each shipment's tracking events, oldest first (by when they happened)."""
    return _group(await reader.all(_EVENTS_BY_SHIPMENT_IDS, {"ids": list(ids)}), "shipment_id")
