"""What the database knows about an order's lines for returns, read inside the caller's
transaction (after it locked the order, so no other return of the order changes them
meanwhile)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.models import (
    Fulfillment,
    FulfillmentLine,
    OrderLine,
    Product,
    ProductVariant,
    Return,
    ReturnLine,
    Shipment,
)
from commerce.fulfillment.rules import FulfillmentStatus
from commerce.returns.rules import ALIVE, LineFacts


async def line_facts(session: AsyncSession, order_id: int) -> dict[int, LineFacts]:
    """Every line of the order: shipped units, units in alive returns, final sale, and the
    start of its return window (its latest parcel's delivery, else its shipping)."""
    lines = (await session.execute(
        select(OrderLine.id, OrderLine.quantity,
               func.coalesce(Product.final_sale, False).label("final_sale"))
        .outerjoin(ProductVariant, ProductVariant.id == OrderLine.variant_id)
        .outerjoin(Product, Product.id == ProductVariant.product_id)
        .where(OrderLine.order_id == order_id))).all()
    shipped = {r.order_line_id: (int(r.units), r.start) for r in (await session.execute(
        select(FulfillmentLine.order_line_id,
               func.sum(FulfillmentLine.quantity).label("units"),
               func.max(func.coalesce(Shipment.delivered_at, Shipment.shipped_at))
               .label("start"))
        .join(Fulfillment, Fulfillment.id == FulfillmentLine.fulfillment_id)
        .outerjoin(Shipment, Shipment.fulfillment_id == Fulfillment.id)
        .where(Fulfillment.order_id == order_id,
               Fulfillment.status == FulfillmentStatus.SHIPPED.value)
        .group_by(FulfillmentLine.order_line_id))).all()}
    taken = {r.order_line_id: int(r.units) for r in (await session.execute(
        select(ReturnLine.order_line_id, func.sum(ReturnLine.quantity).label("units"))
        .join(Return, Return.id == ReturnLine.return_id)
        .where(Return.order_id == order_id, Return.status.in_([s.value for s in ALIVE]))
        .group_by(ReturnLine.order_line_id))).all()}
    return {r.id: LineFacts(order_line_id=r.id, quantity=r.quantity,
                            shipped=shipped.get(r.id, (0, None))[0],
                            in_returns=taken.get(r.id, 0), final_sale=bool(r.final_sale),
                            window_start=shipped.get(r.id, (0, None))[1])
            for r in lines}
