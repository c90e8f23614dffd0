"""Availability of stock rows: the ONE definition of "live reserved units" and of what a
stock row still has free, used by every availability read (catalog, cart, inventory) and by
every guard (allocation's conditional UPDATE, reservations).

A reservation (``stock_reservations``) never touches ``stocks.allocated``; reads subtract only
reservations whose ``expires_at`` is still ahead, so a lapsed one frees its units by itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    FunctionElement,
    Integer,
    bindparam,
    exists,
    false,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute

from commerce.db.base import UTCDateTime
from commerce.db.models import Stock, StockReservation, Warehouse
from commerce.inventory.allocation_plan import StockOption
from commerce.shared import clock

CartRef = int | ColumnElement[int] | None
When = datetime | ColumnElement[datetime] | None


def _clock_now() -> datetime:
    return clock.utcnow()  # looked up at call time, so a test can pin the clock


# Evaluated by SQLAlchemy at each execution (also of a cached statement), so module-level
# statements such as the catalog's variant columns always compare with the current time.
NOW: BindParameter[datetime] = bindparam("reservations_now", callable_=_clock_now,
                                         type_=UTCDateTime())


def reserved_units(stock_id: ColumnElement[int] | InstrumentedAttribute[int], *, now: When = None,
                   excluding_cart: CartRef = None) -> ColumnElement[int]:
    """Units of the stock row ``stock_id`` held by live reservations, not counting those of
    ``excluding_cart`` (an id, or a column such as ``CartLine.cart_id`` to correlate).

    ``now`` defaults to the clock at execution time. A correlated scalar subquery: one
    statement reads any number of rows with their reservations.
    """
    clauses: list[ColumnElement[bool]] = [
        StockReservation.stock_id == stock_id,
        StockReservation.expires_at > (NOW if now is None else now),
    ]
    if excluding_cart is not None:
        clauses.append(StockReservation.cart_id != excluding_cart)
    # Explicit: correlate the stock row (and a cart column) to whichever enclosing statement
    # has them, however deep this sits (auto-correlation reaches only one level up).
    return (select(func.coalesce(func.sum(StockReservation.quantity), 0))
            .where(*clauses).correlate_except(StockReservation).scalar_subquery())


def free_units(*, now: When = None, excluding_cart: CartRef = None) -> ColumnElement[int]:
    """Units of the ``Stock`` row in scope that can still be taken: on hand - allocated - live
    reservations of other carts. Not clamped: it is negative when staff counted the on-hand
    down below what is held (see ``sellable_units`` for display)."""
    return (Stock.quantity - Stock.allocated
            - reserved_units(Stock.id, now=now, excluding_cart=excluding_cart))


def sellable_units(*, now: When = None, excluding_cart: CartRef = None) -> ColumnElement[int]:
    """``free_units`` clamped at 0, so a short row does not cancel out another row's units
    when summed over warehouses."""
    return _AtLeastZero(free_units(now=now, excluding_cart=excluding_cart))


class _AtLeastZero(FunctionElement[int]):
    """``greatest(x, 0)`` (PostgreSQL) / ``max(x, 0)`` (SQLite): x evaluated once, where a
    CASE would repeat the reservations subquery."""

    type = Integer()
    inherit_cache = True
    name = "at_least_zero"


@compiles(_AtLeastZero)
def _at_least_zero_default(element: _AtLeastZero, compiler: Any, **kw: Any) -> str:
    return f"greatest({compiler.process(element.clauses, **kw)}, 0)"


@compiles(_AtLeastZero, "sqlite")
def _at_least_zero_sqlite(element: _AtLeastZero, compiler: Any, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)}, 0)"


@dataclass(frozen=True, slots=True)
class LockedStock:
    options: dict[int, list[StockOption]]  # variant id -> its rows, with what is free
    cart_holds: bool  # whether the cart has reservation rows (live or lapsed) anywhere


def _options_statement(*, locked: bool, cart: bool) -> Any:
    """Stock rows with what is free for the cart, built once per shape (values are bound
    parameters: ``ids`` (locked stock ids) or ``variants``, ``now``, ``cart``): building
    the statement with its reservation subqueries cost more than running it."""
    cart_id: BindParameter[int] | None = bindparam("cart") if cart else None
    where: ColumnElement[bool] = (
        Stock.id.in_(bindparam("ids", expanding=True)) if locked
        else Stock.variant_id.in_(bindparam("variants", expanding=True))
        & Warehouse.is_active.is_(True))
    # Whether the cart holds anything rides along, so a checkout without reservations
    # (every manual-payment one) spends no statement consuming them.
    holds = exists().where(StockReservation.cart_id == cart_id) if cart else false()
    return (select(Stock.id, Stock.variant_id, Stock.warehouse_id, Warehouse.priority,
                   free_units(now=bindparam("now", type_=UTCDateTime()),
                              excluding_cart=cart_id).label("free"),
                   holds.label("cart_holds"))
            .join(Warehouse, Warehouse.id == Stock.warehouse_id)
            .where(where).order_by(Stock.id))


_OPTIONS = {(locked, cart): _options_statement(locked=locked, cart=cart)
            for locked in (False, True) for cart in (False, True)}
_LOCK = (select(Stock.id).join(Warehouse, Warehouse.id == Stock.warehouse_id)
         .where(Stock.variant_id.in_(bindparam("variants", expanding=True)),
                Warehouse.is_active.is_(True))
         .order_by(Stock.id).with_for_update(of=Stock))


async def lock_stock_options(session: AsyncSession, variant_ids: Sequence[int], *,
                             now: datetime, cart_id: int | None) -> LockedStock:
    """Each variant's stock rows in active warehouses with what is free for ``cart_id``.

    PostgreSQL: two statements — lock (``FOR UPDATE``, stock id order), then read
    availability in a fresh snapshot that sees every reservation and allocation committed by
    whoever held the locks before us (read in the locking statement, it would not).
    SQLite: one statement (the database write lock is already ours).
    """
    params: dict[str, Any] = {"now": now, "cart": cart_id, "variants": list(variant_ids)}
    locked = session.get_bind().dialect.name == "postgresql"
    if locked:
        params["ids"] = list((await session.execute(_LOCK, params)).scalars().all())
        if not params["ids"]:
            return LockedStock({}, cart_holds=cart_id is not None)
    rows = (await session.execute(_OPTIONS[locked, cart_id is not None], params)).all()
    options: dict[int, list[StockOption]] = {}
    for row in rows:
        options.setdefault(row.variant_id, []).append(
            StockOption(row.id, row.warehouse_id, int(row.free), row.priority))
    cart_holds = bool(rows[0].cart_holds) if rows else cart_id is not None
    return LockedStock(options, cart_holds)
