"""The database's own guards on returns: direct SQL past the service cannot receive more
than was asked for, dispose of more than was received, or number two returns alike."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from commerce.db.database import Database
from commerce.db.models import Return, ReturnLine
from commerce.returns.rules import ReturnReason
from commerce.returns.service import LineRequest, Requester, request_return
from commerce.settings import Settings
from tests.returns_helpers import sell

pytestmark = pytest.mark.timeout(60)


async def _one_return(db: Database, settings: Settings) -> tuple[int, int]:
    sold = await sell(db, settings)
    rid = await request_return(db, sold.order.pk,
                               [LineRequest(sold.line_a_pk, 2, ReturnReason.UNWANTED)],
                               who=Requester(user_id=None, staff=True), window_days=30)
    async with db.transaction() as s:
        line_id = (await s.execute(select(ReturnLine.id).where(
            ReturnLine.return_id == rid))).scalar_one()
    return rid, line_id


@pytest.mark.parametrize("values", [
    {"quantity_received": 3},
    {"quantity_received": 1, "quantity_missing": 2},
    {"quantity_received": 1, "quantity_restocked": 1, "quantity_damaged": 1},
    {"quantity_received": -1},
    {"refund_quantity": 3},
])
async def test_line_counts_stay_within_bounds(db: Database, settings: Settings,
                                              values: dict[str, int]) -> None:
    _, line_id = await _one_return(db, settings)
    with pytest.raises(IntegrityError):
        async with db.transaction() as s:
            await s.execute(update(ReturnLine).where(ReturnLine.id == line_id).values(**values))


async def test_a_return_number_is_unique_per_order(db: Database, settings: Settings) -> None:
    rid, _ = await _one_return(db, settings)
    async with db.transaction() as s:
        order_id = (await s.execute(select(Return.order_id).where(
            Return.id == rid))).scalar_one()
    with pytest.raises(IntegrityError):
        async with db.transaction() as s:
            await s.execute(insert(Return).values(
                order_id=order_id, sequence=1, status="REQUESTED", photo_urls=[],
                instructions="", decline_note="", return_shipping_fee=0,
                restocking_fee_bp=0, refund_status="NONE", refund_amount=0,
                refund_shipping=0, refund_plan=[], refund_attempt=1))


async def test_status_and_reason_are_checked(db: Database, settings: Settings) -> None:
    rid, line_id = await _one_return(db, settings)
    with pytest.raises(IntegrityError):
        async with db.transaction() as s:
            await s.execute(update(Return).where(Return.id == rid).values(status="LOST"))
    with pytest.raises(IntegrityError):
        async with db.transaction() as s:
            await s.execute(update(ReturnLine).where(ReturnLine.id == line_id)
                            .values(reason="BORED"))
