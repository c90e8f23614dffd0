"""Verifying and reading carrier tracking webhooks (pure; the standard library only).

A delivery carries ``X-Commerce-Signature: t=<unix seconds>,v1=<hex>`` where the hex is
HMAC-SHA256(secret, ``"<t>.<raw body>"``). It is accepted when:

- the header has exactly one ``t`` (decimal seconds) and at least one ``v1``; other keys
  (a future ``v2``) are ignored;
- ANY ``v1`` equals the HMAC under ANY of our secrets, compared in constant time. Several
  ``v1`` entries let a sender sign with the old and the new secret while a key is rotated;
  several secrets let us accept both on our side;
- ``t`` is within ``tolerance`` seconds (300 by default; never 0, which would accept a
  replay forever) of now, in either direction: stale and future-skewed deliveries are
  refused alike.

The signature covers the exact bytes received: a body that was re-serialised (other
spacing or key order) does not verify. Only after that is the body parsed, into a
``CarrierEvent``: ``{"id", "trackingNumber", "status", "occurredAt", "eta", "location"}``.
``id``, ``trackingNumber``, ``status`` and ``occurredAt`` are required; ``eta`` and
``location`` may be null or absent; other keys are ignored (forward compatible).
``occurredAt`` is an ISO 8601 date-time with an offset (or ``Z``), at most
``MAX_EVENT_SKEW`` ahead of now (an event "from the future" would otherwise outrank every
real one forever); ``eta`` is an ISO date (a date-time is read as its own local date).
Every refusal is an ``InvalidCarrierWebhook`` (answer 400, do nothing).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from commerce.shared.clock import utcnow
from commerce.shipping.carriers import (
    Carrier,
    InvalidTrackingNumber,
    normalise_tracking_number,
)
from commerce.shipping.tracking import CARRIER_STATUSES, TrackingStatus

SIGNATURE_HEADER = "X-Commerce-Signature"
DEFAULT_TOLERANCE = 300
MAX_EVENT_SKEW = timedelta(minutes=15)
MAX_ID_LENGTH = 200
MAX_LOCATION_LENGTH = 200


class InvalidCarrierWebhook(Exception):
    """The delivery is not provably from the carrier, or not a tracking event."""


class InvalidSignature(InvalidCarrierWebhook):
    """Missing or malformed header, or no ``v1`` matches."""


class StaleSignature(InvalidSignature):
    """The signature is genuine but ``t`` is outside the tolerance (old or in the future)."""


class InvalidPayload(InvalidCarrierWebhook):
    """The signed body is not a tracking event; ``field`` names the offending key."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class CarrierEvent:
    """A verified tracking event. ``occurred_at`` is in UTC; ``tracking_number`` is
    normalised (for the carrier, when it was given)."""

    id: str
    tracking_number: str
    status: TrackingStatus
    occurred_at: datetime
    eta: date | None
    location: str | None
    raw: dict[str, Any] = field(repr=False, compare=False)


def _secrets(secrets: str | Sequence[str]) -> list[bytes]:
    items = [secrets] if isinstance(secrets, str) else list(secrets)
    if not items or any(not isinstance(s, str) or not s for s in items):
        raise ValueError("a non-empty carrier webhook secret is required")
    return [s.encode() for s in items]


def _check_tolerance(tolerance: int) -> None:
    if not isinstance(tolerance, int) or isinstance(tolerance, bool) or tolerance <= 0:
        raise ValueError("tolerance must be a positive number of seconds")


def sign(body: bytes, secret: str, timestamp: int) -> str:
    """The ``X-Commerce-Signature`` value for ``body`` (for senders, the demo and tests)."""
    return f"t={timestamp},v1={_digest(secret.encode(), timestamp, body)}"


def _digest(secret: bytes, timestamp: int | str, body: bytes) -> str:
    return hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def _parse_header(header: str) -> tuple[str, list[str]]:
    timestamps: list[str] = []
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise InvalidSignature("malformed signature header")
        if key == "t":
            timestamps.append(value.strip())
        elif key == "v1":
            signatures.append(value.strip())
    if len(timestamps) != 1:
        raise InvalidSignature("the signature header needs exactly one timestamp")
    t = timestamps[0]
    if not (t.isascii() and t.isdigit()) or len(t) > 12:
        raise InvalidSignature("malformed signature timestamp")
    if not signatures:
        raise InvalidSignature("no v1 signature")
    return t, signatures


def verify_signature(body: bytes, header: str | None, secrets: str | Sequence[str], *,
                     now: datetime | None = None, tolerance: int = DEFAULT_TOLERANCE) -> int:
    """Check ``header`` over the raw ``body``; return the signed timestamp. Raises
    ``InvalidSignature`` (``StaleSignature`` when only the time is wrong)."""
    _check_tolerance(tolerance)
    keys = _secrets(secrets)
    if header is None or not header.strip():
        raise InvalidSignature(f"missing {SIGNATURE_HEADER} header")
    t, candidates = _parse_header(header)
    expected = [_digest(key, t, body).encode() for key in keys]
    matched = False
    for candidate in candidates:
        given = candidate.lower().encode("utf-8", "replace")
        for digest in expected:
            # No early exit: the work done does not depend on which entry matched.
            matched |= hmac.compare_digest(digest, given)
    if not matched:
        raise InvalidSignature("no v1 signature matches")
    timestamp = int(t)
    current = (now or utcnow()).timestamp()
    if abs(current - timestamp) > tolerance:
        raise StaleSignature("the signature timestamp is outside the tolerance")
    return timestamp


def _text(raw: dict[str, Any], key: str, *, required: bool, limit: int) -> str | None:
    value = raw.get(key)
    if value is None:
        if required:
            raise InvalidPayload(f"{key} is required", key)
        return None
    if not isinstance(value, str):
        raise InvalidPayload(f"{key} must be a string", key)
    value = value.strip()
    if not value:
        if required:
            raise InvalidPayload(f"{key} is required", key)
        return None
    if len(value) > limit:
        raise InvalidPayload(f"{key} is longer than {limit} characters", key)
    return value


def _datetime(value: str, key: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidPayload(f"{key} is not an ISO 8601 date-time", key) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise InvalidPayload(f"{key} must be a date-time with a UTC offset", key)
    return parsed.astimezone(UTC)


def _date(value: str, key: str) -> date:
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value).date()
    except ValueError:
        raise InvalidPayload(f"{key} is not an ISO 8601 date", key) from None


def parse_event(body: bytes, *, carrier: Carrier | None = None,
                now: datetime | None = None) -> CarrierEvent:
    """The tracking event in an (already verified) ``body``; raises ``InvalidPayload``."""
    try:
        raw = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidPayload("the body is not UTF-8 JSON") from None
    if not isinstance(raw, dict):
        raise InvalidPayload("the body is not a JSON object")
    event_id = _text(raw, "id", required=True, limit=MAX_ID_LENGTH)
    number = _text(raw, "trackingNumber", required=True, limit=MAX_ID_LENGTH)
    status_text = _text(raw, "status", required=True, limit=40)
    occurred_text = _text(raw, "occurredAt", required=True, limit=40)
    assert event_id and number and status_text and occurred_text
    try:
        status = TrackingStatus(status_text)
    except ValueError:
        status = None
    if status is None or status not in CARRIER_STATUSES:
        raise InvalidPayload(f"unknown status {status_text!r}", "status")
    try:
        number = normalise_tracking_number(carrier or Carrier.OTHER, number)
    except InvalidTrackingNumber as exc:
        raise InvalidPayload(str(exc), "trackingNumber") from None
    occurred_at = _datetime(occurred_text, "occurredAt")
    if occurred_at > (now or utcnow()) + MAX_EVENT_SKEW:
        raise InvalidPayload("occurredAt is in the future", "occurredAt")
    eta_text = _text(raw, "eta", required=False, limit=40)
    eta = _date(eta_text, "eta") if eta_text is not None else None
    location = _text(raw, "location", required=False, limit=MAX_LOCATION_LENGTH)
    return CarrierEvent(event_id, number, status, occurred_at, eta, location, raw)


def verify_and_parse(body: bytes, header: str | None, secrets: str | Sequence[str], *,
                     carrier: Carrier | None = None, now: datetime | None = None,
                     tolerance: int = DEFAULT_TOLERANCE) -> CarrierEvent:
    """``verify_signature`` then ``parse_event``: the one call a webhook endpoint makes."""
    moment = now or utcnow()
    verify_signature(body, header, secrets, now=moment, tolerance=tolerance)
    return parse_event(body, carrier=carrier, now=moment)
