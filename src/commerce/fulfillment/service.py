"""Warehouse use cases before shipping: create a pick list, scan items, pack, cancel.

Each status change is one conditional UPDATE of the fulfilment row (the current status in
the WHERE), so two clerks acting on the same fulfilment at once change it once and the
other gets INVALID_STATE. Locks are always taken fulfilment row first, order row second
(the tracking log's UPDATE of the order), except ``create_fulfillment``, which locks the
order first but only inserts new fulfilments, so the two orders never wait on each other.

Shipping (``fulfillment.shipping``) is the step that moves stock.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.database import Database
from commerce.db.models import (
    Fulfillment,
    FulfillmentLine,
    FulfillmentPackage,
    Order,
    OrderAllocation,
    OrderLine,
    Stock,
    Warehouse,
)
from commerce.db.upsert import insert_for
from commerce.fulfillment import rules
from commerce.fulfillment.rules import FulfillmentStatus, LineUnits, Package
from commerce.orders.events import OrderEventType, add_event
from commerce.orders.locking import lock_order
from commerce.orders.state import OrderStatus, PaymentStatus
from commerce.shared.clock import utcnow
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, Problems
from commerce.tracking.log import OrderTrackingEventType, record


def fulfillment_number(order_number: str, sequence: int) -> str:
    return f"{order_number}-{sequence}"


async def create_fulfillment(db: Database, order_id: int, warehouse_id: int,
                             lines: Sequence[tuple[int, int]], *, actor_id: int | None) -> int:
    """A pick list of ``lines`` ((order line id, quantity); empty: everything still to
    fulfil from the warehouse). Returns the new fulfilment's id."""
    async with db.transaction() as session:
        try:
            order = await lock_order(session, order_id)
        except DomainError:
            raise DomainError.one(ErrorCode.NOT_FOUND, "no such order", ["orderId"]) from None
        reason = rules.blocked_reason(OrderStatus(order.status),
                                      PaymentStatus(order.payment_status), order.payment_method)
        if reason is not None:
            raise DomainError.one(ErrorCode.INVALID_STATE, reason, ["orderId"])
        found = (await session.execute(select(Warehouse.id).where(
            Warehouse.id == warehouse_id))).first()
        if found is None:
            raise DomainError.one(ErrorCode.NOT_FOUND, "no such warehouse", ["warehouseId"])
        units = await _line_units(session, order_id, warehouse_id)
        takes, problems = rules.plan_takes(units, lines)
        if problems:
            found_problems = Problems()
            for p in problems:
                path = ["lines"] if p.index is None else ["lines", str(p.index), (
                    "orderLineId" if p.not_found else "quantity")]
                found_problems.add(ErrorCode.NOT_FOUND if p.not_found
                                   else ErrorCode.INSUFFICIENT_STOCK, p.message, path)
            found_problems.raise_if_any()
        sequence = int((await session.execute(
            select(func.coalesce(func.max(Fulfillment.sequence), 0))
            .where(Fulfillment.order_id == order_id))).scalar_one()) + 1
        fulfillment_id = int((await session.execute(insert(Fulfillment).values(
            order_id=order_id, warehouse_id=warehouse_id, sequence=sequence,
            status=FulfillmentStatus.PICKING.value, created_by=actor_id, created_at=utcnow())
            .returning(Fulfillment.id))).scalar_one())
        await session.execute(insert(FulfillmentLine), [
            {"fulfillment_id": fulfillment_id, "order_line_id": t.order_line_id,
             "stock_id": t.stock_id, "quantity": t.quantity, "quantity_picked": 0}
            for t in takes])
        number = fulfillment_number(order.number, sequence)
        units_total = sum(t.quantity for t in takes)
        await add_event(session, order_id, OrderEventType.FULFILLMENT_CREATED,
                        actor_id=actor_id, message=number,
                        data={"fulfillment_id": fulfillment_id, "number": number,
                              "warehouse_id": warehouse_id, "units": units_total})
        await record(session, order_id, OrderTrackingEventType.PICKING,
                     message=f"{units_total} item(s) are being picked in the warehouse.",
                     data={"fulfillment_id": fulfillment_id, "fulfillment_number": number})
    return fulfillment_id


async def _line_units(session: AsyncSession, order_id: int,
                      warehouse_id: int) -> dict[int, LineUnits]:
    """Every line of the order with the units free to fulfil from ``warehouse_id``."""
    lines = (await session.execute(
        select(OrderLine.id, OrderLine.sku, OrderLine.variant_id, OrderLine.quantity,
               OrderLine.quantity_fulfilled, OrderLine.track_inventory)
        .where(OrderLine.order_id == order_id).order_by(OrderLine.id))).all()
    # Allocated units per line in this warehouse (one stock row per variant and warehouse).
    allocated = {r.order_line_id: (r.stock_id, int(r.units)) for r in (await session.execute(
        select(OrderAllocation.order_line_id, OrderAllocation.stock_id,
               func.sum(OrderAllocation.quantity).label("units"))
        .join(Stock, Stock.id == OrderAllocation.stock_id)
        .join(OrderLine, OrderLine.id == OrderAllocation.order_line_id)
        .where(OrderLine.order_id == order_id, Stock.warehouse_id == warehouse_id)
        .group_by(OrderAllocation.order_line_id, OrderAllocation.stock_id))).all()}
    # Units already in open fulfilments, per line and stock row.
    open_units: dict[tuple[int, int], int] = {}
    open_any: dict[int, int] = {}
    for r in (await session.execute(
            select(FulfillmentLine.order_line_id, FulfillmentLine.stock_id,
                   func.sum(FulfillmentLine.quantity).label("units"))
            .join(Fulfillment, Fulfillment.id == FulfillmentLine.fulfillment_id)
            .where(Fulfillment.order_id == order_id,
                   Fulfillment.status.in_([s.value for s in rules.OPEN_STATUSES]))
            .group_by(FulfillmentLine.order_line_id, FulfillmentLine.stock_id))).all():
        open_units[(r.order_line_id, r.stock_id)] = int(r.units)
        open_any[r.order_line_id] = open_any.get(r.order_line_id, 0) + int(r.units)
    untracked = [line for line in lines if not line.track_inventory
                 and line.variant_id is not None and line.quantity > line.quantity_fulfilled]
    stock_rows = await _untracked_stock_rows(session, untracked, warehouse_id)
    units: dict[int, LineUnits] = {}
    for line in lines:
        if line.track_inventory:
            stock_id, held = allocated.get(line.id, (None, 0))
            free = 0 if stock_id is None else rules.free_units(
                held, open_units.get((line.id, stock_id), 0))
        else:
            # No allocation to draw from: whatever is neither shipped nor being fulfilled.
            stock_id = stock_rows.get(line.variant_id) if line.variant_id is not None else None
            free = rules.free_units(line.quantity - line.quantity_fulfilled,
                                    open_any.get(line.id, 0))
        units[line.id] = LineUnits(line.id, line.sku, free, stock_id)
    return units


async def _untracked_stock_rows(session: AsyncSession, lines: Sequence[Any],
                                warehouse_id: int) -> dict[int, int]:
    """The warehouse's stock row of each untracked variant (variant id -> stock id). A
    fulfilment line names the stock row it ships from, so a variant that does not track
    inventory and has no row in the warehouse gets an empty one (on hand 0): shipping it
    never moves its numbers."""
    variants = sorted({int(line.variant_id) for line in lines})
    if not variants:
        return {}
    await session.execute(
        insert_for(session, Stock).values([
            {"variant_id": v, "warehouse_id": warehouse_id, "quantity": 0, "allocated": 0}
            for v in variants]).on_conflict_do_nothing(
                index_elements=[Stock.variant_id, Stock.warehouse_id]))
    return {int(r.variant_id): int(r.id) for r in (await session.execute(
        select(Stock.variant_id, Stock.id).where(Stock.variant_id.in_(variants),
                                                 Stock.warehouse_id == warehouse_id))).all()}


async def explain_refusal(session: AsyncSession, fulfillment_id: int, wanted: str) -> DomainError:
    """Why a conditional status change found nothing: NOT_FOUND, or its current status."""
    status = (await session.execute(select(Fulfillment.status).where(
        Fulfillment.id == fulfillment_id))).scalar_one_or_none()
    if status is None:
        return DomainError.one(ErrorCode.NOT_FOUND, "no such fulfillment", ["fulfillmentId"])
    return DomainError.one(ErrorCode.INVALID_STATE,
                           f"the fulfillment is {status}; only a fulfillment that is "
                           f"{' or '.join(rules.sources(FulfillmentStatus(wanted)))} can be "
                           f"{wanted.lower()}", ["fulfillmentId"])


async def scan_item(db: Database, fulfillment_id: int, barcode: str, quantity: int = 1, *,
                    actor_id: int | None) -> None:
    """Count ``quantity`` units of the item with ``barcode`` (its SKU) as picked. A SKU not on
    the list is WRONG_ITEM; more than the list asks for is OVER_PICK."""
    code = rules.clean_barcode(barcode)
    if not code:
        raise DomainError.one(ErrorCode.REQUIRED, "scan or type the item's barcode",
                              ["barcode"])
    if not 1 <= quantity <= rules.MAX_SCAN_QUANTITY:
        raise DomainError.one(ErrorCode.INVALID,
                              f"the quantity is 1 to {rules.MAX_SCAN_QUANTITY}", ["quantity"])
    async with db.transaction() as session:
        status = (await session.execute(select(Fulfillment.status).where(
            Fulfillment.id == fulfillment_id))).scalar_one_or_none()
        if status is None:
            raise DomainError.one(ErrorCode.NOT_FOUND, "no such fulfillment",
                                  ["fulfillmentId"])
        if status != FulfillmentStatus.PICKING.value:
            raise DomainError.one(ErrorCode.INVALID_STATE,
                                  f"the fulfillment is {status}; items are scanned while it "
                                  "is PICKING", ["fulfillmentId"])
        lines = (await session.execute(
            select(FulfillmentLine.id, FulfillmentLine.quantity,
                   FulfillmentLine.quantity_picked)
            .join(OrderLine, OrderLine.id == FulfillmentLine.order_line_id)
            .where(FulfillmentLine.fulfillment_id == fulfillment_id, OrderLine.sku == code)
            .order_by(FulfillmentLine.id))).all()
        if not lines:
            raise DomainError.one(ErrorCode.WRONG_ITEM,
                                  f"{code} is not on this pick list; put it back",
                                  ["barcode"])
        for line in lines:
            # The guard: two scanners at once cannot pick more than the list asks for.
            picked = (await session.execute(
                update(FulfillmentLine)
                .where(FulfillmentLine.id == line.id,
                       FulfillmentLine.quantity_picked + quantity <= FulfillmentLine.quantity)
                .values(quantity_picked=FulfillmentLine.quantity_picked + quantity)
                .returning(FulfillmentLine.id)
                .execution_options(synchronize_session=False))).first()
            if picked is not None:
                return
        # Read again for the message: another scanner may have picked meanwhile.
        now_picked = (await session.execute(
            select(FulfillmentLine.quantity, FulfillmentLine.quantity_picked)
            .where(FulfillmentLine.id.in_([line.id for line in lines])))).all()
        wanted = sum(r.quantity for r in now_picked)
        done = sum(r.quantity_picked for r in now_picked)
        raise DomainError.one(ErrorCode.OVER_PICK,
                              f"the list asks for {wanted} of {code} and {done} are picked: "
                              f"{quantity} more would be too many; put the extra back",
                              ["barcode"])


async def pack(db: Database, fulfillment_id: int, packages: Sequence[Package], *,
               actor_id: int | None) -> None:
    """PICKING -> PACKED once every line is fully picked, with its parcels."""
    problems = Problems()
    for path, message in rules.package_problems(packages):
        problems.add(ErrorCode.INVALID, message, list(path))
    problems.raise_if_any()
    async with db.transaction() as session:
        short = exists().where(FulfillmentLine.fulfillment_id == Fulfillment.id,
                               FulfillmentLine.quantity_picked < FulfillmentLine.quantity)
        packed = (await session.execute(
            update(Fulfillment)
            .where(Fulfillment.id == fulfillment_id,
                   Fulfillment.status == FulfillmentStatus.PICKING.value, ~short)
            .values(status=FulfillmentStatus.PACKED.value, packed_at=utcnow())
            .returning(Fulfillment.order_id, Fulfillment.sequence)
            .execution_options(synchronize_session=False))).first()
        if packed is None:
            await _refuse_pack(session, fulfillment_id)
            raise AssertionError("unreachable")
        await session.execute(insert(FulfillmentPackage), [
            {"fulfillment_id": fulfillment_id, "weight_grams": p.weight_grams,
             "length_cm": p.length_cm, "width_cm": p.width_cm, "height_cm": p.height_cm}
            for p in packages])
        await record(session, packed.order_id, OrderTrackingEventType.PACKED,
                     message=f"Packed in {len(packages)} parcel(s), ready for the carrier.",
                     data={"fulfillment_id": fulfillment_id, "packages": len(packages)})


async def _refuse_pack(session: AsyncSession, fulfillment_id: int) -> None:
    status = (await session.execute(select(Fulfillment.status).where(
        Fulfillment.id == fulfillment_id))).scalar_one_or_none()
    if status != FulfillmentStatus.PICKING.value:
        raise await explain_refusal(session, fulfillment_id, FulfillmentStatus.PACKED.value)
    short = (await session.execute(
        select(OrderLine.sku, FulfillmentLine.quantity, FulfillmentLine.quantity_picked)
        .join(OrderLine, OrderLine.id == FulfillmentLine.order_line_id)
        .where(and_(FulfillmentLine.fulfillment_id == fulfillment_id,
                    FulfillmentLine.quantity_picked < FulfillmentLine.quantity))
        .order_by(FulfillmentLine.id))).all()
    missing = ", ".join(f"{r.sku} {r.quantity_picked} of {r.quantity}" for r in short)
    raise DomainError.one(ErrorCode.INVALID_STATE,
                          f"not every item is picked yet ({missing}); scan them first",
                          ["fulfillmentId"])


async def cancel(db: Database, fulfillment_id: int, *, actor_id: int | None) -> None:
    """PICKING or PACKED -> CANCELED: its units may go into another fulfilment (the order's
    allocation is untouched: nothing left the shelf's count)."""
    async with db.transaction() as session:
        canceled = (await session.execute(
            update(Fulfillment)
            .where(Fulfillment.id == fulfillment_id,
                   Fulfillment.status.in_(rules.sources(FulfillmentStatus.CANCELED)))
            .values(status=FulfillmentStatus.CANCELED.value, canceled_at=utcnow())
            .returning(Fulfillment.order_id, Fulfillment.sequence)
            .execution_options(synchronize_session=False))).first()
        if canceled is None:
            raise await explain_refusal(session, fulfillment_id, FulfillmentStatus.CANCELED.value)
        number = (await session.execute(select(Order.number).where(
            Order.id == canceled.order_id))).scalar_one()
        ref = fulfillment_number(number, canceled.sequence)
        # Staff history only: the customer's tracking page keeps its last step (a new pick
        # list for the same units reports PICKING again).
        await add_event(session, canceled.order_id, OrderEventType.FULFILLMENT_CANCELED,
                        actor_id=actor_id, message=ref,
                        data={"fulfillment_id": fulfillment_id, "number": ref})
