"""``POST /webhooks/carriers/{carrier}`` through the ASGI app: a signed event is applied; a bad
signature, a stale timestamp or a malformed body is 400 with nothing stored; a redelivery is
200 with no effect, also when identical deliveries arrive at once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import date, timedelta

import httpx
import pytest

from commerce.db.database import Database
from commerce.db.models import ShipmentEvent
from commerce.integrations.carriers.webhooks import SIGNATURE_HEADER
from commerce.settings import Settings
from commerce.shared.clock import utcnow
from tests.card_fixtures import client_for
from tests.shipment_factories import (
    SECRET,
    Shipped,
    carrier_body,
    count,
    deliver,
    ship_order,
    shipment_row,
    signed,
    tracking_entries,
    tracking_version,
)

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def carrier_client(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(settings.with_(carrier_webhook_secret=("old-secret", SECRET)),
                          db) as c:
        yield c


@pytest.fixture
async def shipped(db: Database, settings: Settings) -> Shipped:
    return await ship_order(db, settings)


def _event(shipped: Shipped, event_id: str = "evt_1", status: str = "IN_TRANSIT",
           hours_ago: float = 1, **kwargs: object) -> bytes:
    return carrier_body(event_id, shipped.tracking_number, status,
                        utcnow().replace(microsecond=0) - timedelta(hours=hours_ago),
                        **kwargs)  # type: ignore[arg-type]


async def _nothing_stored(db: Database, shipped: Shipped, version: int) -> None:
    assert await count(db, ShipmentEvent) == 0
    assert await tracking_version(db, shipped.order.pk) == version
    assert (await shipment_row(db, shipped.shipment_id)).status == "SHIPPED"


async def test_a_signed_event_is_applied(db: Database, carrier_client: httpx.AsyncClient,
                                         shipped: Shipped) -> None:
    version = await tracking_version(db, shipped.order.pk)
    # The tracking number as a carrier may format it (spaces, lower case) still matches.
    number = shipped.tracking_number
    spaced = f"{number[:2].lower()} {number[2:8]} {number[8:]}"
    body = json.dumps({"id": "evt_1", "trackingNumber": spaced, "status": "OUT_FOR_DELIVERY",
                       "occurredAt": (utcnow() - timedelta(minutes=5)).isoformat(),
                       "eta": "2031-02-03", "location": "Springfield, IL",
                       "message": "On the truck", "extra": {"ignored": True}}).encode()
    response = await deliver(carrier_client, body, carrier="ups")
    assert response.status_code == 200, response.text
    assert response.json() == {"received": True, "status": "OUT_FOR_DELIVERY"}
    row = await shipment_row(db, shipped.shipment_id)
    assert (row.status, row.eta) == ("OUT_FOR_DELIVERY", date(2031, 2, 3))
    assert await count(db, ShipmentEvent, source="CARRIER", external_id="evt_1",
                       message="On the truck", location="Springfield, IL") == 1
    entries = await tracking_entries(db, shipped.order.pk)
    assert entries[-1][:2] == (version + 1, "OUT_FOR_DELIVERY")


async def test_a_redelivery_is_200_and_changes_nothing(
        db: Database, carrier_client: httpx.AsyncClient, shipped: Shipped) -> None:
    body = _event(shipped)
    assert (await deliver(carrier_client, body)).json()["status"] == "IN_TRANSIT"
    version = await tracking_version(db, shipped.order.pk)
    again = await deliver(carrier_client, body)
    assert again.status_code == 200
    assert again.json() == {"received": True, "duplicate": True}
    assert await count(db, ShipmentEvent) == 1
    assert await tracking_version(db, shipped.order.pk) == version


async def test_identical_deliveries_at_once_store_one_row(
        db: Database, carrier_client: httpx.AsyncClient, shipped: Shipped) -> None:
    version = await tracking_version(db, shipped.order.pk)
    body = _event(shipped, status="OUT_FOR_DELIVERY")
    responses = await asyncio.gather(*(deliver(carrier_client, body) for _ in range(8)))
    assert [r.status_code for r in responses] == [200] * 8
    assert sum("duplicate" in r.json() for r in responses) == 7
    assert await count(db, ShipmentEvent) == 1
    assert await tracking_version(db, shipped.order.pk) == version + 1


@pytest.mark.parametrize("tamper", ["wrong_secret", "altered_body", "no_header", "garbage",
                                    "stale", "future"])
async def test_an_unverifiable_delivery_is_400_and_stores_nothing(
        db: Database, carrier_client: httpx.AsyncClient, shipped: Shipped,
        tamper: str) -> None:
    version = await tracking_version(db, shipped.order.pk)
    body = _event(shipped)
    headers = signed(body)
    if tamper == "wrong_secret":
        headers = signed(body, secret="not-ours")
    elif tamper == "altered_body":
        body = body.replace(b"IN_TRANSIT", b"DELIVERED")
    elif tamper == "no_header":
        del headers[SIGNATURE_HEADER]
    elif tamper == "garbage":
        headers[SIGNATURE_HEADER] = "nonsense"
    elif tamper == "stale":
        headers = signed(body, at=utcnow() - timedelta(seconds=301))
    elif tamper == "future":
        headers = signed(body, at=utcnow() + timedelta(seconds=301))
    response = await deliver(carrier_client, body, headers=headers)
    assert response.status_code == 400, response.text
    assert response.json()["error"]
    await _nothing_stored(db, shipped, version)


async def test_the_previous_secret_still_verifies_while_rotating(
        db: Database, carrier_client: httpx.AsyncClient, shipped: Shipped) -> None:
    body = _event(shipped)
    response = await deliver(carrier_client, body, headers=signed(body, secret="old-secret"))
    assert response.status_code == 200


@pytest.mark.parametrize(("raw", "field"), [
    (b"not json", None),
    (b"[1, 2]", None),
    (json.dumps({"trackingNumber": "1Z999AA10123456784", "status": "IN_TRANSIT",
                 "occurredAt": "2030-01-01T00:00:00Z"}).encode(), "id"),
    (json.dumps({"id": "e", "trackingNumber": "1Z999AA10123456784", "status": "LOST",
                 "occurredAt": "2030-01-01T00:00:00Z"}).encode(), "status"),
    (json.dumps({"id": "e", "trackingNumber": "1Z999AA10123456784", "status": "SHIPPED",
                 "occurredAt": "2030-01-01T00:00:00Z"}).encode(), "status"),
    (json.dumps({"id": "e", "trackingNumber": "1Z999AA10123456784", "status": "IN_TRANSIT",
                 "occurredAt": "2030-01-01T00:00:00"}).encode(), "occurredAt"),
    (json.dumps({"id": "e", "trackingNumber": "1Z999AA10123456784", "status": "IN_TRANSIT",
                 "occurredAt": "2099-01-01T00:00:00Z"}).encode(), "occurredAt"),
    (json.dumps({"id": "e", "trackingNumber": "12345", "status": "IN_TRANSIT",
                 "occurredAt": "2030-01-01T00:00:00Z"}).encode(), "trackingNumber"),
    (json.dumps({"id": "e", "trackingNumber": "1Z999AA10123456784", "status": "IN_TRANSIT",
                 "occurredAt": "2020-01-01T00:00:00Z", "eta": "soon"}).encode(), "eta"),
])
async def test_a_malformed_signed_body_is_400_naming_the_field(
        db: Database, carrier_client: httpx.AsyncClient, shipped: Shipped, raw: bytes,
        field: str | None) -> None:
    version = await tracking_version(db, shipped.order.pk)
    response = await deliver(carrier_client, raw)
    assert response.status_code == 400, response.text
    assert response.json().get("field") == field
    await _nothing_stored(db, shipped, version)


async def test_an_unknown_carrier_is_404(carrier_client: httpx.AsyncClient,
                                         shipped: Shipped) -> None:
    response = await deliver(carrier_client, _event(shipped), carrier="pigeon-post")
    assert response.status_code == 404


async def test_an_unknown_tracking_number_is_acknowledged_and_ignored(
        db: Database, carrier_client: httpx.AsyncClient, shipped: Shipped) -> None:
    # Right format, no such parcel here; and our parcel's number under another carrier.
    body = carrier_body("e", "1Z999AA19999999999", "IN_TRANSIT", utcnow())
    response = await deliver(carrier_client, body)
    assert response.status_code == 200
    assert response.json() == {"received": True, "ignored": "unknown tracking number"}
    other = carrier_body("e", shipped.tracking_number, "IN_TRANSIT", utcnow())
    assert (await deliver(carrier_client, other, carrier="other")).json()["ignored"]
    assert await count(db, ShipmentEvent) == 0


async def test_an_oversized_body_is_413(carrier_client: httpx.AsyncClient,
                                        shipped: Shipped) -> None:
    body = json.dumps({"id": "e", "padding": "x" * 70_000}).encode()
    response = await deliver(carrier_client, body)
    assert response.status_code == 413


async def test_without_a_secret_the_endpoint_is_503(client: httpx.AsyncClient,
                                                    shipped: Shipped) -> None:
    body = _event(shipped)
    response = await client.post("/webhooks/carriers/ups", content=body,
                                 headers=signed(body))
    assert response.status_code == 503


async def test_get_is_not_allowed(carrier_client: httpx.AsyncClient) -> None:
    assert (await carrier_client.get("/webhooks/carriers/ups")).status_code == 405


async def test_out_of_order_deliveries_stay_delivered(
        db: Database, carrier_client: httpx.AsyncClient, shipped: Shipped) -> None:
    delivered = _event(shipped, "d", "DELIVERED", hours_ago=1)
    older = _event(shipped, "t", "IN_TRANSIT", hours_ago=5, eta=date(2031, 1, 1))
    assert (await deliver(carrier_client, delivered)).json()["status"] == "DELIVERED"
    assert (await deliver(carrier_client, older)).json()["status"] == "DELIVERED"
    assert (await shipment_row(db, shipped.shipment_id)).status == "DELIVERED"
    types = [t for _, t, _ in await tracking_entries(db, shipped.order.pk)]
    assert types[-1] == "DELIVERED" and "IN_TRANSIT" not in types
