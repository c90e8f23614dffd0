"""Manual capture mode: shipping captures the money for what shipped, against the fake
Stripe; when Stripe does not answer the shipment stands and reconciliation captures later."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from commerce.accounts.permissions import Permission
from commerce.db.database import Database
from commerce.db.models import Order, OrderLine, Payment, PaymentTransaction, Warehouse
from commerce.settings import Settings
from commerce.shared.clock import utcnow
from commerce.shared.ids import encode_id
from tests.account_helpers import user_with_token
from tests.api.test_fulfillment_api import CREATE, PACK, PARCEL, SCAN, SHIP, ship_input
from tests.card_fixtures import client_for, complete, intent_id, poster, start
from tests.conftest import GQL
from tests.order_factories import make_cart, make_shop, make_variant, stock_of

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def manual_settings(stripe_settings: Settings) -> Settings:
    return stripe_settings.with_(payment_capture="MANUAL")


@pytest.fixture
async def manual_client(manual_settings: Settings, db: Database
                        ) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(manual_settings, db) as c:
        yield c


async def authorised_order(db: Database, gql: GQL, fake: Any) -> tuple[str, str, int, str]:
    """An order of 2 x 25.00 + 5.00 shipping paid by an authorised card: (order id, intent
    id, variant id, staff token)."""
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=3, price=2500, sku="LAMP-1")
    token = await make_cart(db, shop, {variant: 2})
    pi = intent_id((await start(gql, token))["payment"]["clientSecret"])
    fake.pay(pi)
    placed = await complete(gql, token)
    assert placed["order"]["paymentStatus"] == "AUTHORIZED"
    _, staff = await user_with_token(db, "picker@example.com",
                                     permissions=[Permission.MANAGE_FULFILLMENT])
    return placed["order"]["id"], pi, variant, staff


async def packed(db: Database, gql: GQL, order_id: str, staff: str, units: int) -> str:
    async with db.transaction() as s:
        line = (await s.execute(select(OrderLine.id))).scalar_one()
        warehouse = (await s.execute(select(Warehouse.id))).scalar_one()
    created = (await gql(CREATE, {"input": {
        "orderId": order_id, "warehouseId": encode_id("Warehouse", warehouse),
        "lines": [{"orderLineId": encode_id("OrderLine", line), "quantity": units}]}},
        token=staff))["data"]["fulfillmentCreate"]
    assert created["errors"] == []
    fid: str = created["fulfillment"]["id"]
    scanned = await gql(SCAN, {"input": {"fulfillmentId": fid, "barcode": "LAMP-1",
                                         "quantity": units}}, token=staff)
    assert scanned["data"]["fulfillmentItemScan"]["errors"] == []
    packed = await gql(PACK, {"input": {"fulfillmentId": fid, "packages": [PARCEL]}},
                       token=staff)
    assert packed["data"]["fulfillmentPack"]["errors"] == []
    return fid


async def money(db: Database) -> tuple[str, int, list[tuple[str, str, int]]]:
    async with db.transaction() as s:
        order = (await s.execute(select(Order).execution_options(populate_existing=True))
                 ).scalar_one()
        rows = [(r.kind, r.status, r.amount) for r in (await s.execute(
            select(PaymentTransaction).order_by(PaymentTransaction.id))).scalars()]
    return order.payment_status, order.amount_paid, rows


async def test_shipping_everything_captures_the_whole_authorisation(
        db: Database, manual_client: httpx.AsyncClient, fake_stripe: Any) -> None:
    gql = poster(manual_client)
    order_id, pi, variant, staff = await authorised_order(db, gql, fake_stripe)
    fid = await packed(db, gql, order_id, staff, 2)
    shipped = (await gql(SHIP, ship_input(fid), token=staff))["data"]["shipmentCreate"]
    assert shipped["errors"] == [] and shipped["captureError"] is None
    assert fake_stripe.intent(pi)["amount_received"] == 5500
    assert await money(db) == ("PAID", 5500, [("AUTHORIZE", "SUCCESS", 5500),
                                              ("CAPTURE", "SUCCESS", 5500)])
    assert await stock_of(db, variant) == (1, 0)


async def test_a_partial_shipment_captures_its_lines_and_the_shipping(
        db: Database, manual_client: httpx.AsyncClient, fake_stripe: Any) -> None:
    gql = poster(manual_client)
    order_id, pi, variant, staff = await authorised_order(db, gql, fake_stripe)
    fid = await packed(db, gql, order_id, staff, 1)
    shipped = (await gql(SHIP, ship_input(fid), token=staff))["data"]["shipmentCreate"]
    assert shipped["errors"] == []
    # One unit (25.00) and the shipping (5.00); Stripe releases the rest of the hold.
    assert fake_stripe.intent(pi)["amount_received"] == 3000
    status, paid, rows = await money(db)
    assert (status, paid) == ("PARTIALLY_PAID", 3000)
    assert rows == [("AUTHORIZE", "SUCCESS", 5500), ("CAPTURE", "SUCCESS", 3000),
                    ("VOID", "SUCCESS", 2500)]
    assert await stock_of(db, variant) == (2, 1)


async def test_when_stripe_is_down_the_shipment_stands_and_reconcile_captures(
        db: Database, manual_client: httpx.AsyncClient, fake_stripe: Any,
        manual_settings: Settings) -> None:
    from commerce.integrations.stripe.gateway import MAX_NETWORK_RETRIES
    from commerce.payments.gateways import gateway_for
    from commerce.payments.reconcile import reconcile

    gql = poster(manual_client)
    order_id, pi, variant, staff = await authorised_order(db, gql, fake_stripe)
    fid = await packed(db, gql, order_id, staff, 2)
    fake_stripe.fail_next("POST", f"/v1/payment_intents/{pi}/capture", status=500,
                          times=MAX_NETWORK_RETRIES + 1)
    shipped = (await gql(SHIP, ship_input(fid), token=staff))["data"]["shipmentCreate"]
    assert shipped["errors"] == []
    assert shipped["fulfillment"]["status"] == "SHIPPED"
    assert shipped["captureError"]
    assert await stock_of(db, variant) == (1, 0)
    assert await money(db) == ("AUTHORIZED", 0, [("AUTHORIZE", "SUCCESS", 5500),
                                                 ("CAPTURE", "PENDING", 5500)])
    assert fake_stripe.intent(pi)["status"] == "requires_capture"

    gateway = gateway_for(manual_settings)
    assert gateway is not None
    report = await reconcile(db, gateway, manual_settings)
    assert report.captures_retried == 0  # too recent: it may still be under way
    async with db.transaction() as s:
        earlier = utcnow() - timedelta(minutes=manual_settings.reconcile_after_minutes + 1)
        await s.execute(update(PaymentTransaction).values(created_at=earlier))
        await s.execute(update(Payment).values(updated_at=earlier))
    report = await reconcile(db, gateway, manual_settings)
    assert report.captures_retried == 1
    assert fake_stripe.intent(pi)["amount_received"] == 5500
    assert await money(db) == ("PAID", 5500, [("AUTHORIZE", "SUCCESS", 5500),
                                              ("CAPTURE", "SUCCESS", 5500)])
    again = await reconcile(db, gateway, manual_settings)
    assert again.captures_retried == 0
