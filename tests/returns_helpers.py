"""Shipped and paid orders for return tests: a real checkout, a manual payment for the whole
order, then the warehouse's real pick, pack and ship (stock leaves once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from commerce.checkout.service import complete_checkout
from commerce.db.database import Database
from commerce.db.models import (
    Cart,
    DiscountCode,
    Order,
    OrderLine,
    Product,
    ProductVariant,
    Shipment,
)
from commerce.fulfillment import dispatch
from commerce.fulfillment import service as fulfillment
from commerce.fulfillment.rules import Package
from commerce.payments.service import record_payment
from commerce.settings import Settings
from commerce.shared.ids import encode_id
from commerce.shipping.carriers import Carrier
from tests.account_helpers import user_with_token
from tests.order_api_helpers import Placed, place_order
from tests.order_factories import Shop, make_cart, make_shop, make_variant
from tests.shipment_factories import ups_number

RETURN = """return { id number status instructions declineReason declineNote
  returnShippingFee { amount } restockingFeePercent refundStatus
  refundAmount { amount currency } refundShipping { amount }
  lines { sku quantity reason note quantityReceived quantityRestocked quantityNotRestocked
          quantityDamaged quantityMissing refundQuantity refundAmount { amount }
          refundTax { amount } orderLine { sku } }
  order { number } createdAt approvedAt declinedAt canceledAt refundedAt closedAt }
errors { code message field }"""


def mutation(name: str, input_type: str) -> str:
    return (f"mutation ($input: {input_type}!) {{ {name}(input: $input) {{ {RETURN} }} }}")


REQUEST = mutation("returnRequest", "ReturnRequestInput")
CREATE = mutation("returnCreate", "ReturnCreateInput")
APPROVE = mutation("returnApprove", "ReturnApproveInput")
DECLINE = mutation("returnDecline", "ReturnDeclineInput")
CANCEL = mutation("returnCancel", "ReturnIdInput")
RECEIVE = mutation("returnReceive", "ReturnReceiveInput")
DISPOSE = mutation("returnDispose", "ReturnDisposeInput")
REFUND = mutation("returnRefund", "ReturnRefundInput")
CLOSE = mutation("returnClose", "ReturnIdInput")


@dataclass
class Sold:
    shop: Shop
    order: Placed
    customer: str  # the buyer's token
    customer_id: int
    a: int  # variant ids
    b: int
    line_a: str  # order line global ids
    line_b: str
    line_a_pk: int
    line_b_pk: int
    warehouse: str


async def sell(db: Database, settings: Settings, *, qty_a: int = 3, qty_b: int = 1,
               ship_b: bool = True, email: str = "ann@example.com",
               tax_bp: int = 0, shop: Shop | None = None,
               discount_bp: int = 0) -> Sold:
    """An order of ``qty_a`` x A (price 1000) and ``qty_b`` x B (2500) by a signed-in
    customer, paid in full by a manual payment; A shipped, B too unless ``ship_b`` False."""
    shop = shop or await make_shop(db, tax_bp=tax_bp)
    a = await make_variant(db, shop, stock=10, price=1000)
    b = await make_variant(db, shop, stock=10, price=2500)
    user_id, token = await user_with_token(db, email)
    if discount_bp:
        order = await _place_with_discount(db, settings, shop, {a: qty_a, b: qty_b}, email,
                                           user_id, discount_bp)
    else:
        order = await place_order(db, settings, shop, {a: qty_a, b: qty_b}, email=email,
                                  user_id=user_id)
    await record_payment(db, order.pk, amount=None, method=None, reference="",
                         idempotency_key=f"pay-{order.pk}", actor_id=None)
    async with db.transaction() as s:
        lines = {r.variant_id: (r.id, r.sku) for r in (await s.execute(
            select(OrderLine.id, OrderLine.variant_id, OrderLine.sku)
            .where(OrderLine.order_id == order.pk))).all()}
    await ship(db, order.pk, shop.warehouse_ids[0],
               [(lines[a], qty_a)] + ([(lines[b], qty_b)] if ship_b else []))
    return Sold(shop, order, token, user_id, a, b,
                encode_id("OrderLine", lines[a][0]), encode_id("OrderLine", lines[b][0]),
                lines[a][0], lines[b][0], encode_id("Warehouse", shop.warehouse_ids[0]))


async def _place_with_discount(db: Database, settings: Settings, shop: Shop,
                               lines: dict[int, int], email: str, user_id: int,
                               discount_bp: int) -> Placed:
    code = f"RET{discount_bp}"
    async with db.transaction() as s:
        s.add(DiscountCode(code=code, kind="PERCENTAGE", value=discount_bp))
    token = await make_cart(db, shop, lines, email=email, discount_code=code)
    async with db.transaction() as s:
        await s.execute(update(Cart).where(Cart.token == token).values(user_id=user_id))
    placed = await complete_checkout(db, token, settings=settings, system=True)
    async with db.transaction() as s:
        order = (await s.execute(select(Order.number, Order.token).where(
            Order.id == placed.order_id))).one()
    return Placed(placed.order_id, encode_id("Order", placed.order_id), order.token,
                  order.number)


async def ship(db: Database, order_id: int, warehouse_id: int,
               lines: list[tuple[tuple[int, str], int]]) -> int:
    pk = await fulfillment.create_fulfillment(db, order_id, warehouse_id,
                                              [(line_id, qty) for (line_id, _), qty in lines],
                                              actor_id=None)
    for (_, sku), qty in lines:
        await fulfillment.scan_item(db, pk, sku, qty, actor_id=None)
    await fulfillment.pack(db, pk, [Package(1000, 30, 20, 10)], actor_id=None)
    shipped = await dispatch.ship(db, pk, Carrier.UPS, "Ground", ups_number(), actor_id=None)
    return shipped.shipment_id


async def set_shipment_dates(db: Database, order_id: int, *, shipped_at: datetime,
                             delivered_at: datetime | None) -> None:
    async with db.transaction() as s:
        await s.execute(update(Shipment).where(Shipment.order_id == order_id)
                        .values(shipped_at=shipped_at, delivered_at=delivered_at))


async def make_final_sale(db: Database, variant_id: int) -> None:
    async with db.transaction() as s:
        product_id = (await s.execute(select(ProductVariant.product_id).where(
            ProductVariant.id == variant_id))).scalar_one()
        await s.execute(update(Product).where(Product.id == product_id)
                        .values(final_sale=True))


def line(order_line: str, quantity: int, reason: str = "UNWANTED", note: str = ""
         ) -> dict[str, Any]:
    return {"orderLineId": order_line, "quantity": quantity, "reason": reason, "note": note}
