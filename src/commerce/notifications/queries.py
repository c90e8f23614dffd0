"""What an order e-mail shows, read on the read engine (no write lock, no transaction held
while the e-mail is being sent)."""

from __future__ import annotations

from sqlalchemy import select

from commerce.db.database import Database
from commerce.db.models import Order, OrderLine, Shipment
from commerce.notifications.compose import MailLine, MailOrder, MailShipment
from commerce.shipping.carriers import Carrier, carrier_info, tracking_url


async def mail_order(db: Database, order_id: int, shipment_id: int | None
                     ) -> tuple[MailOrder | None, MailShipment | None]:
    """The order (None once deleted) and, when asked for, its shipment (one statement
    each)."""
    async with db.read_engine.connect() as conn:
        order = (await conn.execute(select(
            Order.number, Order.email, Order.token, Order.currency, Order.subtotal,
            Order.discount, Order.shipping, Order.tax, Order.included_tax, Order.total,
            Order.amount_paid, Order.shipping_method_name, Order.shipping_address)
            .where(Order.id == order_id))).first()
        if order is None:
            return None, None
        lines = (await conn.execute(
            select(OrderLine.product_name, OrderLine.variant_name, OrderLine.sku,
                   OrderLine.quantity, OrderLine.unit_price, OrderLine.total)
            .where(OrderLine.order_id == order_id).order_by(OrderLine.id))).all()
        shipment = None
        if shipment_id is not None:
            shipment = (await conn.execute(
                select(Shipment.carrier, Shipment.service, Shipment.tracking_number)
                .where(Shipment.id == shipment_id, Shipment.order_id == order_id))).first()
    mail_lines = [MailLine(name=f"{p} ({v})" if v else p, sku=sku, quantity=q, unit_price=u,
                           total=t) for p, v, sku, q, u, t in lines]
    result = MailOrder(
        number=order.number, email=order.email, token=order.token, currency=order.currency,
        lines=mail_lines, subtotal=order.subtotal, discount=order.discount,
        shipping=order.shipping, tax=order.tax, included_tax=order.included_tax,
        total=order.total, amount_paid=order.amount_paid,
        shipping_method=order.shipping_method_name, shipping_address=order.shipping_address)
    return result, _shipment(shipment.carrier, shipment.service, shipment.tracking_number) \
        if shipment is not None else None


def _shipment(carrier_name: str, service: str, number: str) -> MailShipment:
    try:
        carrier = Carrier(carrier_name)
    except ValueError:  # a carrier we no longer list: its name, no link
        return MailShipment(carrier_name, service, number, None)
    return MailShipment(carrier_info(carrier).name, service, number,
                        tracking_url(carrier, number))
