"""Verifying Stripe's webhook deliveries: the ``Stripe-Signature`` header is checked with the
SDK's own verification on the RAW request body, before anything is parsed or stored."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import stripe

DEFAULT_TOLERANCE = 300


class InvalidWebhook(Exception):
    """The delivery is not provably Stripe's, or is stale, or is not an event; answer 400
    and do nothing with it."""


@dataclass(frozen=True, slots=True)
class StripeEvent:
    """A verified event: its id (unique per account), type, creation time (Unix seconds),
    the object it is about (``data.object``) and the whole event as sent."""

    id: str
    type: str
    created: int
    object: dict[str, Any] = field(repr=False)
    raw: dict[str, Any] = field(repr=False)


def parse_event(payload: bytes, signature: str | None, secret: str, *,
                tolerance: int = DEFAULT_TOLERANCE) -> StripeEvent:
    """Verify ``signature`` (the ``Stripe-Signature`` header) over the raw ``payload`` and
    return the event. A missing or wrong signature, a timestamp older than ``tolerance``
    seconds, a body that is not the bytes Stripe signed (e.g. re-serialised JSON) or one that
    is not an event raises ``InvalidWebhook``."""
    # A tolerance of 0/None makes the SDK skip the timestamp check, so any captured
    # delivery could be replayed forever.
    if not isinstance(tolerance, int) or isinstance(tolerance, bool) or tolerance <= 0:
        raise ValueError("tolerance must be a positive number of seconds")
    if not secret:
        raise ValueError("a webhook signing secret is required")
    try:
        # Decoded here: older SDKs sign str(bytes) ("b'...'") when handed bytes.
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidWebhook("the body is not UTF-8") from exc
    try:
        # (Untyped in stripe 13.x, typed since.)
        stripe.WebhookSignature.verify_header(  # type: ignore[no-untyped-call,unused-ignore]
            text, signature, secret, tolerance)
    except stripe.SignatureVerificationError as exc:
        raise InvalidWebhook(f"bad Stripe-Signature: {exc.user_message or exc}") from exc
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise InvalidWebhook("the body is not JSON") from exc
    try:
        obj = raw["data"]["object"]
        event = StripeEvent(id=str(raw["id"]), type=str(raw["type"]),
                            created=int(raw["created"]), object=obj, raw=raw)
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidWebhook("the body is not a Stripe event") from exc
    if not isinstance(obj, dict) or not event.id.startswith("evt_"):
        raise InvalidWebhook("the body is not a Stripe event")
    return event
