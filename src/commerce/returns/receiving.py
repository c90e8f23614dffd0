"""Returned units arriving (``receive``) and what becomes of them (``dispose``): RESTOCK puts
them back on hand in a warehouse (stock journal: RETURN), NOT_RESTOCKED and DAMAGED keep them
out of stock, MISSING records units that never arrived.

Each runs under the order's lock; every count is a conditional UPDATE of the return line
whose WHERE re-checks the bound (and CHECK constraints re-check it again), so no unit is
received or disposed of twice. A restock then takes the stock row's lock (order first, stock
second, like cancelling an order) and moves stock and journal in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.database import Database
from commerce.db.models import OrderLine, ReturnLine, Stock, Warehouse
from commerce.db.upsert import insert_for
from commerce.events.outbox import emit
from commerce.inventory.journal import MovementReason
from commerce.inventory.journal import record as journal
from commerce.returns.rules import Action, Disposition
from commerce.returns.service import check, locked_return, return_number
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, Problems
from commerce.tracking.log import OrderTrackingEventType, record

MAX_UNITS = 100_000


@dataclass(frozen=True, slots=True)
class Units:
    order_line_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class Disposal:
    order_line_id: int
    quantity: int
    disposition: Disposition
    warehouse_id: int | None = None


async def _lines(session: AsyncSession, return_id: int) -> dict[int, ReturnLine]:
    rows = (await session.execute(select(ReturnLine).where(ReturnLine.return_id == return_id)
                                  .execution_options(populate_existing=True))).scalars()
    return {row.order_line_id: row for row in rows}


def _check_units(problems: Problems, i: int, quantity: int,
                 lines: dict[int, ReturnLine], order_line_id: int) -> ReturnLine | None:
    line = lines.get(order_line_id)
    if line is None:
        problems.add(ErrorCode.NOT_FOUND, "this line is not in the return",
                     ["lines", str(i), "orderLineId"])
        return None
    if not 0 < quantity <= MAX_UNITS:
        problems.add(ErrorCode.INVALID, "must be at least 1", ["lines", str(i), "quantity"])
        return None
    return line


async def receive(db: Database, return_id: int, units: Sequence[Units], *,
                  actor_id: int | None) -> None:
    """Record units that arrived; never more than asked for minus already received or
    reported missing."""
    if not units:
        raise DomainError.one(ErrorCode.REQUIRED, "give at least one line", ["lines"])
    async with db.transaction() as session:
        order, ret = await locked_return(session, return_id)
        check(ret, Action.RECEIVE)
        lines = await _lines(session, return_id)
        problems = Problems()
        for i, u in enumerate(units):
            line = _check_units(problems, i, u.quantity, lines, u.order_line_id)
            if line is None:
                continue
            done = (await session.execute(
                update(ReturnLine).where(
                    ReturnLine.id == line.id,
                    ReturnLine.quantity_received + ReturnLine.quantity_missing + u.quantity
                    <= ReturnLine.quantity)
                .values(quantity_received=ReturnLine.quantity_received + u.quantity)
                .returning(ReturnLine.id)
                .execution_options(synchronize_session=False))).first()
            if done is None:
                left = line.quantity - line.quantity_received - line.quantity_missing
                problems.add(ErrorCode.INVALID, f"at most {left} more unit(s) can be received",
                             ["lines", str(i), "quantity"])
        problems.raise_if_any()  # rolls back every line of this call
        received = sum(u.quantity for u in units)
        number = return_number(order.number, ret.sequence)
        await record(session, order.id, OrderTrackingEventType.RETURN_RECEIVED,
                     message=f"{received} returned item(s) arrived.",
                     data={"return_id": ret.id, "return_number": number,
                           "units": received})
        await emit(session, "return.received", "Return", ret.id,
                   {"order_id": order.id, "return_id": ret.id, "units": received,
                    "actor_id": actor_id})


_COLUMN = {Disposition.RESTOCK: "quantity_restocked",
           Disposition.NOT_RESTOCKED: "quantity_not_restocked",
           Disposition.DAMAGED: "quantity_damaged",
           Disposition.MISSING: "quantity_missing"}


async def dispose(db: Database, return_id: int, disposals: Sequence[Disposal], *,
                  actor_id: int | None) -> None:
    """Decide what becomes of received units (or report units as missing)."""
    if not disposals:
        raise DomainError.one(ErrorCode.REQUIRED, "give at least one line", ["lines"])
    async with db.transaction() as session:
        order, ret = await locked_return(session, return_id)
        check(ret, Action.DISPOSE)
        lines = await _lines(session, return_id)
        problems = Problems()
        restocks: list[tuple[int, OrderLine, int, int]] = []
        for i, d in enumerate(disposals):
            line = _check_units(problems, i, d.quantity, lines, d.order_line_id)
            if line is None:
                continue
            if d.disposition is Disposition.MISSING:
                bound = (ReturnLine.quantity_received + ReturnLine.quantity_missing
                         + d.quantity <= ReturnLine.quantity)
            else:
                bound = (ReturnLine.quantity_restocked + ReturnLine.quantity_not_restocked
                         + ReturnLine.quantity_damaged + d.quantity
                         <= ReturnLine.quantity_received)
            column = getattr(ReturnLine, _COLUMN[d.disposition])
            done = (await session.execute(
                update(ReturnLine).where(ReturnLine.id == line.id, bound)
                .values({column: column + d.quantity}).returning(ReturnLine.id)
                .execution_options(synchronize_session=False))).first()
            if done is None:
                problems.add(ErrorCode.INVALID,
                             "more units than are still to account for" if
                             d.disposition is Disposition.MISSING else
                             "more units than were received and not yet disposed of",
                             ["lines", str(i), "quantity"])
                continue
            if d.disposition is Disposition.RESTOCK:
                order_line = (await session.execute(select(OrderLine).where(
                    OrderLine.id == d.order_line_id))).scalar_one()
                if d.warehouse_id is None:
                    problems.add(ErrorCode.REQUIRED, "give the warehouse to restock into",
                                 ["lines", str(i), "warehouseId"])
                elif order_line.variant_id is None:
                    problems.add(ErrorCode.INVALID, "the product was deleted: it cannot be "
                                                    "restocked", ["lines", str(i),
                                                                  "disposition"])
                else:
                    restocks.append((i, order_line, d.warehouse_id, d.quantity))
        problems.raise_if_any()
        for i, order_line, warehouse_id, quantity in restocks:
            await _restock(session, problems, i, order_line, warehouse_id, quantity,
                           order_id=order.id, actor_id=actor_id,
                           note=return_number(order.number, ret.sequence))
        problems.raise_if_any()
        await emit(session, "return.disposed", "Return", ret.id, {
            "order_id": order.id, "return_id": ret.id, "actor_id": actor_id,
            "lines": [{"order_line_id": d.order_line_id, "quantity": d.quantity,
                       "disposition": d.disposition.value, "warehouse_id": d.warehouse_id}
                      for d in disposals]})


async def _restock(session: AsyncSession, problems: Problems, i: int, line: OrderLine,
                   warehouse_id: int, quantity: int, *, order_id: int,
                   actor_id: int | None, note: str) -> None:
    """Put units back on hand under the stock row's lock, with a RETURN journal row."""
    assert line.variant_id is not None
    if (await session.execute(select(Warehouse.id).where(
            Warehouse.id == warehouse_id))).first() is None:
        problems.add(ErrorCode.NOT_FOUND, "no such warehouse", ["lines", str(i), "warehouseId"])
        return
    await session.execute(
        insert_for(session, Stock).values(variant_id=line.variant_id,
                                          warehouse_id=warehouse_id, quantity=0, allocated=0)
        .on_conflict_do_nothing(index_elements=["variant_id", "warehouse_id"]))
    statement = select(Stock.id).where(Stock.variant_id == line.variant_id,
                                       Stock.warehouse_id == warehouse_id)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    stock_id = (await session.execute(statement)).scalar_one()
    after = (await session.execute(
        update(Stock).where(Stock.id == stock_id)
        .values(quantity=Stock.quantity + quantity)
        .returning(Stock.quantity, Stock.allocated)
        .execution_options(synchronize_session=False))).one()
    await journal(session, stock_id=stock_id, variant_id=line.variant_id, sku=line.sku,
                  warehouse_id=warehouse_id, reason=MovementReason.RETURN,
                  quantity_delta=quantity, quantity_after=int(after[0]),
                  allocated_after=int(after[1]), actor_id=actor_id, order_id=order_id,
                  note=note)
