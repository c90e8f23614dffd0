"""Card payments through HTTP with Stripe on (the local fake): how a card payment shows,
paymentCapture in part, paymentRefund through Stripe, paymentVoid refused once captured."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from commerce.accounts.permissions import Permission
from commerce.app import create_app
from commerce.db.database import Database
from commerce.payments.gateways import gateway_for
from commerce.settings import Settings
from commerce.shared.ids import encode_id
from tests.account_helpers import user_with_token
from tests.card_factories import card_order
from tests.fakes.stripe_server import FakeStripe

pytestmark = pytest.mark.timeout(120)

ORDER = """order { paymentStatus amountPaid { amount } amountAuthorized { amount }
  amountRefunded { amount }
  payments { method gateway status card { brand last4 } amountCaptured { amount }
             amountRefunded { amount } amountAuthorized { amount }
             transactions { kind status amount { amount } } } }
errors { code message field }"""


@pytest.fixture
async def stripe_client(stripe_settings: Settings, db: Database
                        ) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(stripe_settings, db)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def _call(client: httpx.AsyncClient, token: str, name: str, input_type: str,
                variables: dict[str, Any]) -> dict[str, Any]:
    query = (f"mutation ($input: {input_type}!) {{ {name}(input: $input) {{ {ORDER} }} }}")
    response = await client.post("/graphql", json={"query": query,
                                                   "variables": {"input": variables}},
                                 headers={"Authorization": f"Bearer {token}"})
    body = response.json()
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"][name]
    return payload


async def test_capture_part_refund_part_and_void_refused_through_the_api(
        db: Database, stripe_settings: Settings, fake_stripe: FakeStripe,
        stripe_client: httpx.AsyncClient) -> None:
    gateway = gateway_for(stripe_settings)
    assert gateway is not None
    card = await card_order(db, stripe_settings, gateway, fake_stripe, authorize_only=True)
    _, staff = await user_with_token(db, "cashier@example.com",
                                     permissions=[Permission.MANAGE_PAYMENTS,
                                                  Permission.MANAGE_ORDERS])
    payment = encode_id("Payment", card.payment_id)

    captured = await _call(stripe_client, staff, "paymentCapture", "PaymentCaptureInput",
                           {"paymentId": payment, "amount": "10.00", "idempotencyKey": "c"})
    assert captured["errors"] == []
    o = captured["order"]
    assert (o["paymentStatus"], o["amountPaid"], o["amountAuthorized"]) == (
        "PARTIALLY_PAID", {"amount": "10.00"}, {"amount": "0.00"})
    (p,) = o["payments"]
    assert (p["method"], p["gateway"], p["status"], p["card"]) == (
        "CARD", "stripe", "CAPTURED", {"brand": "visa", "last4": "4242"})
    assert (p["amountCaptured"], p["amountAuthorized"]) == (
        {"amount": "10.00"}, {"amount": "0.00"})
    assert [(t["kind"], t["status"], t["amount"]["amount"]) for t in p["transactions"]] == [
        ("AUTHORIZE", "SUCCESS", "15.00"), ("CAPTURE", "SUCCESS", "10.00"),
        ("VOID", "SUCCESS", "5.00")]

    refunded = await _call(stripe_client, staff, "paymentRefund", "PaymentRefundInput",
                           {"paymentId": payment, "amount": "2.50", "idempotencyKey": "r"})
    assert refunded["errors"] == []
    assert refunded["order"]["amountRefunded"] == {"amount": "2.50"}
    assert refunded["order"]["payments"][0]["status"] == "PARTIALLY_REFUNDED"
    assert fake_stripe.intent(card.intent_id)["latest_charge"]["amount_refunded"] == 250

    voided = await _call(stripe_client, staff, "paymentVoid", "PaymentVoidInput",
                         {"paymentId": payment, "idempotencyKey": "v"})
    assert voided["order"] is None
    assert [e["code"] for e in voided["errors"]] == ["INVALID_STATE"]
