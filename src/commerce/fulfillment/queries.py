"""Fulfilment read side: fulfilments with their lines and parcels, shipments and their
tracking events, for batches of keys (one statement per batch; the API decides who may
ask), and the staff queue of fulfilments (keyset pages)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import BindParameter, Row, bindparam, select

from commerce.db.database import Reader
from commerce.db.models import (
    Fulfillment,
    FulfillmentLine,
    FulfillmentPackage,
    Order,
    OrderLine,
    Shipment,
    ShipmentEvent,
)
from commerce.shared.pagination import Page, PaginationError, make_page, page_request

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


FULFILLMENT_COLUMNS = (Fulfillment.id, Fulfillment.order_id, Fulfillment.warehouse_id,
                       Fulfillment.sequence, Fulfillment.status, Fulfillment.created_at,
                       Fulfillment.packed_at, Fulfillment.shipped_at, Fulfillment.canceled_at,
                       Order.number.label("order_number"))
_FULFILLMENTS = select(*FULFILLMENT_COLUMNS).join(Order, Order.id == Fulfillment.order_id)
_FULFILLMENTS_BY_IDS = _FULFILLMENTS.where(Fulfillment.id.in_(_IDS))
_FULFILLMENTS_BY_ORDER_IDS = (_FULFILLMENTS.where(Fulfillment.order_id.in_(_IDS))
                              .order_by(Fulfillment.sequence))
_LINES_BY_FULFILLMENT_IDS = (
    select(FulfillmentLine.id, FulfillmentLine.fulfillment_id, FulfillmentLine.order_line_id,
           FulfillmentLine.quantity, FulfillmentLine.quantity_picked, OrderLine.sku,
           OrderLine.product_name, OrderLine.variant_name)
    .join(OrderLine, OrderLine.id == FulfillmentLine.order_line_id)
    .where(FulfillmentLine.fulfillment_id.in_(_IDS)).order_by(FulfillmentLine.id))
_PACKAGES_BY_FULFILLMENT_IDS = (
    select(FulfillmentPackage.id, FulfillmentPackage.fulfillment_id,
           FulfillmentPackage.weight_grams, FulfillmentPackage.length_cm,
           FulfillmentPackage.width_cm, FulfillmentPackage.height_cm)
    .where(FulfillmentPackage.fulfillment_id.in_(_IDS)).order_by(FulfillmentPackage.id))
QUEUE_SORT = "fulfillments"


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


async def fulfillments_by_ids(reader: Reader, ids: Sequence[int]) -> dict[int, Row[Any]]:
    return {r.id: r for r in await reader.all(_FULFILLMENTS_BY_IDS, {"ids": list(ids)})}


async def fulfillments_by_order_ids(reader: Reader,
                                    ids: Sequence[int]) -> dict[int, list[Row[Any]]]:
    """Each order's fulfilments, first created first."""
    return _group(await reader.all(_FULFILLMENTS_BY_ORDER_IDS, {"ids": list(ids)}),
                  "order_id")


async def lines_by_fulfillment_ids(reader: Reader,
                                   ids: Sequence[int]) -> dict[int, list[Row[Any]]]:
    return _group(await reader.all(_LINES_BY_FULFILLMENT_IDS, {"ids": list(ids)}),
                  "fulfillment_id")


async def packages_by_fulfillment_ids(reader: Reader,
                                      ids: Sequence[int]) -> dict[int, list[Row[Any]]]:
    return _group(await reader.all(_PACKAGES_BY_FULFILLMENT_IDS, {"ids": list(ids)}),
                  "fulfillment_id")


async def fulfillment_queue(reader: Reader, *, status: str | None, warehouse_id: int | None,
                            first: int | None, after: str | None) -> Page[Row[Any]]:
    """Fulfilments oldest first (the work queue), optionally of one status and warehouse."""
    sort = f"{QUEUE_SORT}:{status or ''}:{warehouse_id or ''}"
    request = page_request(first, after, sort, 1)
    statement = _FULFILLMENTS
    if request.after is not None:
        if not isinstance(request.after[0], int):
            raise PaginationError("`after`: malformed cursor")
        statement = statement.where(Fulfillment.id > request.after[0])
    if status is not None:
        statement = statement.where(Fulfillment.status == status)
    if warehouse_id is not None:
        statement = statement.where(Fulfillment.warehouse_id == warehouse_id)
    rows = await reader.all(statement.order_by(Fulfillment.id).limit(request.first + 1))
    return make_page(rows, request, sort, lambda r: (r.id,))
