"""Order-loop test data written straight to the database (carts, shipping, stock)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from commerce.db.database import Database
from commerce.db.models import (
    Cart,
    CartLine,
    Order,
    OrderAllocation,
    OrderLine,
    Product,
    ProductVariant,
    ShippingMethod,
    ShippingRate,
    ShippingZone,
    Stock,
    StockMovement,
    TaxRate,
    Warehouse,
)

ADDRESS = {
    "first_name": "Ann", "last_name": "Lee", "company": "", "street_address_1": "1 Main St",
    "street_address_2": "", "city": "Springfield", "postal_code": "62701",
    "country_code": "US", "country_area": "IL", "phone": "",
}


@dataclass
class Shop:
    warehouse_ids: list[int]
    method_id: int


async def make_shop(db: Database, *, warehouses: int = 1, tax_bp: int = 0) -> Shop:
    async with db.transaction() as s:
        whs = [Warehouse(name=f"WH{i}", code=f"WH{i}", priority=i) for i in range(warehouses)]
        zone = ShippingZone(name="US", countries=["US"])
        s.add_all([*whs, zone])
        await s.flush()
        method = ShippingMethod(zone_id=zone.id, name="Standard", min_delivery_days=2,
                                max_delivery_days=5)
        s.add(method)
        await s.flush()
        s.add(ShippingRate(method_id=method.id, price=500))
        if tax_bp:
            s.add(TaxRate(country_code="US", country_area="", rate_bp=tax_bp))
    return Shop([w.id for w in whs], method.id)


async def make_variant(db: Database, shop: Shop, *, stock: int | list[int] = 10,
                       price: int = 1000, sku: str | None = None, track: bool = True,
                       backorder: bool = False) -> int:
    sku = sku or f"SKU-{secrets.token_hex(4)}"
    async with db.transaction() as s:
        product = Product(name=f"Product {sku}", slug=sku.lower(), status="ACTIVE",
                          currency="USD", min_price=price, max_price=price,
                          search_text=sku.lower())
        s.add(product)
        await s.flush()
        variant = ProductVariant(product_id=product.id, sku=sku, price_amount=price,
                                 currency="USD", weight_grams=100, track_inventory=track,
                                 allow_backorder=backorder)
        s.add(variant)
        await s.flush()
        levels = stock if isinstance(stock, list) else [stock]
        for warehouse_id, quantity in zip(shop.warehouse_ids, levels, strict=False):
            s.add(Stock(variant_id=variant.id, warehouse_id=warehouse_id, quantity=quantity))
    return variant.id


async def make_cart(db: Database, shop: Shop, lines: dict[int, int], *,
                    email: str = "ann@example.com", discount_code: str | None = None) -> str:
    token = secrets.token_urlsafe(24)
    async with db.transaction() as s:
        cart = Cart(token=token, email=email, shipping_address=ADDRESS,
                    billing_address=ADDRESS, shipping_method_id=shop.method_id,
                    discount_code=discount_code)
        s.add(cart)
        await s.flush()
        s.add_all([CartLine(cart_id=cart.id, variant_id=v, quantity=q)
                   for v, q in lines.items()])
    return token


async def stock_of(db: Database, variant_id: int) -> tuple[int, int]:
    """(on hand, allocated) summed over warehouses."""
    async with db.transaction() as s:
        row = (await s.execute(select(func.sum(Stock.quantity), func.sum(Stock.allocated))
                               .where(Stock.variant_id == variant_id))).one()
    return int(row[0] or 0), int(row[1] or 0)


async def open_order_units(db: Database, variant_id: int) -> int:
    async with db.transaction() as s:
        total = (await s.execute(
            select(func.coalesce(func.sum(OrderLine.quantity), 0))
            .join(Order, Order.id == OrderLine.order_id)
            .where(OrderLine.variant_id == variant_id,
                   Order.status.in_(["OPEN", "ON_HOLD"])))).scalar_one()
    return int(total)


async def journal_balances(db: Database) -> bool:
    """Every stock row's allocated count equals the sum of its journaled allocation deltas,
    and equals what the order allocations hold."""
    async with db.transaction() as s:
        stocks = {r.id: r.allocated for r in (await s.execute(
            select(Stock.id, Stock.allocated))).all()}
        journal = dict((await s.execute(
            select(StockMovement.stock_id, func.sum(StockMovement.allocated_delta))
            .group_by(StockMovement.stock_id))).all())
        held = dict((await s.execute(
            select(OrderAllocation.stock_id, func.sum(OrderAllocation.quantity))
            .join(OrderLine, OrderLine.id == OrderAllocation.order_line_id)
            .join(Order, Order.id == OrderLine.order_id)
            .where(Order.status.in_(["OPEN", "ON_HOLD"]))
            .group_by(OrderAllocation.stock_id))).all())
    return all(stocks[k] == int(journal.get(k, 0)) == int(held.get(k, 0)) for k in stocks)
