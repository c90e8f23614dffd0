"""Card checkout end to end: the real Stripe SDK against the local fake Stripe server, our
API over HTTP, webhooks signed the way Stripe signs them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from commerce.db.database import Database
from commerce.db.models import Order, Payment, PaymentTransaction, StockReservation
from commerce.settings import Settings
from commerce.shared.clock import utcnow
from tests.card_fixtures import client_for, complete, count, deliver, intent_id, poster, start
from tests.conftest import GQL
from tests.order_factories import make_cart, make_shop, make_variant, stock_of

pytestmark = pytest.mark.timeout(120)

PAY = """
mutation ($input: CheckoutPaymentCreateInput!) {
  checkoutPaymentCreate(input: $input) {
    payment { clientSecret publishableKey amount { amount currency } reservedUntil }
    errors { code message field }
  }
}
"""

COMPLETE = """
mutation ($input: CheckoutCompleteInput!) {
  checkoutComplete(input: $input) {
    order { id number token status paymentStatus paymentMethod amountPaid { amount }
            total { amount } }
    errors { code message field }
  }
}
"""


async def test_a_shopper_pays_by_card_and_the_order_is_paid(
        db: Database, card_gql: GQL, fake_stripe: Any) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=3, price=2500)
    token = await make_cart(db, shop, {variant: 2})

    started = await start(card_gql, token)
    assert started["errors"] == []
    session = started["payment"]
    assert session["publishableKey"] == "pk_test_fake"
    total = session["amount"]["amount"]
    assert await count(db, StockReservation) == 1

    not_yet = await complete(card_gql, token)
    assert not_yet["order"] is None
    assert not_yet["errors"][0]["code"] == "PAYMENT_NOT_COMPLETED"

    fake_stripe.pay(intent_id(session["clientSecret"]))
    done = await complete(card_gql, token)
    assert done["errors"] == []
    order = done["order"]
    assert (order["paymentStatus"], order["paymentMethod"]) == ("PAID", "CARD")
    assert order["amountPaid"]["amount"] == order["total"]["amount"] == total
    assert await stock_of(db, variant) == (3, 2)
    assert await count(db, StockReservation) == 0  # consumed by the allocation
    async with db.transaction() as s:
        payment = (await s.execute(select(Payment))).scalar_one()
        kinds = (await s.execute(select(PaymentTransaction.kind))).scalars().all()
    assert (payment.status, payment.card_last4, payment.order_id) == (
        "CAPTURED", "4242", int(payment.order_id or 0))
    assert kinds == ["CAPTURE"]

    again = await complete(card_gql, token)
    assert again["order"]["id"] == order["id"]
    assert await count(db, Order) == 1


async def test_every_stripe_call_carries_our_idempotency_key(
        db: Database, card_gql: GQL, fake_stripe: Any) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=3, price=2500)
    token = await make_cart(db, shop, {variant: 1})
    started = await start(card_gql, token)
    fake_stripe.pay(intent_id(started["payment"]["clientSecret"]))
    assert (await complete(card_gql, token))["errors"] == []
    posts = [r for r in fake_stripe.requests if r.method == "POST"]
    assert posts
    assert all((r.idempotency_key or "").startswith("commerce-") for r in posts)


async def test_a_lost_answer_then_a_retry_makes_one_intent(
        db: Database, card_gql: GQL, fake_stripe: Any) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=3, price=2500)
    token = await make_cart(db, shop, {variant: 1})
    fake_stripe.fail_next("POST", "/v1/payment_intents", status=500, times=1,
                          after_apply=True)
    first = await start(card_gql, token)
    assert first["errors"] == []
    second = await start(card_gql, token)  # the shopper presses again
    assert intent_id(second["payment"]["clientSecret"]) == \
        intent_id(first["payment"]["clientSecret"])
    assert len(fake_stripe.intents) == 1
    assert await count(db, Payment) == 1


async def test_a_declined_card_is_a_payload_error_and_places_no_order(
        db: Database, card_gql: GQL, fake_stripe: Any) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=3, price=2500)
    token = await make_cart(db, shop, {variant: 1})
    started = await start(card_gql, token)
    fake_stripe.pay(intent_id(started["payment"]["clientSecret"]),
                    payment_method="pm_card_chargeDeclinedInsufficientFunds")
    declined = await complete(card_gql, token)
    assert declined["order"] is None
    assert declined["errors"][0]["code"] == "CARD_DECLINED"
    assert "insufficient_funds" in declined["errors"][0]["message"]
    assert await count(db, Order) == 0
    assert await count(db, PaymentTransaction, PaymentTransaction.status == "FAILED") == 1
    # The shopper tries another card on the same intent and succeeds.
    fake_stripe.pay(intent_id(started["payment"]["clientSecret"]))
    assert (await complete(card_gql, token))["errors"] == []


async def test_a_changed_cart_updates_the_same_intent(
        db: Database, card_gql: GQL, fake_stripe: Any) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=5, price=2500)
    token = await make_cart(db, shop, {variant: 1})
    first = await start(card_gql, token)
    async with db.transaction() as s:
        from commerce.db.models import Cart, CartLine

        cart = (await s.execute(select(Cart).where(Cart.token == token))).scalar_one()
        await s.execute(update(CartLine).where(CartLine.cart_id == cart.id).values(quantity=3))
    second = await start(card_gql, token)
    pi = intent_id(first["payment"]["clientSecret"])
    assert intent_id(second["payment"]["clientSecret"]) == pi
    assert second["payment"]["amount"]["amount"] != first["payment"]["amount"]["amount"]
    assert fake_stripe.intents[pi]["amount"] * 1 == round(
        float(second["payment"]["amount"]["amount"]) * 100)


async def test_paid_but_out_of_stock_is_refunded_and_places_no_order(
        db: Database, card_gql: GQL, fake_stripe: Any) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=1, price=2500)
    token = await make_cart(db, shop, {variant: 1})
    started = await start(card_gql, token)
    # The reservation lapses and another shopper buys the last unit by bank transfer.
    async with db.transaction() as s:
        await s.execute(update(StockReservation).values(
            expires_at=utcnow() - timedelta(minutes=1)))
    rival = await make_cart(db, shop, {variant: 1}, email="bob@example.com")
    assert (await complete(card_gql, rival))["errors"] == []
    fake_stripe.pay(intent_id(started["payment"]["clientSecret"]))

    outcome = await complete(card_gql, token)

    assert outcome["order"] is None
    error = outcome["errors"][0]
    assert error["code"] == "INSUFFICIENT_STOCK"
    assert "refunded" in error["message"] and "re_" in error["message"]
    assert await count(db, Order) == 1  # the rival's only
    pi = intent_id(started["payment"]["clientSecret"])
    charge = fake_stripe.intent(pi)["latest_charge"]
    assert charge["amount_refunded"] == charge["amount"]
    async with db.transaction() as s:
        payment = (await s.execute(select(Payment).where(Payment.psp_reference == pi))
                   ).scalar_one()
        rows = (await s.execute(select(PaymentTransaction.kind, PaymentTransaction.status)
                                .where(PaymentTransaction.payment_id == payment.id)
                                .order_by(PaymentTransaction.id))).all()
    assert payment.status == "REFUNDED" and payment.order_id is None
    assert [tuple(r) for r in rows] == [("CAPTURE", "SUCCESS"), ("REFUND", "SUCCESS")]
    # Asking again (or the webhook arriving) refunds nothing more and places nothing.
    again = await complete(card_gql, token)
    assert again["order"] is None
    assert len([r for r in fake_stripe.requests if r.path == "/v1/refunds"]) == 1


async def test_the_webhook_places_the_order_when_the_shopper_never_comes_back(
        db: Database, card_gql: GQL, card_client: httpx.AsyncClient,
        fake_stripe: Any) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=3, price=2500)
    token = await make_cart(db, shop, {variant: 1})
    started = await start(card_gql, token)
    pi = intent_id(started["payment"]["clientSecret"])
    intent = fake_stripe.pay(pi)
    response = await deliver(card_client, fake_stripe,
                             fake_stripe.event("payment_intent.succeeded", intent))
    assert response.status_code == 200
    assert await count(db, Order) == 1
    later = await complete(card_gql, token)  # the shopper comes back after all
    assert later["errors"] == [] and later["order"]["paymentStatus"] == "PAID"
    assert await count(db, Order) == 1
    assert await count(db, PaymentTransaction) == 1


async def test_checkout_and_webhook_racing_make_one_order(
        db: Database, card_gql: GQL, card_client: httpx.AsyncClient,
        fake_stripe: Any) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=50, price=2500)
    tokens = [await make_cart(db, shop, {variant: 1}, email=f"s{i}@example.com")
              for i in range(5)]
    events = []
    for token in tokens:
        started = await start(card_gql, token)
        events.append(fake_stripe.event(
            "payment_intent.succeeded",
            fake_stripe.pay(intent_id(started["payment"]["clientSecret"]))))
    await asyncio.gather(*[complete(card_gql, t) for t in tokens],
                         *[deliver(card_client, fake_stripe, e) for e in events],
                         *[deliver(card_client, fake_stripe, e) for e in events])
    assert await count(db, Order) == 5
    async with db.transaction() as s:
        rows = (await s.execute(select(PaymentTransaction.kind, PaymentTransaction.status,
                                       PaymentTransaction.idempotency_key))).all()
    assert len(rows) == 5, rows
    assert await stock_of(db, variant) == (50, 5)


async def test_webhooks_that_cannot_be_verified_change_nothing(
        db: Database, card_gql: GQL, card_client: httpx.AsyncClient,
        fake_stripe: Any) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=3, price=2500)
    token = await make_cart(db, shop, {variant: 1})
    started = await start(card_gql, token)
    event = fake_stripe.event("payment_intent.succeeded",
                              fake_stripe.pay(intent_id(started["payment"]["clientSecret"])))
    body = json.dumps(event).encode()
    good = fake_stripe.sign(body, "whsec_test")
    cases = [
        {},  # no signature
        {"Stripe-Signature": fake_stripe.sign(body, "whsec_wrong")},
        {"Stripe-Signature": fake_stripe.sign(body, "whsec_test",
                                              timestamp=int(utcnow().timestamp()) - 301)},
    ]
    for headers in cases:
        response = await card_client.post("/webhooks/stripe", content=body, headers=headers)
        assert response.status_code == 400
    reserialised = json.dumps(event, indent=2).encode()
    response = await card_client.post("/webhooks/stripe", content=reserialised,
                                      headers={"Stripe-Signature": good})
    assert response.status_code == 400
    from commerce.db.models import WebhookEvent

    assert await count(db, WebhookEvent) == 0
    assert await count(db, Order) == 0


@pytest.fixture
async def manual_capture_client(stripe_settings: Settings, db: Database
                                ) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(stripe_settings.with_(payment_capture="MANUAL"), db) as c:
        yield c


async def test_with_manual_capture_the_order_is_placed_on_an_authorisation(
        db: Database, manual_capture_client: httpx.AsyncClient, fake_stripe: Any) -> None:
    gql = poster(manual_capture_client)

    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=3, price=2500)
    token = await make_cart(db, shop, {variant: 1})
    started = await start(gql, token)
    pi = intent_id(started["payment"]["clientSecret"])
    assert fake_stripe.intents[pi]["capture_method"] == "manual"
    intent = fake_stripe.pay(pi)
    assert intent["status"] == "requires_capture"
    done = await complete(gql, token)
    assert done["errors"] == []
    assert (done["order"]["paymentStatus"], done["order"]["amountPaid"]["amount"]) == \
        ("AUTHORIZED", "0.00")
    response = await deliver(manual_capture_client, fake_stripe, fake_stripe.event(
        "payment_intent.amount_capturable_updated", intent))
    assert response.status_code == 200
    async with db.transaction() as s:
        rows = (await s.execute(select(PaymentTransaction.kind, PaymentTransaction.amount))
                ).all()
        payment = (await s.execute(select(Payment))).scalar_one()
    assert [r.kind for r in rows] == ["AUTHORIZE"]
    assert payment.status == "AUTHORIZED"


async def test_a_high_risk_card_order_is_canceled_and_refunded_and_the_shopper_told_nothing(
        db: Database, card_gql: GQL, fake_stripe: Any) -> None:
    from commerce.fraud.blocklist import add_entry
    from commerce.fraud.signals import BlocklistKind

    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=3, price=2500)
    token = await make_cart(db, shop, {variant: 1}, email="mallory@example.com")
    await add_entry(db, BlocklistKind.EMAIL, "mallory@example.com", actor_id=None)
    started = await start(card_gql, token)
    pi = intent_id(started["payment"]["clientSecret"])
    fake_stripe.pay(pi)

    outcome = await complete(card_gql, token)

    assert outcome["order"] is None
    assert outcome["errors"][0]["code"] == "ORDER_NOT_ACCEPTED"
    assert "blocklist" not in outcome["errors"][0]["message"].lower()
    async with db.transaction() as s:
        order = (await s.execute(select(Order))).scalar_one()
    assert (order.status, order.payment_status, order.amount_paid) == ("CANCELED", "REFUNDED", 0)
    assert await stock_of(db, variant) == (3, 0)
    charge = fake_stripe.intent(pi)["latest_charge"]
    assert charge["amount_refunded"] == charge["amount"]
    again = await complete(card_gql, token)  # asking again refunds nothing more
    assert again["errors"][0]["code"] == "ORDER_NOT_ACCEPTED"
    assert len([r for r in fake_stripe.requests if r.path == "/v1/refunds"]) == 1


async def test_an_authorisation_captured_at_stripe_is_recorded_once(
        db: Database, manual_capture_client: httpx.AsyncClient, fake_stripe: Any,
        stripe_settings: Settings) -> None:
    from commerce.payments.gateways import gateway_for

    gql = poster(manual_capture_client)

    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=3, price=2500)
    token = await make_cart(db, shop, {variant: 1})
    pi = intent_id((await start(gql, token))["payment"]["clientSecret"])
    fake_stripe.pay(pi)
    assert (await complete(gql, token))["order"]["paymentStatus"] == "AUTHORIZED"
    gateway = gateway_for(stripe_settings.with_(payment_capture="MANUAL"))
    assert gateway is not None
    captured = await gateway.capture(pi, amount=None, idempotency_key="dashboard-capture")
    event = fake_stripe.event("payment_intent.succeeded", fake_stripe.intent(captured.id))
    for _ in range(2):
        assert (await deliver(manual_capture_client, fake_stripe, event)).status_code == 200
    async with db.transaction() as s:
        order = (await s.execute(select(Order))).scalar_one()
        kinds = sorted((await s.execute(select(PaymentTransaction.kind))).scalars().all())
    assert (order.payment_status, order.amount_paid) == ("PAID", order.total)
    assert kinds == ["AUTHORIZE", "CAPTURE"]


async def test_a_staff_capture_whose_answer_was_lost_is_settled_by_the_webhook(
        db: Database, manual_capture_client: httpx.AsyncClient, fake_stripe: Any,
        stripe_settings: Settings) -> None:
    from commerce.integrations.stripe.gateway import MAX_NETWORK_RETRIES
    from commerce.payments.gateways import gateway_for
    from commerce.payments.operations import capture_payment
    from commerce.shared.errors import DomainError

    gql = poster(manual_capture_client)

    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=3, price=2500)
    token = await make_cart(db, shop, {variant: 1})
    pi = intent_id((await start(gql, token))["payment"]["clientSecret"])
    fake_stripe.pay(pi)
    assert (await complete(gql, token))["order"]["paymentStatus"] == "AUTHORIZED"
    gateway = gateway_for(stripe_settings.with_(payment_capture="MANUAL"))
    assert gateway is not None
    async with db.transaction() as s:
        payment_id = (await s.execute(select(Payment.id))).scalar_one()
    # Stripe captures, but every answer is lost: the capture stays PENDING here.
    fake_stripe.fail_next("POST", f"/v1/payment_intents/{pi}/capture", status=500,
                          times=MAX_NETWORK_RETRIES + 1, after_apply=True)
    with pytest.raises(DomainError):
        await capture_payment(db, gateway, payment_id, amount=None, idempotency_key="cap-1",
                              actor_id=None)
    event = fake_stripe.event("payment_intent.succeeded", fake_stripe.intent(pi))
    assert (await deliver(manual_capture_client, fake_stripe, event)).status_code == 200
    async with db.transaction() as s:
        order = (await s.execute(select(Order))).scalar_one()
        rows = (await s.execute(select(PaymentTransaction.kind, PaymentTransaction.status)
                                .order_by(PaymentTransaction.id))).all()
    assert [tuple(r) for r in rows] == [("AUTHORIZE", "SUCCESS"), ("CAPTURE", "SUCCESS")]
    assert (order.payment_status, order.amount_paid) == ("PAID", order.total)


@pytest.fixture
async def wary_client(stripe_settings: Settings, db: Database
                      ) -> AsyncIterator[httpx.AsyncClient]:
    """A shop that sends any order with one warning sign to the review queue."""
    async with client_for(stripe_settings.with_(risk_medium_score=20, risk_high_score=100),
                          db) as c:
        yield c


async def test_a_paid_order_held_for_review_and_rejected_gets_its_money_and_stock_back(
        db: Database, wary_client: httpx.AsyncClient, fake_stripe: Any,
        stripe_settings: Settings) -> None:
    from commerce.fraud.review import reject
    from commerce.payments.gateways import gateway_for

    gql = poster(wary_client)

    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=3, price=2500)
    token = await make_cart(db, shop, {variant: 2}, email="someone@mailinator.com")
    pi = intent_id((await start(gql, token))["payment"]["clientSecret"])
    fake_stripe.pay(pi)
    placed = await complete(gql, token)
    assert placed["errors"] == []  # the shopper sees a placed, paid order
    assert placed["order"]["paymentStatus"] == "PAID"
    async with db.transaction() as s:
        order = (await s.execute(select(Order))).scalar_one()
    assert order.status == "ON_HOLD"
    assert await stock_of(db, variant) == (3, 2)

    await reject(db, order.id, actor_id=None, note="stolen card",
                 gateway=gateway_for(stripe_settings))

    async with db.transaction() as s:
        order = (await s.execute(select(Order).execution_options(populate_existing=True))
                 ).scalar_one()
    assert (order.status, order.payment_status, order.amount_paid) == ("CANCELED", "REFUNDED", 0)
    assert await stock_of(db, variant) == (3, 0)
    charge = fake_stripe.intent(pi)["latest_charge"]
    assert charge["amount_refunded"] == charge["amount"]


async def test_carts_starting_to_pay_at_the_same_time_each_get_their_intent(
        db: Database, card_gql: GQL, fake_stripe: Any) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=20, price=2500)
    tokens = [await make_cart(db, shop, {variant: 1}, email=f"p{i}@example.com")
              for i in range(6)]
    started = await asyncio.gather(*[start(card_gql, t) for t in tokens])
    assert [s["errors"] for s in started] == [[]] * 6
    assert len({intent_id(s["payment"]["clientSecret"]) for s in started}) == 6
