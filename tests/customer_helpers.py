"""Customer-management test data: orders written straight to the database."""

from __future__ import annotations

import secrets
from datetime import datetime

from commerce.db.database import Database
from commerce.db.models import Order
from commerce.shared.clock import utcnow


async def make_order(db: Database, user_id: int | None, total: int, *,
                     status: str = "OPEN", created_at: datetime | None = None,
                     email: str = "ann@example.com") -> int:
    """A minimal order row (no lines) owned by ``user_id``, for aggregates and listings."""
    async with db.transaction() as s:
        order = Order(number=secrets.token_hex(6), token=secrets.token_urlsafe(24),
                      user_id=user_id, email=email, status=status,
                      payment_method="BANK_TRANSFER", currency="USD", subtotal=total,
                      total=total, created_at=created_at or utcnow())
        s.add(order)
    return order.id
