"""``shipmentTrackingEventAdd``: staff with MANAGE_FULFILLMENT record a tracking event by hand;
it is applied like a carrier's; inputs are checked with errors naming the field."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from commerce.accounts.permissions import Permission
from commerce.db.database import Database
from commerce.db.models import ShipmentEvent
from commerce.settings import Settings
from commerce.shared.clock import utcnow
from commerce.shared.ids import encode_id
from tests.conftest import GQL
from tests.factories import create_customer, create_staff
from tests.shipment_factories import (
    Shipped,
    count,
    fulfillment_status,
    ship_order,
    tracking_entries,
    tracking_version,
)

pytestmark = pytest.mark.timeout(60)

ADD = """
mutation Add($input: ShipmentTrackingEventAddInput!) {
  shipmentTrackingEventAdd(input: $input) {
    shipment { id status statusAt eta trackingUrl
               events { status occurredAt eta location message source } }
    errors { code field message }
  }
}"""


@pytest.fixture
async def shipped(db: Database, settings: Settings) -> Shipped:
    return await ship_order(db, settings)


@pytest.fixture
async def clerk(db: Database) -> str:
    return await create_staff(db, [Permission.MANAGE_FULFILLMENT])


def _input(shipped: Shipped, **fields: Any) -> dict[str, Any]:
    return {"input": {"shipmentId": encode_id("Shipment", shipped.shipment_id),
                      "status": "IN_TRANSIT", **fields}}


async def test_staff_record_an_event_applied_like_a_carriers(
        db: Database, gql: GQL, shipped: Shipped, clerk: str) -> None:
    version = await tracking_version(db, shipped.order.pk)
    at = (utcnow() - timedelta(hours=2)).replace(microsecond=0)
    body = await gql(ADD, _input(shipped, status="DELIVERED", occurredAt=at.isoformat(),
                                 location="  Front porch ", message="Left with neighbour"),
                     token=clerk)
    payload = body["data"]["shipmentTrackingEventAdd"]
    assert payload["errors"] == []
    shipment = payload["shipment"]
    assert shipment["status"] == "DELIVERED"
    assert shipment["trackingUrl"].endswith(shipped.tracking_number)
    assert shipment["events"] == [{
        "status": "DELIVERED", "occurredAt": at.isoformat(), "eta": None,
        "location": "Front porch", "message": "Left with neighbour", "source": "STAFF"}]
    entries = await tracking_entries(db, shipped.order.pk)
    assert entries[-1][:2] == (version + 1, "DELIVERED")
    assert await fulfillment_status(db, shipped.order.pk) == "DELIVERED"
    # occurredAt defaults to now; each staff entry is its own event (generated ids).
    again = await gql(ADD, _input(shipped, status="EXCEPTION", eta="2031-05-06"),
                      token=clerk)
    assert again["data"]["shipmentTrackingEventAdd"]["shipment"]["status"] == "EXCEPTION"
    assert await count(db, ShipmentEvent, source="STAFF") == 2
    assert [t for _, t, _ in await tracking_entries(db, shipped.order.pk)][-1] == "DELAYED"


@pytest.mark.parametrize(("fields", "code", "field"), [
    ({"status": "SHIPPED"}, "INVALID", ["status"]),
    ({"occurredAt": "2099-01-01T00:00:00+00:00"}, "INVALID", ["occurredAt"]),
    ({"occurredAt": "2026-01-01T00:00:00"}, "INVALID", ["occurredAt"]),
    ({"location": "x" * 201}, "INVALID", ["location"]),
    ({"message": "x" * 1001}, "INVALID", ["message"]),
    ({"shipmentId": encode_id("Order", 1)}, "INVALID", ["shipmentId"]),
    ({"shipmentId": encode_id("Shipment", 987654)}, "NOT_FOUND", ["shipmentId"]),
])
async def test_bad_input_is_refused_naming_the_field_and_records_nothing(
        db: Database, gql: GQL, shipped: Shipped, clerk: str, fields: dict[str, Any],
        code: str, field: list[str]) -> None:
    version = await tracking_version(db, shipped.order.pk)
    variables = _input(shipped)
    variables["input"].update(fields)
    payload = (await gql(ADD, variables, token=clerk))["data"]["shipmentTrackingEventAdd"]
    assert payload["shipment"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, field)]
    assert payload["errors"][0]["message"]
    assert await count(db, ShipmentEvent) == 0
    assert await tracking_version(db, shipped.order.pk) == version


async def test_every_problem_is_reported_at_once(gql: GQL, shipped: Shipped,
                                                 clerk: str) -> None:
    variables = _input(shipped, status="SHIPPED", location="x" * 201, message="x" * 1001)
    payload = (await gql(ADD, variables, token=clerk))["data"]["shipmentTrackingEventAdd"]
    assert sorted(e["field"][0] for e in payload["errors"]) == ["location", "message",
                                                                 "status"]


@pytest.mark.parametrize("who", ["anonymous", "customer", "staff_without_permission"])
async def test_only_staff_with_manage_fulfillment_may_add(
        db: Database, gql: GQL, shipped: Shipped, who: str) -> None:
    token = {"anonymous": None, "customer": await create_customer(db),
             "staff_without_permission": await create_staff(db, [Permission.MANAGE_ORDERS])
             }[who]
    body = await gql(ADD, _input(shipped), token=token, expect_errors=True)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == (
        "UNAUTHENTICATED" if who == "anonymous" else "FORBIDDEN")
    assert await count(db, ShipmentEvent) == 0
