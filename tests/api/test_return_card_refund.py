"""A return refunded to a card: through Stripe (the local fake), with an idempotency key
derived from the return; the processor not answering leaves the refund PENDING, and
returnRefund again finishes it with the same keys, without refunding twice."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from commerce.accounts.permissions import Permission
from commerce.db.database import Database
from commerce.db.models import OrderLine, PaymentTransaction, Return, Warehouse
from commerce.payments.gateways import gateway_for
from commerce.settings import Settings
from commerce.shared.ids import encode_id
from tests.account_helpers import user_with_token
from tests.card_factories import card_order
from tests.conftest import GQL
from tests.fakes.stripe_server import FakeStripe
from tests.returns_helpers import CREATE, REFUND, line, ship

pytestmark = pytest.mark.timeout(120)


async def _run(gql: GQL, query: str, input: dict[str, Any], token: str) -> dict[str, Any]:
    body = await gql(query, {"input": input}, token=token)
    payload: dict[str, Any] = next(iter(body["data"].values()))
    return payload


async def test_a_card_return_refund_survives_the_processor_not_answering(
        db: Database, stripe_settings: Settings, fake_stripe: FakeStripe,
        card_gql: GQL) -> None:
    card = await card_order(db, stripe_settings, gateway_for(stripe_settings), fake_stripe,
                            authorize_only=False)  # 10.00 + 5.00 shipping, captured
    async with db.transaction() as s:
        line_pk, sku = (await s.execute(select(OrderLine.id, OrderLine.sku).where(
            OrderLine.order_id == card.order_id))).one()
        warehouse = (await s.execute(select(Warehouse.id))).scalars().first()
    assert warehouse is not None
    await ship(db, card.order_id, warehouse, [((line_pk, sku), 1)])
    _, staff = await user_with_token(db, "returns@example.com",
                                     permissions=[Permission.MANAGE_RETURNS])
    rid = (await _run(card_gql, CREATE, {"orderId": encode_id("Order", card.order_id),
                                         "lines": [line(encode_id("OrderLine", line_pk), 1)]},
                      staff))["return"]["id"]

    fake_stripe.fail_next("POST", "/v1/refunds", 500, times=3, after_apply=True)
    first = await _run(card_gql, REFUND, {"returnId": rid}, staff)
    assert [e["code"] for e in first["errors"]] == ["PAYMENT_GATEWAY_UNAVAILABLE"]
    second = await _run(card_gql, REFUND, {"returnId": rid}, staff)
    assert second["errors"] == []
    assert second["return"]["refundStatus"] == "DONE"
    assert second["return"]["refundAmount"]["amount"] == "10.00"

    assert [r["amount"] for r in fake_stripe.refunds.values()] == [1000]
    keys = {r.idempotency_key for r in fake_stripe.requests
            if r.method == "POST" and r.path.startswith("/v1/refunds")}
    assert len(keys) == 1  # the retry sent the same key: Stripe replayed, did not refund again
    async with db.transaction() as s:
        rows = (await s.execute(select(PaymentTransaction.amount, PaymentTransaction.status,
                                       PaymentTransaction.idempotency_key)
                                .where(PaymentTransaction.order_id == card.order_id,
                                       PaymentTransaction.kind == "REFUND"))).all()
    assert [(r.amount, r.status) for r in rows] == [(1000, "SUCCESS")]
    async with db.transaction() as s:
        return_pk = (await s.execute(select(Return.id))).scalar_one()
    # Our row's key is the return's; Stripe's is derived from our row (commerce-txn-<id>).
    assert rows[0].idempotency_key == f"return-{return_pk}-payment-{card.payment_id}"


async def test_a_refused_card_refund_releases_the_return_for_a_new_attempt(
        db: Database, stripe_settings: Settings, fake_stripe: FakeStripe,
        card_gql: GQL) -> None:
    card = await card_order(db, stripe_settings, gateway_for(stripe_settings), fake_stripe,
                            authorize_only=False)
    async with db.transaction() as s:
        line_pk, sku = (await s.execute(select(OrderLine.id, OrderLine.sku).where(
            OrderLine.order_id == card.order_id))).one()
        warehouse = (await s.execute(select(Warehouse.id))).scalars().first()
    assert warehouse is not None
    await ship(db, card.order_id, warehouse, [((line_pk, sku), 1)])
    _, staff = await user_with_token(db, "returns@example.com",
                                     permissions=[Permission.MANAGE_RETURNS])
    rid = (await _run(card_gql, CREATE, {"orderId": encode_id("Order", card.order_id),
                                         "lines": [line(encode_id("OrderLine", line_pk), 1)]},
                      staff))["return"]["id"]
    fake_stripe.fail_next("POST", "/v1/refunds", 400)
    refused = await _run(card_gql, REFUND, {"returnId": rid}, staff)
    assert refused["errors"] and refused["errors"][0]["code"] != "PAYMENT_GATEWAY_UNAVAILABLE"
    async with db.transaction() as s:
        ret = (await s.execute(select(Return))).scalar_one()
    assert (ret.refund_status, ret.refund_attempt, ret.refund_amount) == ("NONE", 2, 0)
    again = await _run(card_gql, REFUND, {"returnId": rid}, staff)
    assert again["errors"] == []
    assert again["return"]["refundAmount"]["amount"] == "10.00"
    assert [r["amount"] for r in fake_stripe.refunds.values()] == [1000]
    async with db.transaction() as s:
        rows = (await s.execute(select(PaymentTransaction.status,
                                       PaymentTransaction.idempotency_key)
                                .where(PaymentTransaction.kind == "REFUND")
                                .order_by(PaymentTransaction.id))).all()
    assert [r.status for r in rows] == ["FAILED", "SUCCESS"]
    assert rows[1].idempotency_key == f"return-{ret.id}-payment-{card.payment_id}-2"
