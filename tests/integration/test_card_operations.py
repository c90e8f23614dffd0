"""Capture, void and refund of card payments through the real Stripe SDK against the local
fake Stripe server; cancel of a paid card order. Every gateway call is asked once: a retry
(same client key) asks Stripe again with the same derived key, which replays."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from commerce.db.database import Database
from commerce.db.models import Order, OutboxEvent, Payment, PaymentTransaction
from commerce.orders.service import cancel_order
from commerce.payments.gateway import PaymentGateway
from commerce.payments.gateways import gateway_for
from commerce.payments.operations import capture_payment, refund_payment, void_payment
from commerce.payments.settlement import record_gateway_refund
from commerce.settings import Settings
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError
from tests.card_factories import Card, card_order
from tests.fakes.stripe_server import FakeStripe
from tests.order_factories import stock_of

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def gateway(stripe_settings: Settings, fake_stripe: FakeStripe) -> PaymentGateway:
    found = gateway_for(stripe_settings)
    assert found is not None
    return found


async def _rows(db: Database) -> list[tuple[str, int, str]]:
    async with db.transaction() as s:
        return [(k, a, st) for k, a, st in (await s.execute(
            select(PaymentTransaction.kind, PaymentTransaction.amount, PaymentTransaction.status)
            .order_by(PaymentTransaction.id))).all()]


async def _order(db: Database, card: Card) -> tuple[str, str, int]:
    async with db.transaction() as s:
        o = (await s.execute(select(Order).where(Order.id == card.order_id))).scalar_one()
        return o.status, o.payment_status, o.amount_paid


async def _payment_status(db: Database, card: Card) -> str:
    async with db.transaction() as s:
        return (await s.execute(select(Payment.status).where(
            Payment.id == card.payment_id))).scalar_one()


def _posts(fake: FakeStripe, prefix: str) -> list[str | None]:
    return [r.idempotency_key for r in fake.requests
            if r.method == "POST" and r.path.startswith(prefix)]


async def test_a_partial_capture_takes_part_and_releases_the_rest(
        db: Database, stripe_settings: Settings, gateway: PaymentGateway,
        fake_stripe: FakeStripe) -> None:
    card = await card_order(db, stripe_settings, gateway, fake_stripe, authorize_only=True)
    assert await _order(db, card) == ("OPEN", "AUTHORIZED", 0)
    with pytest.raises(DomainError) as too_much:
        await capture_payment(db, gateway, card.payment_id, amount=1501,
                              idempotency_key="c0", actor_id=None)
    assert too_much.value.problems[0].field == ("amount",)

    first = await capture_payment(db, gateway, card.payment_id, amount=1000,
                                  idempotency_key="c1", actor_id=None)
    again = await capture_payment(db, gateway, card.payment_id, amount=1000,
                                  idempotency_key="c1", actor_id=None)

    assert (again.transaction_id, again.replayed) == (first.transaction_id, True)
    assert _posts(fake_stripe, f"/v1/payment_intents/{card.intent_id}/capture") == [
        f"commerce-txn-{first.transaction_id}"]
    assert fake_stripe.intent(card.intent_id)["amount_received"] == 1000
    assert await _rows(db) == [("AUTHORIZE", 1500, "SUCCESS"), ("CAPTURE", 1000, "SUCCESS"),
                               ("VOID", 500, "SUCCESS")]
    assert await _order(db, card) == ("OPEN", "PARTIALLY_PAID", 1000)
    assert await _payment_status(db, card) == "CAPTURED"
    async with db.transaction() as s:
        captured = (await s.execute(select(OutboxEvent.payload).where(
            OutboxEvent.type == "payment.captured"))).scalar_one()
    assert (captured["amount"], captured["released"], captured["amount_paid"]) == (
        1000, 500, 1000)
    with pytest.raises(DomainError) as twice:
        await capture_payment(db, gateway, card.payment_id, amount=None,
                              idempotency_key="c2", actor_id=None)
    assert twice.value.problems[0].code is ErrorCode.INVALID_STATE


async def test_a_void_releases_the_authorization_and_nothing_else_can_follow(
        db: Database, stripe_settings: Settings, gateway: PaymentGateway,
        fake_stripe: FakeStripe) -> None:
    card = await card_order(db, stripe_settings, gateway, fake_stripe, authorize_only=True)
    await void_payment(db, gateway, card.payment_id, idempotency_key="v", actor_id=None)
    assert fake_stripe.intent(card.intent_id)["status"] == "canceled"
    assert await _rows(db) == [("AUTHORIZE", 1500, "SUCCESS"), ("VOID", 1500, "SUCCESS")]
    assert await _payment_status(db, card) == "VOIDED"
    assert await _order(db, card) == ("OPEN", "NOT_PAID", 0)
    with pytest.raises(DomainError) as capture:
        await capture_payment(db, gateway, card.payment_id, amount=None,
                              idempotency_key="c", actor_id=None)
    assert capture.value.problems[0].code is ErrorCode.INVALID_STATE


async def test_a_captured_payment_cannot_be_voided_and_is_refunded_in_parts(
        db: Database, stripe_settings: Settings, gateway: PaymentGateway,
        fake_stripe: FakeStripe) -> None:
    card = await card_order(db, stripe_settings, gateway, fake_stripe, authorize_only=False)
    with pytest.raises(DomainError) as void:
        await void_payment(db, gateway, card.payment_id, idempotency_key="v", actor_id=None)
    assert void.value.problems[0].code is ErrorCode.INVALID_STATE

    await refund_payment(db, gateway, card.payment_id, amount=500, reason="damaged",
                         idempotency_key="r1", actor_id=None)
    assert await _order(db, card) == ("OPEN", "PARTIALLY_REFUNDED", 1000)
    assert await _payment_status(db, card) == "PARTIALLY_REFUNDED"
    await refund_payment(db, gateway, card.payment_id, amount=1000, reason="",
                         idempotency_key="r2", actor_id=None)
    assert await _order(db, card) == ("OPEN", "REFUNDED", 0)
    with pytest.raises(DomainError) as more:
        await refund_payment(db, gateway, card.payment_id, amount=1, reason="",
                             idempotency_key="r3", actor_id=None)
    assert more.value.problems[0].field == ("amount",)

    refunds = fake_stripe.intent(card.intent_id)["latest_charge"]["refunds"]["data"]
    assert sorted(r["amount"] for r in refunds) == [500, 1000]
    async with db.transaction() as s:
        references = set((await s.execute(select(PaymentTransaction.psp_reference).where(
            PaymentTransaction.kind == "REFUND"))).scalars())
    assert references == {r["id"] for r in refunds}
    # The webhook reporting them later records nothing.
    async with db.transaction() as s:
        payment = await s.get(Payment, card.payment_id)
        assert payment is not None
        assert not any([await record_gateway_refund(s, payment, r["id"], r["amount"])
                        for r in refunds])
    assert len(await _rows(db)) == 3


async def test_ten_concurrent_card_refunds_never_exceed_what_was_captured(
        db: Database, stripe_settings: Settings, gateway: PaymentGateway,
        fake_stripe: FakeStripe) -> None:
    """Each alone fits (600 of 1500); two fit together. Pending refunds count against the
    limit, so the others are refused here and never reach Stripe."""
    card = await card_order(db, stripe_settings, gateway, fake_stripe, authorize_only=False)

    async def refund(i: int) -> bool:
        try:
            await refund_payment(db, gateway, card.payment_id, amount=600, reason="",
                                 idempotency_key=f"r{i}", actor_id=None)
        except DomainError as exc:
            assert exc.problems[0].field == ("amount",), exc.problems
            return False
        return True

    outcomes = await asyncio.gather(*(refund(i) for i in range(10)))
    assert outcomes.count(True) == 2
    assert len(_posts(fake_stripe, "/v1/refunds")) == 2
    assert [r for r in await _rows(db) if r[0] == "REFUND"] == [("REFUND", 600, "SUCCESS")] * 2
    assert await _order(db, card) == ("OPEN", "PARTIALLY_REFUNDED", 300)


async def test_stripe_failing_then_a_retry_with_the_same_key_refunds_once(
        db: Database, stripe_settings: Settings, gateway: PaymentGateway,
        fake_stripe: FakeStripe) -> None:
    card = await card_order(db, stripe_settings, gateway, fake_stripe, authorize_only=False)
    # Stripe makes the refund but every answer (the SDK's retries too) is lost.
    fake_stripe.fail_next("POST", "/v1/refunds", 500, times=3, after_apply=True)
    with pytest.raises(DomainError) as unavailable:
        await refund_payment(db, gateway, card.payment_id, amount=400, reason="",
                             idempotency_key="r", actor_id=None)
    assert unavailable.value.problems[0].code is ErrorCode.PAYMENT_GATEWAY_UNAVAILABLE
    assert await _rows(db) == [("CAPTURE", 1500, "SUCCESS"), ("REFUND", 400, "PENDING")]
    assert await _order(db, card) == ("OPEN", "PAID", 1500)

    result = await refund_payment(db, gateway, card.payment_id, amount=400, reason="",
                                  idempotency_key="r", actor_id=None)

    refunds = fake_stripe.intent(card.intent_id)["latest_charge"]["refunds"]["data"]
    assert [r["amount"] for r in refunds] == [400]
    assert set(_posts(fake_stripe, "/v1/refunds")) == {f"commerce-txn-{result.transaction_id}"}
    assert await _rows(db) == [("CAPTURE", 1500, "SUCCESS"), ("REFUND", 400, "SUCCESS")]
    assert await _order(db, card) == ("OPEN", "PARTIALLY_REFUNDED", 1100)


async def test_a_webhook_reporting_a_refund_whose_answer_was_lost_settles_it_once(
        db: Database, stripe_settings: Settings, gateway: PaymentGateway,
        fake_stripe: FakeStripe) -> None:
    card = await card_order(db, stripe_settings, gateway, fake_stripe, authorize_only=False)
    fake_stripe.fail_next("POST", "/v1/refunds", 500, times=3, after_apply=True)
    with pytest.raises(DomainError):
        await refund_payment(db, gateway, card.payment_id, amount=400, reason="",
                             idempotency_key="r", actor_id=None)
    (refund,) = fake_stripe.intent(card.intent_id)["latest_charge"]["refunds"]["data"]
    async with db.transaction() as s:
        payment = await s.get(Payment, card.payment_id)
        assert payment is not None
        assert await record_gateway_refund(s, payment, refund["id"], 400)
    again = await refund_payment(db, gateway, card.payment_id, amount=400, reason="",
                                 idempotency_key="r", actor_id=None)
    assert again.replayed
    assert await _rows(db) == [("CAPTURE", 1500, "SUCCESS"), ("REFUND", 400, "SUCCESS")]
    # A refund made in Stripe's dashboard is recorded once, as its own row.
    outside = fake_stripe.refund_outside(card.intent_id, 100)
    async with db.transaction() as s:
        payment = await s.get(Payment, card.payment_id)
        assert payment is not None
        assert await record_gateway_refund(s, payment, outside["id"], 100)
        assert not await record_gateway_refund(s, payment, outside["id"], 100)
    assert await _order(db, card) == ("OPEN", "PARTIALLY_REFUNDED", 1000)


async def test_canceling_a_paid_card_order_refunds_once_even_when_retried(
        db: Database, stripe_settings: Settings, gateway: PaymentGateway,
        fake_stripe: FakeStripe) -> None:
    card = await card_order(db, stripe_settings, gateway, fake_stripe, authorize_only=False)
    fake_stripe.fail_next("POST", "/v1/refunds", 500, times=3, after_apply=True)
    with pytest.raises(DomainError) as first:
        await cancel_order(db, card.order_id, actor_id=None, gateway=gateway)
    assert first.value.problems[0].code is ErrorCode.PAYMENT_GATEWAY_UNAVAILABLE
    assert "not canceled" in first.value.problems[0].message
    assert (await _order(db, card))[0] == "OPEN"
    assert await stock_of(db, card.variant) == (5, 1)

    await cancel_order(db, card.order_id, actor_id=None, gateway=gateway)

    refunds = fake_stripe.intent(card.intent_id)["latest_charge"]["refunds"]["data"]
    assert [r["amount"] for r in refunds] == [1500]
    assert await _order(db, card) == ("CANCELED", "REFUNDED", 0)
    assert await stock_of(db, card.variant) == (5, 0)
    async with db.transaction() as s:
        canceled = (await s.execute(select(OutboxEvent.payload).where(
            OutboxEvent.type == "order.canceled"))).scalar_one()
    assert canceled["refunded"] == [{"payment_id": card.payment_id, "amount": 1500,
                                     "psp_reference": refunds[0]["id"]}]
    assert (canceled["voided"], canceled["owed"]) == ([], [])


async def test_concurrent_cancels_of_a_card_order_refund_once(
        db: Database, stripe_settings: Settings, gateway: PaymentGateway,
        fake_stripe: FakeStripe) -> None:
    card = await card_order(db, stripe_settings, gateway, fake_stripe, authorize_only=False)

    async def cancel() -> bool:
        try:
            await cancel_order(db, card.order_id, actor_id=None, gateway=gateway)
        except DomainError:
            return False
        return True

    outcomes = await asyncio.gather(*(cancel() for _ in range(5)))
    assert outcomes.count(True) == 1
    refunds = fake_stripe.intent(card.intent_id)["latest_charge"]["refunds"]["data"]
    assert [r["amount"] for r in refunds] == [1500]
    assert [r for r in await _rows(db) if r[0] == "REFUND"] == [("REFUND", 1500, "SUCCESS")]
    assert await _events(db, "payment.refunded") == [1500]


async def test_one_capture_sent_five_times_at_once_is_recorded_once(
        db: Database, stripe_settings: Settings, gateway: PaymentGateway,
        fake_stripe: FakeStripe) -> None:
    card = await card_order(db, stripe_settings, gateway, fake_stripe, authorize_only=True)
    results = await asyncio.gather(*(
        capture_payment(db, gateway, card.payment_id, amount=1200, idempotency_key="c",
                        actor_id=None) for _ in range(5)))
    assert len({r.transaction_id for r in results}) == 1
    assert await _rows(db) == [("AUTHORIZE", 1500, "SUCCESS"), ("CAPTURE", 1200, "SUCCESS"),
                               ("VOID", 300, "SUCCESS")]
    assert await _events(db, "payment.captured") == [1200]
    assert fake_stripe.intent(card.intent_id)["amount_received"] == 1200


async def _events(db: Database, type: str) -> list[int]:
    async with db.transaction() as s:
        return [p["amount"] for p in (await s.execute(select(OutboxEvent.payload).where(
            OutboxEvent.type == type).order_by(OutboxEvent.id))).scalars()]


async def test_canceling_an_authorized_card_order_voids_it(
        db: Database, stripe_settings: Settings, gateway: PaymentGateway,
        fake_stripe: FakeStripe) -> None:
    card = await card_order(db, stripe_settings, gateway, fake_stripe, authorize_only=True)
    await cancel_order(db, card.order_id, actor_id=None, gateway=gateway)
    assert fake_stripe.intent(card.intent_id)["status"] == "canceled"
    assert await _order(db, card) == ("CANCELED", "NOT_PAID", 0)
    assert await _payment_status(db, card) == "VOIDED"


async def test_without_the_gateway_a_card_order_is_not_canceled(
        db: Database, stripe_settings: Settings, gateway: PaymentGateway,
        fake_stripe: FakeStripe) -> None:
    card = await card_order(db, stripe_settings, gateway, fake_stripe, authorize_only=False)
    with pytest.raises(DomainError) as refused:
        await cancel_order(db, card.order_id, actor_id=None)
    assert refused.value.problems[0].code is ErrorCode.PAYMENT_GATEWAY_UNAVAILABLE
    assert await _order(db, card) == ("OPEN", "PAID", 1500)
    assert await _rows(db) == [("CAPTURE", 1500, "SUCCESS")]


async def test_the_webhook_sync_settles_a_refund_whose_answer_was_lost_once(
        db: Database, stripe_settings: Settings, gateway: PaymentGateway,
        fake_stripe: FakeStripe) -> None:
    from commerce.payments.webhooks import sync_refunds

    card = await card_order(db, stripe_settings, gateway, fake_stripe, authorize_only=False)
    fake_stripe.fail_next("POST", "/v1/refunds", 500, times=3, after_apply=True)
    with pytest.raises(DomainError):
        await refund_payment(db, gateway, card.payment_id, amount=400, reason="",
                             idempotency_key="r", actor_id=None)
    intent = await gateway.retrieve_intent(card.intent_id)
    await sync_refunds(db, intent)
    await sync_refunds(db, intent)
    assert await _rows(db) == [("CAPTURE", 1500, "SUCCESS"), ("REFUND", 400, "SUCCESS")]
    assert (await refund_payment(db, gateway, card.payment_id, amount=400, reason="",
                                 idempotency_key="r", actor_id=None)).replayed
    assert await _events(db, "payment.refunded") == [400]
    assert await _order(db, card) == ("OPEN", "PARTIALLY_REFUNDED", 1100)
