"""Staff payments through HTTP: record in parts, refund, the order's payments, who may."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from commerce.accounts.permissions import Permission
from commerce.db.database import Database
from commerce.settings import Settings
from commerce.shared.ids import encode_id
from tests.account_helpers import user_with_token
from tests.conftest import GQL
from tests.order_api_helpers import Placed, place_order
from tests.order_factories import make_shop, make_variant

pytestmark = pytest.mark.timeout(120)

ORDER = """order { paymentStatus amountPaid { amount } amountDue { amount }
  amountRefunded { amount } total { amount }
  payments { id method status amount { amount } pspReference
             transactions { kind amount { amount } reason } }
  events { type amount { amount } } }
errors { code message field }"""
RECORD = ("mutation ($input: OrderPaymentRecordInput!) { orderPaymentRecord(input: $input) { "
          + ORDER + " } }")
REFUND = ("mutation ($input: PaymentRefundInput!) { paymentRefund(input: $input) { "
          + ORDER + " } }")


async def setup(db: Database, settings: Settings) -> tuple[Placed, str]:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=10, price=1000)
    order = await place_order(db, settings, shop, {variant: 1})  # total 15.00
    _, staff = await user_with_token(db, "cashier@example.com",
                                     permissions=[Permission.MANAGE_PAYMENTS,
                                                  Permission.MANAGE_ORDERS])
    return order, staff


def _record(order: Placed, amount: str, key: str, **more: str) -> dict[str, Any]:
    return {"input": {"orderId": order.id, "amount": amount, "method": "BANK_TRANSFER",
                      "reference": "TRX-9", "idempotencyKey": key, **more}}


async def test_pay_in_two_parts_then_refund_part(
        db: Database, settings: Settings, gql: GQL) -> None:
    order, staff = await setup(db, settings)

    first = (await gql(RECORD, _record(order, "5.00", "a"), token=staff))["data"]
    first = first["orderPaymentRecord"]
    assert first["errors"] == []
    assert (first["order"]["paymentStatus"], first["order"]["amountDue"]) == (
        "PARTIALLY_PAID", {"amount": "10.00"})
    second = (await gql(RECORD, _record(order, "10.00", "b", method="CHEQUE"),
                        token=staff))["data"]["orderPaymentRecord"]["order"]
    assert (second["paymentStatus"], second["amountPaid"]) == ("PAID", {"amount": "15.00"})
    assert [(p["method"], p["amount"]["amount"]) for p in second["payments"]] == [
        ("BANK_TRANSFER", "5.00"), ("CHEQUE", "10.00")]

    cheque = second["payments"][1]["id"]
    refund = {"input": {"paymentId": cheque, "amount": "4.00", "reason": "damaged",
                        "idempotencyKey": "r"}}
    refunded = (await gql(REFUND, refund, token=staff))["data"]["paymentRefund"]
    again = (await gql(REFUND, refund, token=staff))["data"]["paymentRefund"]
    assert refunded["errors"] == [] and again["errors"] == []
    o = again["order"]
    assert (o["paymentStatus"], o["amountPaid"], o["amountRefunded"]) == (
        "PARTIALLY_REFUNDED", {"amount": "11.00"}, {"amount": "4.00"})
    assert o["payments"][1]["status"] == "PARTIALLY_REFUNDED"
    assert [(t["kind"], t["amount"]["amount"], t["reason"])
            for t in o["payments"][1]["transactions"]] == [
        ("CAPTURE", "10.00", ""), ("REFUND", "4.00", "damaged")]
    assert [(e["type"], e["amount"]["amount"]) for e in o["events"][1:]] == [
        ("PAYMENT_RECORDED", "5.00"), ("PAYMENT_RECORDED", "10.00"),
        ("PAYMENT_REFUNDED", "4.00")]

    too_much = {"input": {**refund["input"], "amount": "6.01", "idempotencyKey": "r2"}}
    refused = (await gql(REFUND, too_much, token=staff))["data"]["paymentRefund"]
    assert refused["order"] is None
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("INVALID", ["amount"])]


async def test_an_overpayment_is_a_payload_error(
        db: Database, settings: Settings, gql: GQL) -> None:
    order, staff = await setup(db, settings)
    payload = (await gql(RECORD, _record(order, "15.01", "a"), token=staff)
               )["data"]["orderPaymentRecord"]
    assert payload["order"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", ["amount"])]


async def test_recording_needs_manage_payments_and_payments_show_only_to_staff(
        db: Database, settings: Settings, gql: GQL) -> None:
    order, staff = await setup(db, settings)
    _, clerk = await user_with_token(db, "clerk@example.com",
                                     permissions=[Permission.MANAGE_ORDERS])
    body = await gql(RECORD, _record(order, "1.00", "a"), token=clerk, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    await gql(RECORD, _record(order, "1.00", "a"), token=staff)
    query = ("query ($t: String!) { orderByToken(token: $t) { amountPaid { amount } "
             "payments { id } } }")
    guest = (await gql(query, {"t": order.token}))["data"]["orderByToken"]
    assert guest == {"amountPaid": {"amount": "1.00"}, "payments": []}


async def test_an_unknown_payment_is_not_found(
        db: Database, settings: Settings, gql: GQL) -> None:
    _, staff = await setup(db, settings)
    refund = {"input": {"paymentId": encode_id("Payment", 999), "amount": "1.00",
                        "idempotencyKey": "x"}}
    payload = (await gql(REFUND, refund, token=staff))["data"]["paymentRefund"]
    assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"]


async def test_listing_orders_with_payments_costs_the_same_statements_at_2_and_8_orders(
        db: Database, settings: Settings, gql: GQL,
        count_statements: Callable[[], Any]) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=100, price=1000)
    _, staff = await user_with_token(db, "cashier@example.com",
                                     permissions=[Permission.MANAGE_PAYMENTS,
                                                  Permission.MANAGE_ORDERS])
    query = """query ($first: Int) { orders(first: $first) { nodes { amountRefunded { amount }
      amountAuthorized { amount }
      payments { amount { amount } gateway method card { last4 } amountCaptured { amount }
                 amountRefunded { amount } amountAuthorized { amount }
                 transactions { kind status } } } } }"""

    async def statements(first: int) -> int:
        with count_statements() as counter:
            body = await gql(query, {"first": first}, token=staff)
        assert "errors" not in body and len(body["data"]["orders"]["nodes"]) == first
        return int(counter.count)

    for i in range(8):
        placed = await place_order(db, settings, shop, {variant: 1})
        await gql(RECORD, _record(placed, "2.00", f"k{i}"), token=staff)
    assert await statements(2) == await statements(8)


CAPTURE = ("mutation ($input: PaymentCaptureInput!) { paymentCapture(input: $input) { "
           + ORDER + " } }")
VOID = ("mutation ($input: PaymentVoidInput!) { paymentVoid(input: $input) { "
        + ORDER + " } }")
AMOUNTS = """query ($id: ID!) { order(id: $id) { amountAuthorized { amount }
  payments { gateway method card { last4 } amountCaptured { amount }
             amountRefunded { amount } amountAuthorized { amount }
             transactions { kind status } } } }"""


async def test_a_manual_payment_shows_its_amounts_and_refuses_capture_and_void(
        db: Database, settings: Settings, gql: GQL) -> None:
    order, staff = await setup(db, settings)
    paid = (await gql(RECORD, _record(order, "15.00", "a"), token=staff)
            )["data"]["orderPaymentRecord"]["order"]
    payment = paid["payments"][0]["id"]
    await gql(REFUND, {"input": {"paymentId": payment, "amount": "5.00",
                                 "idempotencyKey": "r"}}, token=staff)

    shown = (await gql(AMOUNTS, {"id": order.id}, token=staff))["data"]["order"]
    assert shown == {"amountAuthorized": {"amount": "0.00"}, "payments": [{
        "gateway": "manual", "method": "BANK_TRANSFER", "card": None,
        "amountCaptured": {"amount": "15.00"}, "amountRefunded": {"amount": "5.00"},
        "amountAuthorized": {"amount": "0.00"},
        "transactions": [{"kind": "CAPTURE", "status": "SUCCESS"},
                         {"kind": "REFUND", "status": "SUCCESS"}]}]}

    capture = (await gql(CAPTURE, {"input": {"paymentId": payment, "amount": "1.00",
                                             "idempotencyKey": "c"}}, token=staff)
               )["data"]["paymentCapture"]
    void = (await gql(VOID, {"input": {"paymentId": payment, "idempotencyKey": "v"}},
                      token=staff))["data"]["paymentVoid"]
    for payload in (capture, void):
        assert payload["order"] is None
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [
            ("INVALID_STATE", ["paymentId"])]


async def test_capture_and_void_need_manage_payments(
        db: Database, settings: Settings, gql: GQL) -> None:
    _, _ = await setup(db, settings)
    _, clerk = await user_with_token(db, "clerk@example.com",
                                     permissions=[Permission.MANAGE_ORDERS])
    payment = encode_id("Payment", 1)
    for document, variables in (
            (CAPTURE, {"input": {"paymentId": payment, "idempotencyKey": "c"}}),
            (VOID, {"input": {"paymentId": payment, "idempotencyKey": "v"}})):
        body = await gql(document, variables, token=clerk, expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_canceling_a_paid_order_through_the_api_records_the_refund_owed(
        db: Database, settings: Settings, gql: GQL) -> None:
    order, staff = await setup(db, settings)
    await gql(RECORD, _record(order, "15.00", "a"), token=staff)
    cancel = ("mutation ($input: OrderCancelInput!) { orderCancel(input: $input) { "
              + ORDER.replace("order {", "order { status") + " } }")
    payload = (await gql(cancel, {"input": {"id": order.id}}, token=staff))["data"]
    o = payload["orderCancel"]["order"]
    assert payload["orderCancel"]["errors"] == []
    assert (o["status"], o["paymentStatus"], o["amountRefunded"]) == (
        "CANCELED", "REFUNDED", {"amount": "15.00"})
    assert [(e["type"], e["amount"]["amount"] if e["amount"] else None)
            for e in o["events"][-2:]] == [("PAYMENT_REFUNDED", "15.00"), ("CANCELED", None)]
    assert o["payments"][0]["transactions"][-1]["reason"] == "order canceled: refund owed"
