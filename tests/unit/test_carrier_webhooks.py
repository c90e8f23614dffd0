"""Carrier webhooks: X-Commerce-Signature verification and the event body."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, date, datetime, timedelta

import pytest

from commerce.integrations.carriers.webhooks import (
    DEFAULT_TOLERANCE,
    CarrierEvent,
    InvalidCarrierWebhook,
    InvalidPayload,
    InvalidSignature,
    StaleSignature,
    parse_event,
    sign,
    verify_and_parse,
    verify_signature,
)
from commerce.shipping.carriers import Carrier
from commerce.shipping.tracking import TrackingStatus

SECRET = "carrier-secret"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
T = int(NOW.timestamp())

EVENT = {
    "id": "evt-1",
    "trackingNumber": "1Z 999 AA1 01 2345 6784",
    "status": "IN_TRANSIT",
    "occurredAt": "2026-12-01T11:30:00+01:00",
    "eta": "2026-12-03",
    "location": "  Louisville, KY ",
}


def body(**changes: object) -> bytes:
    # Indented, as a sender might: a re-serialisation changes the bytes.
    return json.dumps({**EVENT, **changes}, indent=2).encode()


def digest(secret: str, t: int, payload: bytes) -> str:
    return hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()


# -- signature ----------------------------------------------------------------------------------

def test_a_signed_delivery_is_verified_and_parsed() -> None:
    payload = body()
    event = verify_and_parse(payload, sign(payload, SECRET, T), SECRET, carrier=Carrier.UPS,
                             now=NOW)
    assert event == CarrierEvent(
        id="evt-1", tracking_number="1Z999AA10123456784", status=TrackingStatus.IN_TRANSIT,
        occurred_at=datetime(2026, 12, 1, 10, 30, tzinfo=UTC), eta=date(2026, 12, 3),
        location="Louisville, KY", raw={})
    assert event.raw == json.loads(payload)
    assert event.occurred_at.tzinfo is UTC


def test_sign_is_the_documented_scheme() -> None:
    payload = body()
    assert sign(payload, SECRET, T) == f"t={T},v1={digest(SECRET, T, payload)}"


@pytest.mark.parametrize("header", [None, "", "   "])
def test_a_missing_header_is_refused(header: str | None) -> None:
    with pytest.raises(InvalidSignature, match="missing"):
        verify_signature(body(), header, SECRET, now=NOW)


def test_a_wrong_secret_is_refused() -> None:
    payload = body()
    with pytest.raises(InvalidSignature):
        verify_signature(payload, sign(payload, "another-secret", T), SECRET, now=NOW)


def test_a_tampered_body_is_refused() -> None:
    payload = body()
    header = sign(payload, SECRET, T)
    with pytest.raises(InvalidSignature):
        verify_signature(body(status="DELIVERED"), header, SECRET, now=NOW)


def test_a_re_serialised_body_is_refused() -> None:
    payload = body()
    header = sign(payload, SECRET, T)
    same_json = json.dumps(json.loads(payload)).encode()
    assert json.loads(same_json) == json.loads(payload) and same_json != payload
    with pytest.raises(InvalidSignature):
        verify_signature(same_json, header, SECRET, now=NOW)


def test_the_timestamp_is_signed() -> None:
    payload = body()
    forged = f"t={T + 1},v1={digest(SECRET, T, payload)}"
    with pytest.raises(InvalidSignature):
        verify_signature(payload, forged, SECRET, now=NOW)


@pytest.mark.parametrize("offset", [-DEFAULT_TOLERANCE, -1, 0, 1, DEFAULT_TOLERANCE])
def test_within_tolerance_is_accepted(offset: int) -> None:
    payload = body()
    assert verify_signature(payload, sign(payload, SECRET, T + offset), SECRET,
                            now=NOW) == T + offset


@pytest.mark.parametrize("offset", [-DEFAULT_TOLERANCE - 1, -86_400, -T])
def test_a_stale_signature_is_refused(offset: int) -> None:
    payload = body()
    with pytest.raises(StaleSignature):
        verify_signature(payload, sign(payload, SECRET, T + offset), SECRET, now=NOW)


@pytest.mark.parametrize("offset", [DEFAULT_TOLERANCE + 1, 86_400])
def test_a_future_skewed_signature_is_refused(offset: int) -> None:
    payload = body()
    with pytest.raises(StaleSignature):
        verify_signature(payload, sign(payload, SECRET, T + offset), SECRET, now=NOW)


def test_a_custom_tolerance_applies_and_zero_is_not_allowed() -> None:
    payload = body()
    header = sign(payload, SECRET, T - 100)
    with pytest.raises(StaleSignature):
        verify_signature(payload, header, SECRET, now=NOW, tolerance=60)
    for bad in (0, -1, True):
        with pytest.raises(ValueError):
            verify_signature(payload, header, SECRET, now=NOW, tolerance=bad)


@pytest.mark.parametrize("secret", ["", [], [""], ["ok", ""]])
def test_an_empty_secret_is_a_configuration_error(secret: str | list[str]) -> None:
    payload = body()
    with pytest.raises(ValueError):
        verify_signature(payload, sign(payload, "x", T), secret, now=NOW)


def test_key_rotation_several_v1_entries() -> None:
    payload = body()
    header = f"t={T},v1={digest('old-secret', T, payload)},v1={digest('new-secret', T, payload)}"
    assert verify_signature(payload, header, "new-secret", now=NOW) == T
    assert verify_signature(payload, header, "old-secret", now=NOW) == T
    with pytest.raises(InvalidSignature):
        verify_signature(payload, header, "third-secret", now=NOW)


def test_key_rotation_several_secrets_on_our_side() -> None:
    payload = body()
    header = sign(payload, "old-secret", T)
    assert verify_signature(payload, header, ["new-secret", "old-secret"], now=NOW) == T
    with pytest.raises(InvalidSignature):
        verify_signature(payload, header, ["new-secret"], now=NOW)


def test_header_spacing_case_and_unknown_schemes() -> None:
    payload = body()
    good = digest(SECRET, T, payload)
    header = f" t={T} , v0=abc , v1={good.upper()} , v2=whatever "
    assert verify_signature(payload, header, SECRET, now=NOW) == T


@pytest.mark.parametrize("header", [
    "garbage",
    "v1=abc",                                   # no timestamp
    f"t={T}",                                   # no signature
    f"t={T},t={T},v1={'0' * 64}",               # two timestamps
    f"t=-{T},v1={'0' * 64}",                    # not digits
    f"t={T}.5,v1={'0' * 64}",
    "t=\uff11\uff12\uff13,v1=" + "0" * 64,  # non-ASCII digits
    f"t={'9' * 40},v1={'0' * 64}",              # absurd
    f"t={T},v1=",                               # empty signature
    f"t={T},v1=zz",
    f"t={T},v1=é" + "0" * 63,                   # non-ASCII signature
])
def test_malformed_headers_are_refused(header: str) -> None:
    with pytest.raises(InvalidSignature):
        verify_signature(body(), header, SECRET, now=NOW)


def test_every_refusal_is_one_type() -> None:
    assert issubclass(StaleSignature, InvalidCarrierWebhook)
    assert issubclass(InvalidPayload, InvalidCarrierWebhook)


def test_the_body_is_only_read_after_the_signature() -> None:
    # An unsigned non-JSON body is a signature problem, not a payload one.
    with pytest.raises(InvalidSignature):
        verify_and_parse(b"not json", f"t={T},v1={'0' * 64}", SECRET, now=NOW)
    payload = b"not json"
    with pytest.raises(InvalidPayload):
        verify_and_parse(payload, sign(payload, SECRET, T), SECRET, now=NOW)


# -- body -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("payload", [b"", b"{", b"\xff\xfe", b"[]", b'"x"', b"null", b"1"])
def test_a_body_that_is_not_a_json_object_is_refused(payload: bytes) -> None:
    with pytest.raises(InvalidPayload):
        parse_event(payload, now=NOW)


@pytest.mark.parametrize("key", ["id", "trackingNumber", "status", "occurredAt"])
def test_required_fields(key: str) -> None:
    for value in (None, "", "  "):
        with pytest.raises(InvalidPayload) as info:
            parse_event(body(**{key: value}), now=NOW)
        assert info.value.field == key
    without = {k: v for k, v in EVENT.items() if k != key}
    with pytest.raises(InvalidPayload) as info:
        parse_event(json.dumps(without).encode(), now=NOW)
    assert info.value.field == key


@pytest.mark.parametrize(("key", "value"), [
    ("id", 12), ("trackingNumber", ["1Z"]), ("status", 1), ("occurredAt", 1764590400),
    ("eta", 20261203), ("location", {"city": "x"}), ("id", "x" * 201),
])
def test_wrong_types_and_lengths_are_refused(key: str, value: object) -> None:
    with pytest.raises(InvalidPayload) as info:
        parse_event(body(**{key: value}), now=NOW)
    assert info.value.field == key


@pytest.mark.parametrize("status", ["in_transit", "SHIPPED", "LOST", "DELIVERED "])
def test_unknown_statuses_are_refused(status: str) -> None:
    if status == "DELIVERED ":  # surrounding spaces are trimmed like every text field
        assert parse_event(body(status=status), now=NOW).status is TrackingStatus.DELIVERED
        return
    with pytest.raises(InvalidPayload, match="status") as info:
        parse_event(body(status=status), now=NOW)
    assert info.value.field == "status"


@pytest.mark.parametrize("status", ["IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED",
                                    "EXCEPTION", "DELAYED"])
def test_every_carrier_status_is_accepted(status: str) -> None:
    assert parse_event(body(status=status), now=NOW).status == status


@pytest.mark.parametrize("value", ["2026-12-01", "2026-12-01T10:00:00", "yesterday",
                                   "2026-13-01T10:00:00Z", "2026-12-01T25:00:00Z"])
def test_bad_occurred_at_is_refused(value: str) -> None:
    with pytest.raises(InvalidPayload) as info:
        parse_event(body(occurredAt=value), now=NOW)
    assert info.value.field == "occurredAt"


def test_occurred_at_accepts_z_and_offsets() -> None:
    assert parse_event(body(occurredAt="2026-12-01T10:30:00Z"), now=NOW).occurred_at == \
        datetime(2026, 12, 1, 10, 30, tzinfo=UTC)
    assert parse_event(body(occurredAt="2026-12-01T05:30:00-05:00"), now=NOW).occurred_at == \
        datetime(2026, 12, 1, 10, 30, tzinfo=UTC)


def test_an_event_from_the_future_is_refused() -> None:
    soon = (NOW + timedelta(minutes=10)).isoformat()
    assert parse_event(body(occurredAt=soon), now=NOW).occurred_at == NOW + timedelta(minutes=10)
    later = (NOW + timedelta(hours=2)).isoformat()
    with pytest.raises(InvalidPayload, match="future"):
        parse_event(body(occurredAt=later), now=NOW)


def test_eta_and_location_are_optional() -> None:
    for changes in ({"eta": None, "location": None}, {"eta": "", "location": "  "}):
        event = parse_event(body(**changes), now=NOW)
        assert event.eta is None and event.location is None
    minimal = {k: v for k, v in EVENT.items() if k not in ("eta", "location")}
    event = parse_event(json.dumps(minimal).encode(), now=NOW)
    assert event.eta is None and event.location is None


def test_eta_may_be_a_date_time() -> None:
    assert parse_event(body(eta="2026-12-03T18:00:00-08:00"), now=NOW).eta == date(2026, 12, 3)
    with pytest.raises(InvalidPayload) as info:
        parse_event(body(eta="2026-02-30"), now=NOW)
    assert info.value.field == "eta"


def test_unknown_keys_are_ignored() -> None:
    assert parse_event(body(extra={"a": 1}), now=NOW).id == "evt-1"


def test_the_tracking_number_is_checked_for_the_carrier() -> None:
    assert parse_event(body(), carrier=Carrier.UPS, now=NOW).tracking_number == \
        "1Z999AA10123456784"
    with pytest.raises(InvalidPayload) as info:
        parse_event(body(), carrier=Carrier.FEDEX, now=NOW)
    assert info.value.field == "trackingNumber"
    with pytest.raises(InvalidPayload):
        parse_event(body(trackingNumber="1Z?&"), now=NOW)
