"""Giving a discount code's use back when the order that used it is canceled.

Deleting the order's usage rows is the guard: each row can be deleted once (a concurrent
cancel's ``DELETE`` waits on the row lock and then finds nothing), and the code's counter is
lowered only by the rows this transaction actually deleted, so a use is returned exactly once.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import case, delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.models import DiscountCode, DiscountUsage


async def give_back_uses(session: AsyncSession, order_id: int) -> dict[int, int]:
    """Return the order's code uses (in total and per customer); discount id -> uses given
    back. Call it inside the transaction that cancels the order."""
    deleted = (await session.execute(
        delete(DiscountUsage).where(DiscountUsage.order_id == order_id)
        .returning(DiscountUsage.discount_id))).scalars().all()
    returned = dict(Counter(deleted))
    if returned:
        amount = case(returned, value=DiscountCode.id)
        await session.execute(
            update(DiscountCode).where(DiscountCode.id.in_(sorted(returned)))
            .values(times_used=DiscountCode.times_used - amount))
    return returned
