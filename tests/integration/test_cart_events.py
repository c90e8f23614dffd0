"""Cart and draft changes write outbox events (funnel, abandoned-cart e-mail, webhooks)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from commerce.cart import service
from commerce.cart.rules import LineChange, LineRequest
from commerce.cart.service import NewCart
from commerce.db.database import Database
from commerce.db.models import Cart, CartLine, OutboxEvent
from commerce.settings import Settings
from tests.order_factories import make_shop, make_variant


async def _events(db: Database) -> list[tuple[str, str, dict[str, Any]]]:
    async with db.transaction() as s:
        return [(e.type, e.aggregate_type, e.payload) for e in (await s.execute(
            select(OutboxEvent).order_by(OutboxEvent.id))).scalars()]


async def test_each_cart_change_writes_one_event_with_the_new_values(db: Database) -> None:
    shop = await make_shop(db)
    mug, cap = await make_variant(db, shop), await make_variant(db, shop)

    token = await service.create_cart(db, NewCart(lines=[LineRequest(mug, 2)]))
    await service.add_lines(db, token, [LineRequest(cap, 1), LineRequest(mug, 1)])
    async with db.transaction() as s:
        cart_id = (await s.execute(select(Cart.id))).scalar_one()
        line_ids = {r.variant_id: r.id for r in (await s.execute(select(CartLine))).scalars()}
    await service.update_lines(db, token, [LineChange(line_ids[mug], 5)])
    await service.remove_lines(db, token, [line_ids[cap]])
    await service.update_email(db, token, "ann@example.com")

    events = await _events(db)
    assert [(t, a) for t, a, _ in events] == [("cart.created", "Cart")] + \
        [("cart.updated", "Cart")] * 4
    assert all(p["cart_id"] == cart_id and p["kind"] == "CART" for _, _, p in events)
    assert events[0][2]["lines"] == [{"variant_id": mug, "quantity": 2}]
    assert [(p["changed"], p.get("lines") or p.get("email")) for _, _, p in events[1:]] == [
        ("lines", sorted([{"variant_id": mug, "quantity": 3}, {"variant_id": cap, "quantity": 1}],
                         key=lambda line: line["variant_id"])),
        ("lines", [{"variant_id": mug, "quantity": 5}]),
        ("lines", [{"variant_id": cap, "quantity": 0}]),
        ("email", "ann@example.com")]


async def test_draft_changes_write_events_with_staff_price_overrides(
        db: Database, settings: Settings) -> None:
    from commerce.drafts import service as drafts
    from commerce.drafts.rules import DraftLine
    from commerce.drafts.service import DraftFields
    from tests.integration.test_drafts_service import ready_draft, staff_viewer

    staff = await staff_viewer(db)
    shop = await make_shop(db)
    mug = await make_variant(db, shop)
    draft_id = await ready_draft(db, settings, staff, shop, [DraftLine(mug, 1)])
    await drafts.add_lines(db, draft_id, [DraftLine(mug, 1, unit_price=900,
                                                    reason="Price match")])
    await drafts.update_draft(db, draft_id, DraftFields(customer_note="Call first"),
                              settings=settings)
    await drafts.delete_draft(db, draft_id)

    events = await _events(db)
    assert [(t, p["cart_id"], p["kind"]) for t, _, p in events] == [
        ("cart.created", draft_id, "DRAFT"), ("cart.updated", draft_id, "DRAFT"),
        ("cart.updated", draft_id, "DRAFT"), ("cart.deleted", draft_id, "DRAFT")]
    assert events[1][2]["lines"] == [{"variant_id": mug, "quantity": 2,
                                      "unit_price_override": 900,
                                      "override_reason": "Price match"}]
    assert (events[2][2]["changed"], events[2][2]["customer_note"],
            events[2][2]["email"]) == ("header", "Call first", "buyer@example.com")
