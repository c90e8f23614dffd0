"""Every customer-visible change in the flows that exist writes exactly one tracking entry,
in its own transaction, numbered 1, 2, 3... per order: checkout (manual and card, automatic
and manual capture), staff drafts, fraud holds and decisions, Stripe refunds and disputes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from commerce.checkout.service import complete_checkout
from commerce.db.database import Database
from commerce.db.models import Cart, Order, OrderTrackingEvent, OutboxEvent
from commerce.fraud import review
from commerce.settings import Settings
from tests.card_fixtures import client_for, complete, deliver, intent_id, poster, start
from tests.conftest import GQL
from tests.order_api_helpers import place_order
from tests.order_factories import ADDRESS, make_cart, make_shop, make_variant

pytestmark = pytest.mark.timeout(120)


async def log_of(db: Database, order_id: int | None = None) -> list[tuple[int, str, str]]:
    """(version, type, order status) of the order's entries (the only order if None)."""
    async with db.transaction() as s:
        if order_id is None:
            order_id = (await s.execute(select(Order.id))).scalar_one()
        rows = (await s.execute(select(OrderTrackingEvent).where(
            OrderTrackingEvent.order_id == order_id).order_by(OrderTrackingEvent.version))
        ).scalars().all()
        version = (await s.execute(select(Order.tracking_version).where(
            Order.id == order_id))).scalar_one()
        outbox = (await s.execute(select(OutboxEvent.payload).where(
            OutboxEvent.type == "order.tracking", OutboxEvent.aggregate_id == order_id)
            .order_by(OutboxEvent.id))).scalars().all()
    entries = [(r.version, r.type, r.order_status) for r in rows]
    # The counter, the rows and the outbox agree: one event per entry, versions 1..n.
    assert version == len(entries) and [v for v, _, _ in entries] == list(range(1, version + 1))
    assert sorted((p["version"], p["type"], p["order_status"]) for p in outbox) == entries
    return entries


async def test_a_checkout_records_placed_as_version_one(db: Database,
                                                        settings: Settings) -> None:
    shop = await make_shop(db)
    order = await place_order(db, settings, shop, {await make_variant(db, shop): 1})
    assert await log_of(db, order.pk) == [(1, "PLACED", "OPEN")]


async def test_a_completed_staff_draft_records_placed(db: Database, gql: GQL,
                                                      settings: Settings) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop)
    token = await make_cart(db, shop, {variant: 1})
    async with db.transaction() as s:
        await s.execute(update(Cart).where(Cart.token == token).values(kind="DRAFT"))
    placed = await complete_checkout(db, token, settings=settings, kind="DRAFT", system=True)
    assert await log_of(db, placed.order_id) == [(1, "PLACED", "OPEN")]


async def test_a_card_checkout_records_placed_then_payment_confirmed(
        db: Database, card_gql: GQL, fake_stripe: Any) -> None:
    shop = await make_shop(db)
    token = await make_cart(db, shop, {await make_variant(db, shop, price=2500): 1})
    fake_stripe.pay(intent_id((await start(card_gql, token))["payment"]["clientSecret"]))
    assert (await complete(card_gql, token))["errors"] == []
    assert (await complete(card_gql, token))["errors"] == []  # again: nothing new
    assert await log_of(db) == [(1, "PLACED", "OPEN"), (2, "PAYMENT_CONFIRMED", "OPEN")]
    async with db.transaction() as s:
        order = (await s.execute(select(Order))).scalar_one()
        confirmed = (await s.execute(select(OrderTrackingEvent.data).where(
            OrderTrackingEvent.version == 2))).scalar_one()
    # What the payment e-mail shows.
    assert confirmed == {"payment_status": "PAID", "amount": order.total,
                         "currency": order.currency}


@pytest.fixture
async def manual_capture(stripe_settings: Settings, db: Database
                         ) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(stripe_settings.with_(payment_capture="MANUAL"), db) as c:
        yield c


async def test_with_manual_capture_the_authorisation_confirms_and_the_capture_adds_nothing(
        db: Database, manual_capture: httpx.AsyncClient, fake_stripe: Any,
        stripe_settings: Settings) -> None:
    from commerce.payments.gateways import gateway_for

    gql = poster(manual_capture)
    shop = await make_shop(db)
    token = await make_cart(db, shop, {await make_variant(db, shop, price=2500): 1})
    pi = intent_id((await start(gql, token))["payment"]["clientSecret"])
    fake_stripe.pay(pi)
    assert (await complete(gql, token))["errors"] == []
    assert await log_of(db) == [(1, "PLACED", "OPEN"), (2, "PAYMENT_CONFIRMED", "OPEN")]
    gateway = gateway_for(stripe_settings.with_(payment_capture="MANUAL"))
    assert gateway is not None
    captured = await gateway.capture(pi, amount=None, idempotency_key="dashboard-capture")
    event = fake_stripe.event("payment_intent.succeeded", fake_stripe.intent(captured.id))
    assert (await deliver(manual_capture, fake_stripe, event)).status_code == 200
    async with db.transaction() as s:
        assert (await s.execute(select(Order.payment_status))).scalar_one() == "PAID"
    assert len(await log_of(db)) == 2


async def _medium_risk_order(db: Database, settings: Settings) -> int:
    """A checkout whose billing country differs from shipping: MEDIUM with a low bar."""
    shop = await make_shop(db)
    token = await make_cart(db, shop, {await make_variant(db, shop): 1})
    async with db.transaction() as s:
        await s.execute(update(Cart).where(Cart.token == token).values(
            shipping_address=ADDRESS, billing_address={**ADDRESS, "country_code": "DE"}))
    placed = await complete_checkout(db, token, settings=settings.with_(risk_medium_score=10),
                                     system=True)
    return placed.order_id


async def test_a_fraud_hold_then_approval_records_on_hold_then_released(
        db: Database, settings: Settings) -> None:
    order = await _medium_risk_order(db, settings)
    assert await log_of(db, order) == [(1, "PLACED", "OPEN"), (2, "ON_HOLD", "ON_HOLD")]
    await review.approve(db, order, actor_id=None)
    assert (await log_of(db, order))[2:] == [(3, "RELEASED", "OPEN")]


async def test_a_rejection_records_the_cancel_once(db: Database, settings: Settings) -> None:
    order = await _medium_risk_order(db, settings)
    await review.reject(db, order, actor_id=None, gateway=None)
    assert (await log_of(db, order))[2:] == [(3, "CANCELED", "CANCELED")]


async def test_a_high_risk_card_order_is_placed_held_refunded_and_canceled(
        db: Database, card_gql: GQL, fake_stripe: Any) -> None:
    from commerce.fraud.blocklist import add_entry
    from commerce.fraud.signals import BlocklistKind

    shop = await make_shop(db)
    token = await make_cart(db, shop, {await make_variant(db, shop, price=2500): 1},
                            email="mallory@example.com")
    await add_entry(db, BlocklistKind.EMAIL, "mallory@example.com", actor_id=None)
    fake_stripe.pay(intent_id((await start(card_gql, token))["payment"]["clientSecret"]))
    assert (await complete(card_gql, token))["errors"][0]["code"] == "ORDER_NOT_ACCEPTED"
    assert await log_of(db) == [(1, "PLACED", "OPEN"), (2, "PAYMENT_CONFIRMED", "OPEN"),
                                (3, "ON_HOLD", "ON_HOLD"), (4, "REFUNDED", "ON_HOLD"),
                                (5, "CANCELED", "CANCELED")]


async def _paid(db: Database, gql: GQL, client: httpx.AsyncClient, fake: Any) -> str:
    shop = await make_shop(db)
    token = await make_cart(db, shop, {await make_variant(db, shop, price=2500): 1})
    pi = intent_id((await start(gql, token))["payment"]["clientSecret"])
    paid = fake.pay(pi)
    await deliver(client, fake, fake.event("payment_intent.succeeded", paid))
    return pi


async def test_a_refund_at_stripe_delivered_twice_records_one_entry(
        db: Database, card_gql: GQL, card_client: httpx.AsyncClient, fake_stripe: Any) -> None:
    pi = await _paid(db, card_gql, card_client, fake_stripe)
    fake_stripe.refund_outside(pi, 1000)
    event = fake_stripe.event("charge.refunded", fake_stripe.intent(pi)["latest_charge"])
    for _ in range(2):
        assert (await deliver(card_client, fake_stripe, event)).status_code == 200
    assert [t for _, t, _ in await log_of(db)] == ["PLACED", "PAYMENT_CONFIRMED", "REFUNDED"]


async def test_a_dispute_holds_and_winning_it_releases(
        db: Database, card_gql: GQL, card_client: httpx.AsyncClient, fake_stripe: Any) -> None:
    pi = await _paid(db, card_gql, card_client, fake_stripe)
    dispute = fake_stripe.open_dispute(pi)
    for _ in range(2):
        await deliver(card_client, fake_stripe,
                      fake_stripe.event("charge.dispute.created", dispute))
    won = fake_stripe.close_dispute(dispute["id"], won=True)
    await deliver(card_client, fake_stripe, fake_stripe.event("charge.dispute.closed", won))
    assert (await log_of(db))[2:] == [(3, "ON_HOLD", "ON_HOLD"), (4, "RELEASED", "OPEN")]
