"""The demo's books before and around its trading: the owner's opening contribution (money
in the bank and the opening stock at cost, dated with the catalog) and a few months of running
costs recorded through the expense service, so a new install shows real statements.

Sales, shipments, payments, refunds and returns post themselves: the demo plays them through
the services, which post in their own transactions.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from commerce.accounting import ledger
from commerce.accounting.postings import ExpenseCategory, OwnerContribution, owner_contribution
from commerce.accounting.service import record_expense
from commerce.db.database import Database
from commerce.db.models import ProductVariant, Stock
from commerce.settings import Settings
from commerce.shared.money import exponent

OPENING_KEY = "demo:opening-balance"
OPENING_CASH_MAJOR = 25_000

# (category, vendor, note, amount in major units): what the demo shop spends each month.
MONTHLY_COSTS = (
    (ExpenseCategory.ADVERTISING, "Search ads", "Campaigns", 900),
    (ExpenseCategory.ADVERTISING, "Social ads", "Summer sale", 450),
    (ExpenseCategory.STAFFING, "Payroll", "Warehouse and support", 4_200),
    (ExpenseCategory.SHIPPING, "Carrier invoice", "Labels", 650),
    (ExpenseCategory.OTHER, "Hosting", "Servers and e-mail", 120),
)


async def seed_books(db: Database, settings: Settings, *, opened_at: datetime,
                     actor_id: int | None) -> None:
    """Post the opening balance (once: its source key) and the monthly costs from the month
    the shop opened to now, each on the 5th (this month's only when the 5th has passed)."""
    currency = settings.currency
    scale = 10 ** exponent(currency)
    async with db.transaction() as session:
        # Tracked stock on hand at cost: what the owner brought in (variants without a cost
        # are valued at zero, as the goods-shipped postings value them).
        stock_value = int((await session.execute(
            select(func.coalesce(func.sum(
                Stock.quantity * func.coalesce(ProductVariant.cost_amount, 0)), 0))
            .join(ProductVariant, ProductVariant.id == Stock.variant_id)
            .where(ProductVariant.track_inventory.is_(True)))).scalar_one())
        await ledger.ensure_chart(session)
        await ledger.post(
            session, OPENING_KEY,
            owner_contribution(OwnerContribution(currency, OPENING_CASH_MAJOR * scale,
                                                 stock_value)),
            source_type="OPENING_BALANCE", memo="Opening balance: owner's contribution",
            posted_at=opened_at, created_by=actor_id)
    now = datetime.now(opened_at.tzinfo)
    month = opened_at.replace(day=5, hour=9, minute=0, second=0, microsecond=0)
    if month < opened_at:
        month = _next_month(month)
    while month <= now:
        for n, (category, vendor, note, major) in enumerate(MONTHLY_COSTS):
            await record_expense(
                db, category, major * scale, currency, spent_at=month + timedelta(hours=n),
                vendor=vendor, note=note, paid=True,
                idempotency_key=f"demo-{month:%Y-%m}-{n}", actor_id=actor_id)
        month = _next_month(month)


def _next_month(day: datetime) -> datetime:
    return day.replace(year=day.year + day.month // 12, month=day.month % 12 + 1)
