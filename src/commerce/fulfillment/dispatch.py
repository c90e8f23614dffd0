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

Manual capture (``COMMERCE_PAYMENT_CAPTURE=MANUAL``, an AUTHORIZED card payment): after the
shipment commits, ``payments.operations.capture_payment`` takes the shipped lines' share of
their totals, plus the shipping on the first shipment, never more than authorised, with the
idempotency key ``shipment-<id>``. It writes a PENDING row first, so when the processor is
down the shipment stands, the capture stays PENDING, and ``retry_captures`` (run by
``commerce payments reconcile``) sends it again with the same keys. Card processors release
the rest of an authorisation on a partial capture: a later shipment of the same order finds
nothing authorised and captures nothing (staff collect the rest, see the README).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import case, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.database import Database
from commerce.db.models import (
    Fulfillment,
    FulfillmentLine,
    Order,
    OrderAllocation,
    OrderLine,
    Payment,
    PaymentTransaction,
    ProductVariant,
    Shipment,
    ShippingMethod,
    Stock,
)
from commerce.events.outbox import emit_many
from commerce.fulfillment import rules
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
from commerce.payments.operations import capture_payment
from commerce.payments.rules import PaymentRecordStatus, TransactionKind, TransactionStatus
from commerce.payments.service import GATEWAY as MANUAL_GATEWAY
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

log = logging.getLogger("commerce.fulfillment")

MAX_SERVICE = 100
CAPTURE_MODE_MANUAL = "MANUAL"


@dataclass(frozen=True, slots=True)
class Capture:
    """Money to take for a shipment after it commits."""

    payment_id: int
    amount: int | None  # None: all that is still authorised
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class Shipped:
    shipment_id: int
    order_id: int
    capture: Capture | None
    capture_error: str | None = None


_SKU = (select(ProductVariant.sku).where(ProductVariant.id == Stock.variant_id)
        .scalar_subquery().label("sku"))


CAPTURE_KEY_PREFIX = "shipment-"


def capture_key(shipment_id: int) -> str:
    """The capture's idempotency key: one capture per shipment, recognisable on retry."""
    return f"{CAPTURE_KEY_PREFIX}{shipment_id}"


def line_share(total: int, quantity: int, before: int, shipped: int) -> int:
    """A line's money for ``shipped`` more units after ``before``: differences of floors, so
    the shares of all its units add up to exactly ``total``."""
    return total * (before + shipped) // quantity - total * before // quantity


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
            capture = await _capture_for(session, order, shipment_id, lines, whole=whole,
                                         first=first)
    result = Shipped(shipment_id, shipped.order_id, capture)
    if capture is not None:
        result = await _take(db, gateway, result, actor_id)
    return result


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


async def _capture_for(session: AsyncSession, order: Order, shipment_id: int,
                       lines: Sequence[Any], *, whole: bool, first: bool) -> Capture | None:
    """What to capture for this shipment: the shipped units' share of their lines' totals,
    plus the shipping (with its tax) on the first shipment; everything when one shipment
    sends the whole order. ``capture_payment`` caps it at what is authorised."""
    payment_id = (await session.execute(
        select(Payment.id).where(Payment.order_id == order.id,
                                 Payment.gateway != MANUAL_GATEWAY,
                                 Payment.status == PaymentRecordStatus.AUTHORIZED.value)
        .order_by(Payment.id).limit(1))).scalar_one_or_none()
    if payment_id is None:
        return None
    if whole:
        return Capture(int(payment_id), None, capture_key(shipment_id))
    amount = sum(line_share(int(ln.total), int(ln.ordered), int(ln.quantity_fulfilled),
                            int(ln.quantity)) for ln in lines)
    if first:
        # The shipping and its tax: what the order's total holds beyond its lines' totals.
        line_totals = (await session.execute(select(func.coalesce(func.sum(OrderLine.total), 0))
                                             .where(OrderLine.order_id == order.id))).scalar_one()
        amount += max(order.total - int(line_totals), 0)
    authorised = (await session.execute(select(Payment.amount).where(
        Payment.id == payment_id))).scalar_one()
    return Capture(int(payment_id), min(amount, int(authorised)), capture_key(shipment_id))


async def _take(db: Database, gateway: PaymentGateway | None, shipped: Shipped,
                actor_id: int | None) -> Shipped:
    capture = shipped.capture
    assert capture is not None
    try:
        await capture_payment(db, gateway, capture.payment_id, amount=capture.amount,
                              idempotency_key=capture.idempotency_key, actor_id=actor_id)
    except DomainError as exc:
        # The shipment stands; a PENDING capture is sent again by ``retry_captures``.
        log.warning("capture for shipment %s not done: %s", shipped.shipment_id, exc)
        return Shipped(shipped.shipment_id, shipped.order_id, capture, str(exc))
    return shipped


async def retry_captures(db: Database, gateway: PaymentGateway, *, older_than: timedelta,
                         limit: int = 200) -> int:
    """Send again the shipment captures still PENDING after ``older_than`` (the processor
    did not answer when the shipment was made). The same idempotency key replays our
    PENDING row and the same derived key reaches the processor, so a capture it did receive
    is not taken twice. Returns how many were settled now."""
    cutoff = utcnow() - older_than
    reader = db.reader()
    try:
        rows = await reader.all(
            select(PaymentTransaction.payment_id, PaymentTransaction.amount,
                   PaymentTransaction.idempotency_key)
            .where(PaymentTransaction.kind == TransactionKind.CAPTURE.value,
                   PaymentTransaction.status == TransactionStatus.PENDING.value,
                   PaymentTransaction.idempotency_key.like(f"{CAPTURE_KEY_PREFIX}%"),
                   PaymentTransaction.created_at < cutoff)
            .order_by(PaymentTransaction.id).limit(limit))
    finally:
        await reader.close()
    settled = 0
    for row in rows:
        try:
            await capture_payment(db, gateway, row.payment_id, amount=row.amount,
                                  idempotency_key=row.idempotency_key, actor_id=None)
        except DomainError as exc:
            log.warning("shipment capture %s still not done: %s", row.idempotency_key, exc)
            continue
        settled += 1
    return settled
