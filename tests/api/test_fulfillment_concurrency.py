"""Clerks racing each other through HTTP (on PostgreSQL each request has its own connection):
the same fulfilment shipped at once ships once, scanners at once never over-pick, and pick
lists made at once never take the same units twice."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select

from commerce.db.database import Database
from commerce.db.models import Fulfillment, FulfillmentLine, Shipment, StockMovement
from commerce.settings import Settings
from tests.api.test_fulfillment_api import (
    CREATE,
    SCAN,
    SHIP,
    create,
    picked_and_packed,
    setup,
    ship_input,
)
from tests.conftest import GQL
from tests.order_factories import journal_balances, stock_of

pytestmark = pytest.mark.timeout(120)

CLERKS = 6
# Valid UPS numbers (the check digit matters only for the format's shape here).
NUMBERS = [f"1Z999AA1012345678{i}" for i in range(CLERKS)]


async def _count(db: Database, statement: Any) -> int:
    async with db.transaction() as session:
        return int((await session.execute(statement)).scalar_one())


async def test_clerks_shipping_the_same_fulfillment_at_once_ship_it_once(
        db: Database, settings: Settings, gql: GQL) -> None:
    s = await setup(db, settings)
    fid = await picked_and_packed(gql, s)
    bodies = await asyncio.gather(*(gql(SHIP, ship_input(fid, n), token=s.staff)
                                    for n in NUMBERS))
    results = [b["data"]["shipmentCreate"] for b in bodies]
    assert sorted(tuple(e["code"] for e in r["errors"]) for r in results) == (
        [()] + [("INVALID_STATE",)] * (CLERKS - 1))
    assert await stock_of(db, s.a) == (8, 0)
    assert await stock_of(db, s.b) == (4, 0)
    assert await _count(db, select(func.count()).select_from(Shipment)) == 1
    assert await _count(db, select(func.count()).select_from(StockMovement).where(
        StockMovement.reason == "SHIPMENT")) == 2
    assert await journal_balances(db)


async def test_scanners_at_once_never_over_pick(db: Database, settings: Settings,
                                                gql: GQL) -> None:
    s = await setup(db, settings)
    fid = (await create(gql, s))["fulfillment"]["id"]  # MUG-RED: 2 to pick
    bodies = await asyncio.gather(*(
        gql(SCAN, {"input": {"fulfillmentId": fid, "barcode": "MUG-RED", "quantity": 2}},
            token=s.staff) for _ in range(CLERKS)))
    codes = sorted(tuple(e["code"] for e in b["data"]["fulfillmentItemScan"]["errors"])
                   for b in bodies)
    assert codes == [()] + [("OVER_PICK",)] * (CLERKS - 1)
    assert await _count(db, select(func.max(FulfillmentLine.quantity_picked))) == 2


async def test_pick_lists_made_at_once_never_share_units(db: Database, settings: Settings,
                                                         gql: GQL) -> None:
    s = await setup(db, settings)
    variables = {"input": {"orderId": s.order.id, "warehouseId": s.warehouse}}
    bodies = await asyncio.gather(*(gql(CREATE, variables, token=s.staff)
                                    for _ in range(CLERKS)))
    codes = sorted(tuple(e["code"] for e in b["data"]["fulfillmentCreate"]["errors"])
                   for b in bodies)
    assert codes == [()] + [("INSUFFICIENT_STOCK",)] * (CLERKS - 1)
    assert await _count(db, select(func.count()).select_from(Fulfillment)) == 1
    assert await _count(db, select(func.sum(FulfillmentLine.quantity))) == 3
