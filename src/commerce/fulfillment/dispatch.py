"""Shipping a packed fulfilment: the shipment, the stock leaving the warehouse, the order's
fulfilment status, and (manual capture mode) the money for what shipped.

The guard is the first statement: ``UPDATE fulfillments SET status = 'SHIPPED' WHERE id = :id
AND status = 'PACKED'``. Of two clerks shipping the same fulfilment at once, the second
waits for the first's row lock (PostgreSQL) or the write lock (SQLite), then finds the row
SHIPPED and nothing to update: INVALID_STATE, nothing moved. No lock is taken before it (the
order's lock comes after), so nothing else serialises them. The shipment's unique
``fulfillment_id`` backs it.

Stock leaves once, in the same transaction: ``stocks.quantity`` and ``allocated`` drop by the
units shipped (one conditional statement, the CHECKs behind it), the order's allocations
shrink (a row at 0 is deleted), ``order_lines.quantity_fulfilled`` grows, and the journal
gets SHIPMENT rows.

In manual capture mode the payment for what shipped is captured after the shipment
commits (``fulfillment.capture``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.database import Database
from commerce.db.models import (
    Fulfillment,
    FulfillmentLine,
    Order,
    OrderAllocation,
    OrderLine,
    ProductVariant,
    Shipment,
    ShippingMethod,
    Stock,
)
from commerce.events.outbox import emit_many
from commerce.fulfillment import rules
from commerce.fulfillment.capture import Capture, capture_for, take
from commerce.fulfillment.rules import FulfillmentStatus
from commerce.fulfillment.service import explain_refusal, fulfillment_number
from commerce.inventory.journal import MovementReason, record_many
from commerce.orders.events import OrderEventType, add_event
from commerce.orders.locking import lock_order
from commerce.orders.state import (
    FulfillmentStatus as OrderFulfillmentStatus,
)
from commerce.orders.state import (
    OrderStatus,
    PaymentStatus,
    fulfillment_transition,
)
from commerce.payments.gateway import PaymentGateway
from commerce.shared.clock import utcnow
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError
from commerce.shipping.carriers import (
    Carrier,
    InvalidTrackingNumber,
    normalise_tracking_number,
    tracking_url,
)
from commerce.shipping.tracking import promised_date
from commerce.tracking.log import OrderTrackingEventType, record

MAX_SERVICE = 100
CAPTURE_MODE_MANUAL = "MANUAL"


@dataclass(frozen=True, slots=True)
class Shipped:
    shipment_id: int
    order_id: int
    capture: Capture | None
    capture_error: str | None = None


_SKU = (select(ProductVariant.sku).where(ProductVariant.id == Stock.variant_id)
        .scalar_subquery().label("sku"))


async def ship(db: Database, fulfillment_id: int, carrier: Carrier, service: str,
               tracking_number: str, *, actor_id: int | None, capture_mode: str = "AUTOMATIC",
               gateway: PaymentGateway | None = None) -> Shipped:
    """PACKED -> SHIPPED with a shipment; stock leaves once. Then, in manual capture mode,
    the payment for what shipped is captured (a failure there leaves the shipment standing)."""
    service = service.strip()
    if len(service) > MAX_SERVICE:
        raise DomainError.one(ErrorCode.INVALID, f"at most {MAX_SERVICE} characters",
                              ["service"])
    try:
        number = normalise_tracking_number(carrier, tracking_number)
    except InvalidTrackingNumber as exc:
        raise DomainError.one(ErrorCode.INVALID, str(exc), ["trackingNumber"]) from None
    async with db.transaction() as session:
        now = utcnow()
        shipped = (await session.execute(
            update(Fulfillment)
            .where(Fulfillment.id == fulfillment_id,
                   Fulfillment.status.in_(rules.sources(FulfillmentStatus.SHIPPED)))
            .values(status=FulfillmentStatus.SHIPPED.value, shipped_at=now)
            .returning(Fulfillment.order_id, Fulfillment.sequence)
            .execution_options(synchronize_session=False))).first()
        if shipped is None:
            raise await explain_refusal(session, fulfillment_id, FulfillmentStatus.SHIPPED.value)
        order = await lock_order(session, shipped.order_id)
        if order.status != OrderStatus.OPEN.value:
            raise DomainError.one(ErrorCode.INVALID_STATE,
                                  f"the order is {order.status.lower()}; release it (or cancel "
                                  "this fulfillment) first", ["fulfillmentId"])
        first = (await session.execute(select(Shipment.id).where(
            Shipment.order_id == order.id).limit(1))).first() is None
        days = None if order.shipping_method_id is None else (await session.execute(
            select(ShippingMethod.max_delivery_days).where(
                ShippingMethod.id == order.shipping_method_id))).scalar_one_or_none()
        shipment_id = await _insert_shipment(session, {
            "fulfillment_id": fulfillment_id, "order_id": order.id, "carrier": carrier.value,
            "service": service, "tracking_number": number, "status": "SHIPPED",
            "status_at": now, "latest_status": "SHIPPED", "latest_at": now,
            "promised_date": None if days is None else promised_date(now, int(days)),
            "shipped_at": now, "created_by": actor_id})
        lines = (await session.execute(
            select(FulfillmentLine.order_line_id, FulfillmentLine.stock_id,
                   FulfillmentLine.quantity, OrderLine.track_inventory, OrderLine.quantity
                   .label("ordered"), OrderLine.quantity_fulfilled, OrderLine.total)
            .join(OrderLine, OrderLine.id == FulfillmentLine.order_line_id)
            .where(FulfillmentLine.fulfillment_id == fulfillment_id)
            .order_by(FulfillmentLine.id))).all()
        await _stock_leaves(session, _units_by_stock(lines), order_id=order.id,
                            actor_id=actor_id)
        await _shrink_allocations(session, [(ln.order_line_id, ln.stock_id, ln.quantity)
                                            for ln in lines if ln.track_inventory])
        per_line = await _lines_fulfilled(session, order, lines)
        ref = fulfillment_number(order.number, shipped.sequence)
        link = tracking_url(carrier, number)
        await add_event(session, order.id, OrderEventType.FULFILLMENT_SHIPPED,
                        actor_id=actor_id, message=f"{ref}: {carrier.value} {number}",
                        data={"fulfillment_id": fulfillment_id, "shipment_id": shipment_id,
                              "carrier": carrier.value, "tracking_number": number,
                              "units": sum(per_line.values())})
        await record(session, order.id, OrderTrackingEventType.SHIPPED,
                     shipment_id=shipment_id,
                     message=f"Shipped with {carrier.value} ({number}).",
                     data={"fulfillment_id": fulfillment_id, "carrier": carrier.value,
                           "service": service, "tracking_number": number,
                           "tracking_url": link})
        capture = None
        if (capture_mode == CAPTURE_MODE_MANUAL
                and order.payment_status == PaymentStatus.AUTHORIZED.value):
            whole = first and order.fulfillment_status == OrderFulfillmentStatus.FULFILLED
            capture = await capture_for(session, order, shipment_id, lines, whole=whole,
                                        first=first)
    error = None if capture is None else await take(db, gateway, capture,
                                                    actor_id=actor_id)
    return Shipped(shipment_id, shipped.order_id, capture, error)


async def _insert_shipment(session: AsyncSession, values: dict[str, Any]) -> int:
    clash = (await session.execute(select(Shipment.id).where(
        Shipment.carrier == values["carrier"],
        Shipment.tracking_number == values["tracking_number"]))).first()
    if clash is None:
        try:
            async with session.begin_nested():
                return int((await session.execute(
                    insert(Shipment).values(**values)
                    .returning(Shipment.id))).scalar_one())
        except IntegrityError:
            # Another clerk's shipment raced in: of this fulfilment (the status guard makes
            # that unreachable; the unique key backs it) or with the same number.
            taken = (await session.execute(select(Shipment.id).where(
                Shipment.fulfillment_id == values["fulfillment_id"]))).first()
            if taken is not None:
                raise DomainError.one(ErrorCode.INVALID_STATE,
                                      "this fulfillment has already shipped",
                                      ["fulfillmentId"]) from None
    raise DomainError.one(ErrorCode.DUPLICATE,
                          "another shipment already has this carrier and tracking number",
                          ["trackingNumber"])


async def _stock_leaves(session: AsyncSession, units: dict[int, int], *, order_id: int,
                        actor_id: int | None) -> None:
    """On hand and allocated drop together by the units shipped from each stock row."""
    if not units:
        return
    amount = case(units, value=Stock.id)
    rows = (await session.execute(
        update(Stock)
        .where(Stock.id.in_(sorted(units)), Stock.allocated >= amount)
        .values(quantity=Stock.quantity - amount, allocated=Stock.allocated - amount)
        .returning(Stock.id, Stock.variant_id, Stock.warehouse_id, Stock.quantity,
                   Stock.allocated, _SKU)
        .execution_options(synchronize_session=False))).all()
    if len(rows) != len(units):
        raise RuntimeError(f"stocks {sorted(set(units) - {r.id for r in rows})} hold fewer "
                           "allocated units than the fulfillment ships")
    movements: list[dict[str, Any]] = [
        {"stock_id": row.id, "variant_id": row.variant_id, "sku": row.sku,
         "warehouse_id": row.warehouse_id, "reason": MovementReason.SHIPMENT,
         "quantity_delta": -units[row.id], "allocated_delta": -units[row.id],
         "quantity_after": row.quantity, "allocated_after": row.allocated,
         "actor_id": actor_id, "order_id": order_id}
        for row in sorted(rows, key=lambda r: r.id)]
    await record_many(session, movements)
    await emit_many(session, [("stock.shipped", "Stock", int(m["stock_id"]),
                               {**m, "reason": str(m["reason"])}) for m in movements])


async def _shrink_allocations(session: AsyncSession,
                              shipped: list[tuple[int, int, int]]) -> None:
    """Each (order line, stock row, units) shipped leaves the order's allocation."""
    if not shipped:
        return
    wanted: dict[tuple[int, int], int] = {}
    for line_id, stock_id, units in shipped:
        wanted[(line_id, stock_id)] = wanted.get((line_id, stock_id), 0) + units
    rows = (await session.execute(
        select(OrderAllocation.id, OrderAllocation.order_line_id, OrderAllocation.stock_id,
               OrderAllocation.quantity)
        .where(OrderAllocation.order_line_id.in_(sorted({k[0] for k in wanted})))
        .order_by(OrderAllocation.id))).all()
    gone: list[int] = []
    left: dict[int, int] = {}
    for row in rows:
        need = wanted.get((row.order_line_id, row.stock_id), 0)
        if need <= 0:
            continue
        taken = min(need, row.quantity)
        wanted[(row.order_line_id, row.stock_id)] = need - taken
        if taken == row.quantity:
            gone.append(row.id)
        else:
            left[row.id] = row.quantity - taken
    if any(v > 0 for v in wanted.values()):
        raise RuntimeError("the order's allocations hold fewer units than the fulfillment "
                           "ships")
    if gone:
        await session.execute(delete(OrderAllocation).where(OrderAllocation.id.in_(gone)))
    if left:
        await session.execute(
            update(OrderAllocation).where(OrderAllocation.id.in_(sorted(left)))
            .values(quantity=case(left, value=OrderAllocation.id))
            .execution_options(synchronize_session=False))


def _units_by_stock(lines: Sequence[Any]) -> dict[int, int]:
    """Units leaving each stock row (lines that do not track inventory move nothing)."""
    units: dict[int, int] = {}
    for line in lines:
        if line.track_inventory:
            units[line.stock_id] = units.get(line.stock_id, 0) + line.quantity
    return units


async def _lines_fulfilled(session: AsyncSession, order: Order,
                           lines: Sequence[Any]) -> dict[int, int]:
    """Each order line's ``quantity_fulfilled`` grows by its units shipped, and the order
    becomes PARTIALLY_FULFILLED or FULFILLED. Returns the units per order line."""
    per_line: dict[int, int] = {}
    for line in lines:
        per_line[line.order_line_id] = per_line.get(line.order_line_id, 0) + line.quantity
    await session.execute(
        update(OrderLine).where(OrderLine.id.in_(sorted(per_line)))
        .values(quantity_fulfilled=OrderLine.quantity_fulfilled
                + case(per_line, value=OrderLine.id))
        .execution_options(synchronize_session=False))
    after = {r.id: (r.quantity, r.quantity_fulfilled) for r in (await session.execute(
        select(OrderLine.id, OrderLine.quantity, OrderLine.quantity_fulfilled)
        .where(OrderLine.order_id == order.id))).all()}
    target = OrderFulfillmentStatus(rules.shipped_fulfillment_status(after))
    current = OrderFulfillmentStatus(order.fulfillment_status)
    if current is not target:
        order.fulfillment_status = fulfillment_transition(current, target).value
    return per_line
