"""Cart test data written straight to the database: more shipping methods, discount codes,
products taken off sale, stock changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from commerce.db.database import Database
from commerce.db.models import (
    Cart,
    DiscountCode,
    Product,
    ProductVariant,
    ShippingMethod,
    ShippingRate,
    ShippingZone,
    Stock,
)


async def add_method(db: Database, *, name: str, price: int, countries: list[str] | None = None,
                     min_days: int = 1, max_days: int = 2, free_over: int | None = None,
                     description: str = "", position: int = 1) -> int:
    """A method in a new zone serving ``countries`` (default US)."""
    async with db.transaction() as s:
        zone = ShippingZone(name=f"{name} zone", countries=countries or ["US"])
        s.add(zone)
        await s.flush()
        method = ShippingMethod(zone_id=zone.id, name=name, description=description,
                                min_delivery_days=min_days, max_delivery_days=max_days,
                                free_over=free_over, position=position)
        s.add(method)
        await s.flush()
        s.add(ShippingRate(method_id=method.id, price=price))
    return method.id


async def add_code(db: Database, code: str, *, kind: str = "PERCENTAGE", value: int = 1000,
                   ends_at: datetime | None = None, min_subtotal: int | None = None,
                   usage_limit: int | None = None, times_used: int = 0) -> int:
    async with db.transaction() as s:
        discount = DiscountCode(code=code.upper(), kind=kind, value=value, ends_at=ends_at,
                                min_subtotal=min_subtotal, usage_limit=usage_limit,
                                times_used=times_used)
        s.add(discount)
    return discount.id


async def set_product_status(db: Database, variant_id: int, status: str) -> None:
    async with db.transaction() as s:
        product_id = (await s.execute(select(ProductVariant.product_id).where(
            ProductVariant.id == variant_id))).scalar_one()
        await s.execute(update(Product).where(Product.id == product_id).values(status=status))


async def set_stock(db: Database, variant_id: int, quantity: int) -> None:
    async with db.transaction() as s:
        await s.execute(update(Stock).where(Stock.variant_id == variant_id)
                        .values(quantity=quantity))


async def cart_row(db: Database, token: str) -> Cart:
    async with db.transaction() as s:
        return (await s.execute(select(Cart).where(Cart.token == token))).scalar_one()
