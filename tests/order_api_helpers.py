"""Placed orders for API tests: real checkouts of carts written straight to the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from commerce.checkout.service import complete_checkout
from commerce.db.database import Database
from commerce.db.models import Cart, Order
from commerce.settings import Settings
from commerce.shared.ids import encode_id
from tests.order_factories import ADDRESS, Shop, make_cart


@dataclass(frozen=True)
class Placed:
    pk: int
    id: str  # global ID
    token: str
    number: str


async def place_order(db: Database, settings: Settings, shop: Shop, lines: dict[int, int], *,
                      email: str = "ann@example.com", user_id: int | None = None,
                      first_name: str = "Ann", last_name: str = "Lee",
                      created_at: datetime | None = None) -> Placed:
    token = await make_cart(db, shop, lines, email=email)
    address = {**ADDRESS, "first_name": first_name, "last_name": last_name}
    async with db.transaction() as s:
        await s.execute(update(Cart).where(Cart.token == token).values(
            user_id=user_id, shipping_address=address, billing_address=address))
    placed = await complete_checkout(db, token, settings=settings, system=True)
    async with db.transaction() as s:
        if created_at is not None:
            await s.execute(update(Order).where(Order.id == placed.order_id)
                            .values(created_at=created_at))
        number = (await s.execute(select(Order.number).where(Order.id == placed.order_id))
                  ).scalar_one()
    return Placed(placed.order_id, encode_id("Order", placed.order_id), placed.token, number)


async def set_order(db: Database, pk: int, **values: object) -> None:
    """Change columns directly, for states no mutation reaches yet (fulfilment)."""
    async with db.transaction() as s:
        await s.execute(update(Order).where(Order.id == pk).values(**values))
