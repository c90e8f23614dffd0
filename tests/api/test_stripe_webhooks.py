"""Stripe webhooks: stored once, applied idempotently and in any order; refunds made at
Stripe, disputes, reconciliation. The real SDK against the fake Stripe server."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from commerce.db.database import Database
from commerce.db.models import Order, OrderEvent, Payment, PaymentTransaction, WebhookEvent
from commerce.payments.gateways import gateway_for
from commerce.payments.reconcile import reconcile
from commerce.settings import Settings
from commerce.shared.clock import utcnow
from tests.card_fixtures import client_for, count, deliver, intent_id, poster, start
from tests.conftest import GQL, _empty
from tests.order_factories import make_cart, make_shop, make_variant

pytestmark = pytest.mark.timeout(300)


async def _paid_cart(db: Database, gql: GQL, fake: Any, shop: Any, variant: int,
                     email: str, card: str = "pm_card_visa") -> tuple[str, dict[str, Any]]:
    token = await make_cart(db, shop, {variant: 1}, email=email)
    started = await start(gql, token)
    assert started["errors"] == [], started
    pi = intent_id(started["payment"]["clientSecret"])
    return pi, fake.pay(pi, card)


async def _scenario(db: Database, gql: GQL, fake: Any, carts: int) -> list[dict[str, Any]]:
    """Carts paid in several ways, and the events Stripe would send, in the order it
    would send them (succeeded; a decline then a success; a refund in the dashboard; a
    dispute won; a dispute lost)."""
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=carts * 2, price=1999)
    events: list[dict[str, Any]] = []
    for i in range(carts):
        kind = i % 5
        if kind == 1:
            pi, failed = await _paid_cart(db, gql, fake, shop, variant, f"c{i}@example.com",
                                          "pm_card_chargeDeclined")
            events.append(fake.event("payment_intent.payment_failed", failed))
            paid = fake.pay(pi)
        else:
            pi, paid = await _paid_cart(db, gql, fake, shop, variant, f"c{i}@example.com")
        events.append(fake.event("payment_intent.succeeded", paid))
        if kind == 2:
            fake.refund_outside(pi, 500)
            events.append(fake.event("charge.refunded", fake.intent(pi)["latest_charge"]))
        if kind in (3, 4):
            dispute = fake.open_dispute(pi)
            events.append(fake.event("charge.dispute.created", dispute))
            events.append(fake.event("charge.dispute.closed",
                                     fake.close_dispute(dispute["id"], won=kind == 3)))
    return events


async def _state(db: Database) -> list[tuple[Any, ...]]:
    """Everything the events decide, keyed by the shopper's e-mail (ids differ per run)."""
    async with db.transaction() as s:
        orders = {r.id: r for r in (await s.execute(select(Order))).scalars()}
        payments = (await s.execute(select(Payment).order_by(Payment.email))).scalars().all()
        txns = (await s.execute(select(PaymentTransaction))).scalars().all()
        events = (await s.execute(select(OrderEvent.order_id, OrderEvent.type))).all()
    state: list[tuple[Any, ...]] = []
    for p in payments:
        order = orders.get(p.order_id) if p.order_id else None
        state.append((
            p.email, p.status, p.amount, p.failure_code,
            (order.status, order.payment_status, order.amount_paid) if order else None,
            sorted((t.kind, t.status, t.amount) for t in txns if t.payment_id == p.id),
            sorted(e.type for e in events if order and e.order_id == order.id)))
    return state


@pytest.fixture(scope="session")
def unscreened(stripe_settings: Settings) -> Settings:
    """Fraud velocity depends on the order orders arrive in (all test traffic shares one
    address and one test card), so this comparison runs with levels no test order reaches."""
    return stripe_settings.with_(risk_medium_score=99, risk_high_score=100)


@pytest.fixture
async def quiet_client(unscreened: Settings, db: Database
                       ) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(unscreened, db) as c:
        yield c


async def test_shuffled_duplicated_deliveries_end_like_one_in_order_delivery(
        db: Database, quiet_client: httpx.AsyncClient, fake_stripe: Any,
        unscreened: Settings) -> None:
    card_client, stripe_settings = quiet_client, unscreened

    card_gql = poster(card_client)

    carts = 228  # 11 events per 5 carts, and 5 for the last 3: 500 events
    events = await _scenario(db, card_gql, fake_stripe, carts)
    assert len(events) == 500
    for event in events:
        assert (await deliver(card_client, fake_stripe, event)).status_code == 200
    expected = await _state(db)
    assert await count(db, Order) == carts

    await _empty(db)
    fake_stripe.reset()
    events = await _scenario(db, card_gql, fake_stripe, carts)
    rng = random.Random(7)
    deliveries = [e for e in events for _ in range(rng.randint(1, 3))]
    rng.shuffle(deliveries)
    for event in deliveries:
        assert (await deliver(card_client, fake_stripe, event)).status_code == 200
    assert await count(db, WebhookEvent) == 500
    # Nothing is left unprocessed, so reconciliation finds nothing to do.
    report = await reconcile(db, gateway_for(stripe_settings), stripe_settings)  # type: ignore[arg-type]
    assert report.events_retried == 0
    assert await _state(db) == expected


async def test_a_refund_made_at_stripe_is_recorded_once(
        db: Database, card_gql: GQL, card_client: httpx.AsyncClient,
        fake_stripe: Any) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=3, price=2500)
    pi, paid = await _paid_cart(db, card_gql, fake_stripe, shop, variant, "a@example.com")
    await deliver(card_client, fake_stripe, fake_stripe.event("payment_intent.succeeded", paid))
    fake_stripe.refund_outside(pi, 1000)
    event = fake_stripe.event("charge.refunded", fake_stripe.intent(pi)["latest_charge"])
    for _ in range(2):
        response = await deliver(card_client, fake_stripe, event)
        assert response.status_code == 200
    async with db.transaction() as s:
        order = (await s.execute(select(Order))).scalar_one()
        refunds = (await s.execute(select(PaymentTransaction.amount).where(
            PaymentTransaction.kind == "REFUND"))).scalars().all()
    assert refunds == [1000]
    assert order.payment_status == "PARTIALLY_REFUNDED"
    assert order.amount_paid == order.total - 1000


async def test_a_dispute_holds_the_order_and_a_lost_one_records_the_chargeback(
        db: Database, card_gql: GQL, card_client: httpx.AsyncClient,
        fake_stripe: Any) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=3, price=2500)
    pi, paid = await _paid_cart(db, card_gql, fake_stripe, shop, variant, "a@example.com")
    await deliver(card_client, fake_stripe, fake_stripe.event("payment_intent.succeeded", paid))
    dispute = fake_stripe.open_dispute(pi)
    await deliver(card_client, fake_stripe, fake_stripe.event("charge.dispute.created", dispute))
    async with db.transaction() as s:
        order = (await s.execute(select(Order))).scalar_one()
    assert order.status == "ON_HOLD" and order.payment_status == "PAID"
    lost = fake_stripe.close_dispute(dispute["id"], won=False)
    await deliver(card_client, fake_stripe, fake_stripe.event("charge.dispute.closed", lost))
    async with db.transaction() as s:
        order = (await s.execute(select(Order).execution_options(populate_existing=True))
                 ).scalar_one()
        kinds = (await s.execute(select(PaymentTransaction.kind, PaymentTransaction.status)
                                 .order_by(PaymentTransaction.id))).all()
        history = (await s.execute(select(OrderEvent.type).order_by(OrderEvent.id))
                   ).scalars().all()
    assert order.status == "ON_HOLD" and order.payment_status == "REFUNDED"
    assert order.amount_paid == 0
    assert [tuple(k) for k in kinds] == [("CAPTURE", "SUCCESS"), ("CHARGEBACK", "SUCCESS")]
    assert history[-2:] == ["DISPUTE_OPENED", "DISPUTE_CLOSED"]


async def test_a_won_dispute_releases_the_hold(
        db: Database, card_gql: GQL, card_client: httpx.AsyncClient,
        fake_stripe: Any) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=3, price=2500)
    pi, paid = await _paid_cart(db, card_gql, fake_stripe, shop, variant, "a@example.com")
    await deliver(card_client, fake_stripe, fake_stripe.event("payment_intent.succeeded", paid))
    dispute = fake_stripe.open_dispute(pi)
    await deliver(card_client, fake_stripe, fake_stripe.event("charge.dispute.created", dispute))
    won = fake_stripe.close_dispute(dispute["id"], won=True)
    await deliver(card_client, fake_stripe, fake_stripe.event("charge.dispute.closed", won))
    async with db.transaction() as s:
        order = (await s.execute(select(Order))).scalar_one()
    assert (order.status, order.payment_status) == ("OPEN", "PAID")


async def test_reconcile_places_the_order_of_a_payment_whose_webhook_never_came(
        db: Database, card_gql: GQL, fake_stripe: Any, stripe_settings: Settings) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=3, price=2500)
    await _paid_cart(db, card_gql, fake_stripe, shop, variant, "a@example.com")
    gateway = gateway_for(stripe_settings)
    assert gateway is not None
    # Too recent: left alone (the shopper may still be completing).
    assert (await reconcile(db, gateway, stripe_settings)).payments_checked == 0
    async with db.transaction() as s:
        await s.execute(update(Payment).values(
            updated_at=utcnow() - timedelta(hours=1)))
    report = await reconcile(db, gateway, stripe_settings)
    assert (report.payments_checked, report.payments_failed) == (1, 0)
    assert await count(db, Order) == 1
    assert (await reconcile(db, gateway, stripe_settings)).payments_checked == 0


async def test_a_failed_event_is_kept_and_retried_by_reconcile(
        db: Database, card_gql: GQL, card_client: httpx.AsyncClient, fake_stripe: Any,
        stripe_settings: Settings) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=3, price=2500)
    pi, paid = await _paid_cart(db, card_gql, fake_stripe, shop, variant, "a@example.com")
    # Stripe is down when the handler asks for the intent: the event stays unprocessed.
    from commerce.integrations.stripe.gateway import MAX_NETWORK_RETRIES

    fake_stripe.fail_next("GET", f"/v1/payment_intents/{pi}", status=500,
                          times=MAX_NETWORK_RETRIES + 1)
    event = fake_stripe.event("payment_intent.succeeded", paid)
    assert (await deliver(card_client, fake_stripe, event)).status_code == 200
    assert await count(db, Order) == 0
    assert await count(db, WebhookEvent, WebhookEvent.processed_at.is_(None)) == 1
    gateway = gateway_for(stripe_settings)
    assert gateway is not None
    report = await reconcile(db, gateway, stripe_settings)
    assert report.events_retried == 1 and report.events_failed == 0
    assert await count(db, Order) == 1
