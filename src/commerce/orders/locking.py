"""The order's row lock: every change to an order (and to money on it) takes it first."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.models import Order
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError


async def lock_order(session: AsyncSession, order_id: int) -> Order:
    """The order, locked until the transaction ends (SELECT ... FOR UPDATE on PostgreSQL;
    SQLite runs one write transaction at a time, which serialises just as well)."""
    statement = select(Order).where(Order.id == order_id)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    order = (await session.execute(statement)).scalar_one_or_none()
    if order is None:
        raise DomainError.one(ErrorCode.NOT_FOUND, "no such order", ["id"])
    return order
