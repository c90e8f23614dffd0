"""The demo's books and returns desk: returns in every state, restocked units back on the shelf,
refunds recorded against the orders' payments."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from commerce.accounting import ledger
from commerce.db.database import Database
from commerce.db.models import (
    JournalEntry,
    OrderTrackingEvent,
    PaymentTransaction,
    Return,
    StockMovement,
)
from commerce.seed import seed_demo_shop
from commerce.seed_books import MONTHLY_COSTS, OPENING_KEY
from commerce.settings import Settings
from tests.order_factories import journal_balances

pytestmark = pytest.mark.timeout(120)


async def test_the_demo_has_returns_in_every_state(db: Database, settings: Settings) -> None:
    assert await seed_demo_shop(db, settings) is True
    async with db.transaction() as s:
        returns = (await s.execute(select(Return))).scalars().all()
        restocked = (await s.execute(select(func.coalesce(func.sum(
            StockMovement.quantity_delta), 0)).where(StockMovement.reason == "RETURN"))
        ).scalar_one()
        refunds = (await s.execute(select(func.count()).select_from(PaymentTransaction)
                                   .where(PaymentTransaction.kind == "REFUND",
                                          PaymentTransaction.status == "SUCCESS"))
                   ).scalar_one()
        steps = Counter((await s.execute(select(OrderTrackingEvent.type))).scalars())
    statuses = Counter(r.status for r in returns)
    assert len(returns) == 6
    assert statuses["CLOSED"] == 3 and statuses["OPEN"] == 1
    assert statuses["REQUESTED"] + statuses["DECLINED"] == 2
    refunded = [r for r in returns if r.refund_status == "DONE"]
    assert len(refunded) == 3 and all(r.refund_amount > 0 for r in refunded)
    # The fee story kept 10% of its refund.
    assert any(r.restocking_fee_bp == 1000 for r in refunded)
    assert restocked == 1  # only the restocked unit went back on the shelf
    assert refunds >= 3
    assert steps["RETURN_RECEIVED"] == 3
    assert await journal_balances(db)


async def test_the_demo_books_open_with_the_owners_contribution_and_monthly_costs(
        db: Database, settings: Settings) -> None:
    assert await seed_demo_shop(db, settings) is True
    async with db.transaction() as s:
        entries = (await s.execute(select(JournalEntry.source_type, JournalEntry.posted_at)
                                   .order_by(JournalEntry.posted_at))).all()
        legs = await ledger.entry_legs(s, (await s.execute(select(JournalEntry.id).where(
            JournalEntry.source_key == OPENING_KEY))).scalar_one())
    assert entries[0].source_type == "OPENING_BALANCE"  # the books open first
    kinds = Counter(e.source_type for e in entries)
    assert kinds["EXPENSE"] >= 3 * len(MONTHLY_COSTS) and kinds["EXPENSE"] % len(MONTHLY_COSTS) == 0
    by_account = {leg.account: leg.amount for leg in legs}
    assert by_account["1000"] == 25_000 * 100 and by_account["1200"] > 0
    assert by_account["3000"] == -(by_account["1000"] + by_account["1200"])
    # Seeding again changes nothing.
    assert await seed_demo_shop(db, settings) is False
