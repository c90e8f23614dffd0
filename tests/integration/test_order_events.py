"""Every state change of an order writes exactly one outbox event, of the right type, with the
amounts its consumers (ledger, e-mail, webhooks, live tracking) need; stock and cart changes
write theirs in the same transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from commerce.checkout.service import complete_checkout
from commerce.db.database import Database
from commerce.db.models import DiscountCode, OutboxEvent, Stock
from commerce.orders import service
from commerce.settings import Settings
from tests.order_factories import make_cart, make_shop, make_variant


class Outbox:
    """Reads the events written since the last look."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.seen = 0

    async def new(self, aggregate_type: str | None = None) -> list[OutboxEvent]:
        async with self.db.transaction() as s:
            events = list((await s.execute(select(OutboxEvent).where(
                OutboxEvent.id > self.seen).order_by(OutboxEvent.id))).scalars())
        if events:
            self.seen = events[-1].id
        return [e for e in events if aggregate_type in (None, e.aggregate_type)]

    async def one_order_event(self, order_id: int, type: str) -> dict[str, Any]:
        events = await self.new("Order")
        assert [(e.type, e.aggregate_id) for e in events] == [(type, order_id)]
        return events[0].payload

    async def placed(self, order_id: int) -> dict[str, Any]:
        """A checkout reports its fraud assessment and the order (LOW risk here)."""
        events = await self.new("Order")
        assert [(e.type, e.aggregate_id) for e in events] == [
            ("order.risk_assessed", order_id), ("order.placed", order_id)]
        assert (events[0].payload["level"], events[0].payload["status"]) == ("LOW", "ACCEPTED")
        return events[1].payload


async def test_each_order_state_change_writes_exactly_one_event_with_its_amounts(
        db: Database, settings: Settings) -> None:
    shop = await make_shop(db, tax_bp=1000)
    mug = await make_variant(db, shop, stock=10, price=1200, sku="MUG")
    cap = await make_variant(db, shop, stock=10, price=800, sku="CAP")
    async with db.transaction() as s:
        s.add(DiscountCode(code="TENOFF", kind="PERCENTAGE", value=1000))
    outbox = Outbox(db)
    await outbox.new()

    placed = await complete_checkout(db, await make_cart(
        db, shop, {mug: 2, cap: 1}, email="Ann@Example.com", discount_code="TENOFF"),
        settings=settings)

    payload = await outbox.placed(placed.order_id)
    assert payload["number"] == "1001" and payload["order_id"] == placed.order_id
    assert (payload["email"], payload["channel"], payload["payment_method"],
            payload["currency"], payload["discount_code"], payload["tax_rate_bp"]) == (
        "ann@example.com", "WEB", "BANK_TRANSFER", "USD", "TENOFF", 1000)
    assert (payload["subtotal"], payload["discount"], payload["shipping"], payload["tax"],
            payload["total"]) == (3200, 320, 500, 338, 3718)
    assert payload["total"] == payload["subtotal"] - payload["discount"] + \
        payload["shipping"] + payload["tax"] - payload["included_tax"]
    lines = sorted(payload["lines"], key=lambda line: line["sku"])
    assert [(line["sku"], line["quantity"], line["unit_price"], line["subtotal"])
            for line in lines] == [("CAP", 1, 800, 800), ("MUG", 2, 1200, 2400)]
    assert sum(line["discount"] for line in lines) == payload["discount"]
    assert sum(line["total"] for line in lines) == \
        payload["subtotal"] - payload["discount"] + sum(line["tax"] for line in lines)

    await service.hold_order(db, placed.order_id, actor_id=None, reason="Call the customer")
    held = await outbox.one_order_event(placed.order_id, "order.status_changed")
    assert (held["from"], held["to"], held["total"]) == ("OPEN", "ON_HOLD", 3718)

    await service.release_order(db, placed.order_id, actor_id=None)
    released = await outbox.one_order_event(placed.order_id, "order.status_changed")
    assert (released["from"], released["to"]) == ("ON_HOLD", "OPEN")

    await service.add_note(db, placed.order_id, actor_id=None, message="Gift wrap")
    note = await outbox.one_order_event(placed.order_id, "order.note_added")
    assert note["message"] == "Gift wrap"

    await service.cancel_order(db, placed.order_id, actor_id=None, reason="Changed mind")
    canceled = await outbox.one_order_event(placed.order_id, "order.canceled")
    async with db.transaction() as s:
        stocks = {r.variant_id: r.id for r in (await s.execute(select(Stock))).scalars()}
        discount_id = (await s.execute(select(DiscountCode.id))).scalar_one()
    assert (canceled["total"], canceled["currency"], canceled["amount_paid"]) == (
        3718, "USD", 0)
    assert canceled["released"] == sorted([{"stock_id": stocks[mug], "quantity": 2},
                                           {"stock_id": stocks[cap], "quantity": 1}],
                                          key=lambda r: r["stock_id"])
    assert canceled["discount_uses_returned"] == [{"discount_id": discount_id, "uses": 1}]

    other = await complete_checkout(db, await make_cart(db, shop, {mug: 1}), settings=settings)
    await outbox.placed(other.order_id)
    await service.mark_as_paid(db, other.order_id, actor_id=None, reference="Bank ref 7")
    paid = await outbox.one_order_event(other.order_id, "payment.recorded")
    assert (paid["amount"], paid["currency"], paid["reference"]) == (1870, "USD", "Bank ref 7")
    assert (paid["amount_paid"], paid["payment_status"]) == (1870, "PAID")


async def test_stock_allocated_and_released_by_orders_and_the_cart_completed_are_events(
        db: Database, settings: Settings) -> None:
    shop = await make_shop(db)
    mug = await make_variant(db, shop, stock=10, sku="MUG")
    token = await make_cart(db, shop, {mug: 3})
    outbox = Outbox(db)
    await outbox.new()

    placed = await complete_checkout(db, token, settings=settings)

    events = await outbox.new()
    assert sorted(e.type for e in events) == ["cart.completed", "order.placed",
                                              "order.risk_assessed", "order.tracking",
                                              "stock.allocated"]
    allocated = next(e.payload for e in events if e.type == "stock.allocated")
    assert (allocated["variant_id"], allocated["sku"], allocated["allocated_delta"],
            allocated["allocated_after"], allocated["quantity_after"], allocated["order_id"]) \
        == (mug, "MUG", 3, 3, 10, placed.order_id)
    completed = next(e.payload for e in events if e.type == "cart.completed")
    assert completed["order_id"] == placed.order_id

    await complete_checkout(db, token, settings=settings)  # the same order again: no change
    assert await outbox.new() == []

    await service.cancel_order(db, placed.order_id, actor_id=None)
    released = [e.payload for e in await outbox.new("Stock")]
    assert [(p["reason"], p["allocated_delta"], p["allocated_after"]) for p in released] == [
        ("RELEASE", -3, 0)]
