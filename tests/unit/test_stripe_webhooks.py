"""parse_event: Stripe's signature on the raw body, checked with the SDK's verification."""

from __future__ import annotations

import json
import time

import pytest

from commerce.integrations.stripe.webhooks import InvalidWebhook, StripeEvent, parse_event
from tests.fakes.stripe_server import FakeStripe

SECRET = "whsec_test"
# Never started: only its event builder and signer are used.
FAKE = FakeStripe()


def _delivery() -> tuple[bytes, dict[str, object]]:
    event = FAKE.event("payment_intent.succeeded", {"id": "pi_1", "object": "payment_intent",
                                                    "amount": 1000})
    # Stripe's own formatting (indented), so a re-serialisation changes the bytes.
    return json.dumps(event, indent=2).encode(), event


def test_a_signed_event_is_parsed() -> None:
    payload, event = _delivery()
    parsed = parse_event(payload, FakeStripe.sign(payload, SECRET), SECRET)
    assert isinstance(parsed, StripeEvent)
    assert parsed.id == event["id"] and parsed.id.startswith("evt_")
    assert parsed.type == "payment_intent.succeeded"
    assert parsed.created == event["created"]
    assert parsed.object == {"id": "pi_1", "object": "payment_intent", "amount": 1000}
    assert parsed.raw == event


def test_a_signature_within_tolerance_is_accepted() -> None:
    payload, _ = _delivery()
    signature = FakeStripe.sign(payload, SECRET, timestamp=int(time.time()) - 290)
    assert parse_event(payload, signature, SECRET).type == "payment_intent.succeeded"


@pytest.mark.parametrize("signature", [None, "", "garbage", "t=123", "t=abc,v1=00"])
def test_a_missing_or_malformed_signature_is_refused(signature: str | None) -> None:
    payload, _ = _delivery()
    with pytest.raises(InvalidWebhook):
        parse_event(payload, signature, SECRET)


def test_a_signature_with_another_secret_is_refused() -> None:
    payload, _ = _delivery()
    with pytest.raises(InvalidWebhook):
        parse_event(payload, FakeStripe.sign(payload, "whsec_other"), SECRET)


def test_a_stale_timestamp_is_refused() -> None:
    payload, _ = _delivery()
    signature = FakeStripe.sign(payload, SECRET, timestamp=int(time.time()) - 301)
    with pytest.raises(InvalidWebhook, match="tolerance"):
        parse_event(payload, signature, SECRET)


def test_a_shorter_tolerance_applies() -> None:
    payload, _ = _delivery()
    signature = FakeStripe.sign(payload, SECRET, timestamp=int(time.time()) - 60)
    with pytest.raises(InvalidWebhook):
        parse_event(payload, signature, SECRET, tolerance=30)


def test_a_re_serialised_body_is_refused() -> None:
    payload, event = _delivery()
    signature = FakeStripe.sign(payload, SECRET)
    with pytest.raises(InvalidWebhook):
        parse_event(json.dumps(event).encode(), signature, SECRET)


def test_a_tampered_body_is_refused() -> None:
    payload, _ = _delivery()
    signature = FakeStripe.sign(payload, SECRET)
    with pytest.raises(InvalidWebhook):
        parse_event(payload.replace(b"1000", b"1"), signature, SECRET)


@pytest.mark.parametrize("body", [b"not json", b'{"id": "evt_1"}', b"[1, 2]",
                                  b'{"id": "x", "type": "t", "created": 1, '
                                  b'"data": {"object": {}}}', b"\xff\xfe"])
def test_a_signed_body_that_is_not_an_event_is_refused(body: bytes) -> None:
    with pytest.raises(InvalidWebhook):
        parse_event(body, FakeStripe.sign(body, SECRET), SECRET)


@pytest.mark.parametrize("tolerance", [0, -1, None, True])
def test_tolerance_can_never_be_switched_off(tolerance: object) -> None:
    payload, _ = _delivery()
    with pytest.raises(ValueError, match="tolerance"):
        parse_event(payload, FakeStripe.sign(payload, SECRET), SECRET,
                    tolerance=tolerance)  # type: ignore[arg-type]


def test_an_empty_secret_is_a_configuration_error() -> None:
    payload, _ = _delivery()
    with pytest.raises(ValueError):
        parse_event(payload, FakeStripe.sign(payload, ""), "")


def test_the_fake_signs_exactly_as_stripe_does() -> None:
    # The SDK's own signer (used by Stripe's test helpers) gives the same header.
    import stripe

    payload, _ = _delivery()
    ours = FakeStripe.sign(payload, SECRET, timestamp=1_700_000_000)
    theirs = stripe.WebhookSignature._compute_signature(
        f"1700000000.{payload.decode()}", SECRET)
    assert ours == f"t=1700000000,v1={theirs}"
