"""StripeGateway through the real ``stripe`` SDK against the local fake Stripe server."""

from __future__ import annotations

import asyncio

import pytest

from commerce.integrations.stripe.gateway import StripeGateway
from commerce.payments.gateway import (
    CardDeclined,
    GatewayError,
    GatewayUnavailable,
    IntentStatus,
    PaymentGateway,
)
from commerce.payments.gateways import gateway_for
from commerce.settings import Settings
from tests.fakes.stripe_server import FakeStripe


@pytest.fixture
def gateway(stripe_settings: Settings, fake_stripe: FakeStripe) -> StripeGateway:
    return StripeGateway(stripe_settings)


async def _intent(gateway: StripeGateway, key: str = "cart:1:intent:1", *,
                  amount: int = 5000, manual: bool = False) -> str:
    intent = await gateway.create_intent(amount=amount, currency="USD", capture_manual=manual,
                                         metadata={"cart": "1"}, idempotency_key=key)
    return intent.id


async def _paid(gateway: StripeGateway, fake: FakeStripe, *, amount: int = 5000,
                manual: bool = False, card: str = "pm_card_visa") -> str:
    intent_id = await _intent(gateway, f"cart:{amount}:{manual}:{card}", amount=amount,
                              manual=manual)
    fake.pay(intent_id, card)
    return intent_id


def test_gateway_for_picks_stripe_when_its_keys_are_set(stripe_settings: Settings,
                                                        settings: Settings) -> None:
    gateway = gateway_for(stripe_settings)
    assert isinstance(gateway, StripeGateway)
    assert gateway.name == "stripe" and gateway.publishable_key == "pk_test_fake"
    assert gateway_for(settings) is None
    port: PaymentGateway = gateway  # the class satisfies the port (checked by mypy)
    assert port is gateway


async def test_create_intent_sends_what_stripe_needs(gateway: StripeGateway,
                                                     fake_stripe: FakeStripe) -> None:
    intent = await gateway.create_intent(amount=1250, currency="EUR", capture_manual=True,
                                         metadata={"cart": "c1"}, idempotency_key="k-create")
    assert intent.status is IntentStatus.REQUIRES_PAYMENT_METHOD
    assert (intent.amount, intent.currency) == (1250, "EUR")
    assert intent.client_secret and intent.client_secret.startswith(f"{intent.id}_secret_")
    assert intent.id.startswith("pi_") and intent.metadata == {"cart": "c1"}
    assert intent.card is None and intent.refunds == ()
    (request,) = fake_stripe.requests
    assert request.form["currency"] == "eur"
    assert request.form["capture_method"] == "manual"
    assert request.form["automatic_payment_methods"] == {"enabled": "true"}
    assert request.headers["authorization"] == "Bearer sk_test_fake"


async def test_every_post_carries_the_callers_idempotency_key(
        gateway: StripeGateway, fake_stripe: FakeStripe) -> None:
    intent_id = await _intent(gateway, "key-create", manual=True)
    await gateway.update_intent(intent_id, amount=4000, idempotency_key="key-update")
    await gateway.confirm_intent(intent_id, payment_method="pm_card_visa",
                                 idempotency_key="key-confirm")
    await gateway.capture(intent_id, amount=3000, idempotency_key="key-capture")
    await gateway.refund(intent_id, amount=1000, reason="requested_by_customer",
                         idempotency_key="key-refund")
    other = await _intent(gateway, "key-create-2")
    await gateway.void(other, idempotency_key="key-void")
    await gateway.retrieve_intent(intent_id)

    posts = [(r.path, r.idempotency_key) for r in fake_stripe.requests if r.method == "POST"]
    assert posts == [
        ("/v1/payment_intents", "key-create"),
        (f"/v1/payment_intents/{intent_id}", "key-update"),
        (f"/v1/payment_intents/{intent_id}/confirm", "key-confirm"),
        (f"/v1/payment_intents/{intent_id}/capture", "key-capture"),
        ("/v1/refunds", "key-refund"),
        ("/v1/payment_intents", "key-create-2"),
        (f"/v1/payment_intents/{other}/cancel", "key-void"),
    ]


async def test_a_500_then_success_on_create_makes_one_intent(
        gateway: StripeGateway, fake_stripe: FakeStripe) -> None:
    fake_stripe.fail_next("POST", "/v1/payment_intents", status=500)
    intent = await gateway.create_intent(amount=700, currency="USD", capture_manual=False,
                                         metadata={}, idempotency_key="k-retry")
    assert list(fake_stripe.intents) == [intent.id]
    keys = [r.idempotency_key for r in fake_stripe.requests]
    assert keys == ["k-retry", "k-retry"]


async def test_a_lost_response_is_replayed_by_the_retry_not_applied_twice(
        gateway: StripeGateway, fake_stripe: FakeStripe) -> None:
    fake_stripe.fail_next("POST", "/v1/payment_intents", status=500, after_apply=True)
    intent = await gateway.create_intent(amount=700, currency="USD", capture_manual=False,
                                         metadata={}, idempotency_key="k-lost")
    assert list(fake_stripe.intents) == [intent.id]
    assert len(fake_stripe.requests) == 2


async def test_a_dropped_connection_after_apply_is_retried_with_the_same_key(
        gateway: StripeGateway, fake_stripe: FakeStripe) -> None:
    intent_id = await _paid(gateway, fake_stripe, manual=True)
    fake_stripe.fail_next("POST", f"/v1/payment_intents/{intent_id}/capture", status=0,
                          after_apply=True)
    captured = await gateway.capture(intent_id, amount=1000, idempotency_key="k-cap")
    assert captured.amount_received == 1000
    captures = [r for r in fake_stripe.requests if r.path.endswith("/capture")]
    assert [r.idempotency_key for r in captures] == ["k-cap", "k-cap"]


async def test_a_lost_refund_response_refunds_once(gateway: StripeGateway,
                                                   fake_stripe: FakeStripe) -> None:
    intent_id = await _paid(gateway, fake_stripe)
    fake_stripe.fail_next("POST", "/v1/refunds", status=503, after_apply=True)
    refund = await gateway.refund(intent_id, amount=2000, reason="damaged",
                                  idempotency_key="k-refund")
    assert list(fake_stripe.refunds) == [refund.id]
    assert (await gateway.retrieve_intent(intent_id)).amount_refunded == 2000


async def test_persistent_500s_raise_gateway_unavailable(gateway: StripeGateway,
                                                         fake_stripe: FakeStripe) -> None:
    fake_stripe.fail_next("POST", "/v1/payment_intents", status=500, times=10)
    with pytest.raises(GatewayUnavailable) as caught:
        await _intent(gateway, "k-down")
    assert caught.value.code == "PAYMENT_GATEWAY_UNAVAILABLE"
    # The first attempt and two retries, all with our key; nothing was created.
    assert [r.idempotency_key for r in fake_stripe.requests] == ["k-down"] * 3
    assert fake_stripe.intents == {}


async def test_an_unreachable_stripe_raises_gateway_unavailable(
        stripe_settings: Settings) -> None:
    # A port nobody listens on: connection refused, retried, then given up.
    gateway = StripeGateway(stripe_settings.with_(stripe_api_base="http://127.0.0.1:9"))
    with pytest.raises(GatewayUnavailable):
        await gateway.retrieve_intent("pi_x")


async def test_a_decline_names_the_decline_code(gateway: StripeGateway,
                                                fake_stripe: FakeStripe) -> None:
    intent_id = await _intent(gateway)
    with pytest.raises(CardDeclined) as caught:
        await gateway.confirm_intent(intent_id,
                                     payment_method="pm_card_chargeDeclinedInsufficientFunds",
                                     idempotency_key="k-confirm")
    assert str(caught.value) == "Your card has insufficient funds. (insufficient_funds)"
    assert caught.value.decline_code == "insufficient_funds"
    assert caught.value.code == "CARD_DECLINED"
    intent = await gateway.retrieve_intent(intent_id)
    assert intent.status is IntentStatus.REQUIRES_PAYMENT_METHOD
    assert intent.decline_code == "insufficient_funds"
    assert intent.failure_message == "Your card has insufficient funds."


async def test_a_generic_decline(gateway: StripeGateway, fake_stripe: FakeStripe) -> None:
    intent_id = await _intent(gateway)
    with pytest.raises(CardDeclined, match=r"\(generic_decline\)"):
        await gateway.confirm_intent(intent_id, payment_method="pm_card_chargeDeclined",
                                     idempotency_key="k-confirm")


async def test_card_details_checks_and_risk_surface_in_the_intent(
        gateway: StripeGateway, fake_stripe: FakeStripe) -> None:
    visa = await gateway.retrieve_intent(await _paid(gateway, fake_stripe))
    assert visa.status is IntentStatus.SUCCEEDED and visa.amount_received == 5000
    assert visa.card is not None
    assert (visa.card.brand, visa.card.last4, visa.card.country) == ("visa", "4242", "US")
    assert visa.card.exp_month == 12 and visa.card.exp_year == 2034
    assert visa.card.cvc_check == "pass" and visa.card.postal_check == "pass"
    assert visa.risk_level == "normal" and visa.risk_score == 20

    elevated = await gateway.retrieve_intent(
        await _paid(gateway, fake_stripe, card="pm_card_riskLevelElevated"))
    assert (elevated.risk_level, elevated.risk_score) == ("elevated", 65)
    highest = await gateway.retrieve_intent(
        await _paid(gateway, fake_stripe, card="pm_card_riskLevelHighest"))
    assert highest.risk_level == "highest" and highest.status is IntentStatus.SUCCEEDED
    cvc = await gateway.retrieve_intent(
        await _paid(gateway, fake_stripe, card="pm_card_cvcCheckFail"))
    assert cvc.card is not None and cvc.card.cvc_check == "fail"
    # A fingerprint is stable per card and differs between cards.
    again = await gateway.retrieve_intent(await _paid(gateway, fake_stripe, amount=99))
    assert again.card is not None and visa.card.fingerprint == again.card.fingerprint
    assert cvc.card.fingerprint != visa.card.fingerprint
    # One request fills it all.
    (get,) = [r for r in fake_stripe.requests if r.method == "GET"][-1:]
    assert get.form["expand"] == ["latest_charge", "latest_charge.refunds"]


async def test_update_changes_the_amount(gateway: StripeGateway,
                                         fake_stripe: FakeStripe) -> None:
    intent_id = await _intent(gateway)
    updated = await gateway.update_intent(intent_id, amount=6100, idempotency_key="k-up")
    assert updated.amount == 6100
    assert (await gateway.retrieve_intent(intent_id)).amount == 6100


async def test_manual_capture_in_part_releases_the_rest(gateway: StripeGateway,
                                                        fake_stripe: FakeStripe) -> None:
    intent_id = await _paid(gateway, fake_stripe, manual=True)
    authorised = await gateway.retrieve_intent(intent_id)
    assert authorised.status is IntentStatus.REQUIRES_CAPTURE
    assert (authorised.amount_capturable, authorised.amount_received) == (5000, 0)
    captured = await gateway.capture(intent_id, amount=3500, idempotency_key="k-cap")
    assert captured.status is IntentStatus.SUCCEEDED
    assert (captured.amount_received, captured.amount_capturable) == (3500, 0)
    with pytest.raises(GatewayError) as caught:
        await gateway.capture(intent_id, amount=1500, idempotency_key="k-cap-2")
    assert caught.value.code == "INVALID_STATE"


async def test_capture_in_full(gateway: StripeGateway, fake_stripe: FakeStripe) -> None:
    intent_id = await _paid(gateway, fake_stripe, manual=True)
    captured = await gateway.capture(intent_id, amount=None, idempotency_key="k-cap")
    assert captured.amount_received == 5000
    (request,) = [r for r in fake_stripe.requests if r.path.endswith("/capture")]
    assert "amount_to_capture" not in request.form


async def test_void_releases_an_authorisation(gateway: StripeGateway,
                                              fake_stripe: FakeStripe) -> None:
    intent_id = await _paid(gateway, fake_stripe, manual=True)
    voided = await gateway.void(intent_id, idempotency_key="k-void")
    assert voided.status is IntentStatus.CANCELED and voided.amount_capturable == 0
    with pytest.raises(GatewayError):
        await gateway.capture(intent_id, amount=None, idempotency_key="k-cap")


async def test_refunds_partial_then_full_and_never_more(gateway: StripeGateway,
                                                        fake_stripe: FakeStripe) -> None:
    intent_id = await _paid(gateway, fake_stripe)
    first = await gateway.refund(intent_id, amount=1500, reason="damaged in transit",
                                 idempotency_key="k-r1")
    assert (first.amount, first.status) == (1500, "succeeded") and first.id.startswith("re_")
    (request,) = [r for r in fake_stripe.requests if r.path == "/v1/refunds"]
    assert "reason" not in request.form  # Stripe accepts only its own reasons
    assert request.form["metadata"] == {"reason": "damaged in transit"}

    with pytest.raises(GatewayError) as caught:
        await gateway.refund(intent_id, amount=3501, reason="requested_by_customer",
                             idempotency_key="k-r2")
    assert caught.value.code == "INVALID" and not isinstance(caught.value, GatewayUnavailable)
    rest = await gateway.refund(intent_id, amount=3500, reason="requested_by_customer",
                                idempotency_key="k-r3")
    intent = await gateway.retrieve_intent(intent_id)
    assert [r.id for r in intent.refunds] == [first.id, rest.id]
    assert intent.amount_refunded == 5000
    with pytest.raises(GatewayError) as again:
        await gateway.refund(intent_id, amount=1, reason="x", idempotency_key="k-r4")
    assert again.value.code == "INVALID_STATE"


async def test_concurrent_refunds_never_exceed_the_captured_amount(
        gateway: StripeGateway, fake_stripe: FakeStripe) -> None:
    intent_id = await _paid(gateway, fake_stripe)
    results = await asyncio.gather(*(
        gateway.refund(intent_id, amount=1000, reason="x", idempotency_key=f"k-{i}")
        for i in range(10)), return_exceptions=True)
    refused = [r for r in results if isinstance(r, GatewayError)]
    assert len(refused) == 5 and len(fake_stripe.refunds) == 5
    assert fake_stripe.charge(intent_id)["amount_refunded"] == 5000


async def test_a_refund_made_in_the_dashboard_shows_in_the_intent(
        gateway: StripeGateway, fake_stripe: FakeStripe) -> None:
    intent_id = await _paid(gateway, fake_stripe)
    outside = fake_stripe.refund_outside(intent_id, 1200)
    intent = await gateway.retrieve_intent(intent_id)
    assert [(r.id, r.amount) for r in intent.refunds] == [(outside["id"], 1200)]
    # What a charge.refunded event would carry.
    charge = fake_stripe.charge(intent_id)
    assert charge["amount_refunded"] == 1200 and charge["refunds"]["data"][0] == outside
    event = fake_stripe.event("charge.refunded", charge)
    assert event["id"].startswith("evt_") and event["data"]["object"] == charge


async def test_a_reused_key_with_other_parameters_is_refused(
        gateway: StripeGateway, fake_stripe: FakeStripe) -> None:
    intent_id = await _paid(gateway, fake_stripe)
    await gateway.refund(intent_id, amount=100, reason="x", idempotency_key="k-same")
    again = await gateway.refund(intent_id, amount=100, reason="x", idempotency_key="k-same")
    assert len(fake_stripe.refunds) == 1 and again.amount == 100
    with pytest.raises(GatewayError) as caught:
        await gateway.refund(intent_id, amount=200, reason="x", idempotency_key="k-same")
    assert caught.value.code == "PAYMENT_FAILED"
    assert len(fake_stripe.refunds) == 1


async def test_retrieve_dispute(gateway: StripeGateway, fake_stripe: FakeStripe) -> None:
    intent_id = await _paid(gateway, fake_stripe)
    dispute = fake_stripe.open_dispute(intent_id)
    info = await gateway.retrieve_dispute(dispute["id"])
    assert info.id.startswith("dp_") and info.intent_id == intent_id
    assert (info.amount, info.currency, info.status, info.reason) == (
        5000, "USD", "needs_response", "fraudulent")
    fake_stripe.close_dispute(dispute["id"], won=True)
    assert (await gateway.retrieve_dispute(dispute["id"])).status == "won"
    with pytest.raises(GatewayError) as caught:
        await gateway.retrieve_dispute("dp_missing")
    assert caught.value.code == "NOT_FOUND"


async def test_an_unknown_intent_is_not_found(gateway: StripeGateway,
                                              fake_stripe: FakeStripe) -> None:
    with pytest.raises(GatewayError) as caught:
        await gateway.retrieve_intent("pi_missing")
    assert caught.value.code == "NOT_FOUND"
