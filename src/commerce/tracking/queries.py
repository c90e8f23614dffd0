"""Reading the tracking log: per order for the API and for replay, and the hub's one
statement per wake-up (the API decides who may ask)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import BindParameter, Row, bindparam, func, or_, select

from commerce.db.database import Reader
from commerce.db.models import Order, OrderTrackingEvent

COLUMNS = (OrderTrackingEvent.id, OrderTrackingEvent.order_id, OrderTrackingEvent.version,
           OrderTrackingEvent.type, OrderTrackingEvent.shipment_id, OrderTrackingEvent.message,
           OrderTrackingEvent.order_status, OrderTrackingEvent.occurred_at)
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_BY_ORDER_IDS = (select(*COLUMNS).where(OrderTrackingEvent.order_id.in_(_IDS))
                 .order_by(OrderTrackingEvent.order_id, OrderTrackingEvent.version))
_AFTER = (select(*COLUMNS).where(OrderTrackingEvent.order_id == bindparam("order_id"),
                                 OrderTrackingEvent.version > bindparam("version"))
          .order_by(OrderTrackingEvent.version))
_VERSION = select(Order.tracking_version).where(Order.id == bindparam("order_id"))
_LAST_ID = select(func.max(OrderTrackingEvent.id))
_ID_BY_TOKEN = select(Order.id).where(Order.token == bindparam("token"))


async def events_by_order_ids(reader: Reader, ids: Sequence[int]) -> dict[int, list[Row[Any]]]:
    """Each order's tracking entries, oldest (version 1) first."""
    grouped: dict[int, list[Row[Any]]] = defaultdict(list)
    for row in await reader.all(_BY_ORDER_IDS, {"ids": list(ids)}):
        grouped[row.order_id].append(row)
    return grouped


async def events_after(reader: Reader, order_id: int, version: int) -> Sequence[Row[Any]]:
    """The order's entries after ``version``, in version order (replay and gap filling)."""
    return await reader.all(_AFTER, {"order_id": order_id, "version": version})


async def current_version(reader: Reader, order_id: int) -> int:
    """The order's last tracking version (0 before anything was recorded)."""
    return int(await reader.scalar(_VERSION, {"order_id": order_id}) or 0)


async def order_id_for_token(reader: Reader, token: str) -> int | None:
    """The id of the order with this token (a guest's key to its tracking)."""
    found = await reader.scalar(_ID_BY_TOKEN, {"token": token})
    return None if found is None else int(found)


async def last_id(reader: Reader) -> int:
    return int(await reader.scalar(_LAST_ID) or 0)


async def recent(reader: Reader, after_id: int, order_ids: Sequence[int]
                 ) -> Sequence[Row[Any]]:
    """The hub's read: every entry with an id above ``after_id`` (the hub's cursor minus a
    lookback), plus every entry of ``order_ids`` (orders a wake-up named that have live
    subscribers: complete whatever the ids' commit order). One statement, whatever the
    number of subscribers."""
    where = OrderTrackingEvent.id > after_id
    if order_ids:
        where = or_(where, OrderTrackingEvent.order_id.in_(list(order_ids)))
    return await reader.all(select(*COLUMNS).where(where).order_by(OrderTrackingEvent.id))
