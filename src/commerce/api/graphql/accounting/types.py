"""The books as the API shows them: accounts, journal entries with their lines, and the
trial balance. Staff only (MANAGE_ACCOUNTING, or VIEW_REPORTS to read)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from commerce.accounting.chart import AccountType
from commerce.accounting.postings import ExpenseCategory
from commerce.accounting.queries import TrialBalanceRow
from commerce.api.graphql.context import Info
from commerce.api.graphql.descriptions import describe_values
from commerce.api.graphql.money import Money
from commerce.shared.ids import encode_id

strawberry.enum(AccountType, name="LedgerAccountType",
                description="What kind of account: decides its side in the statements.")
describe_values(AccountType, {
    AccountType.ASSET: "What the shop owns (bank, Stripe clearing, receivables, inventory); "
                       "normally a debit balance.",
    AccountType.LIABILITY: "What the shop owes (customer deposits, sales tax, store credit, "
                           "payables); normally a credit balance.",
    AccountType.EQUITY: "The owners' stake; normally a credit balance.",
    AccountType.REVENUE: "Income earned (sales, shipping income); normally a credit balance.",
    AccountType.CONTRA_REVENUE: "Reductions of revenue (discounts, sales returns); normally "
                                "a debit balance.",
    AccountType.EXPENSE: "Costs (cost of goods sold, fees, advertising...); normally a debit "
                         "balance.",
})

strawberry.enum(ExpenseCategory, name="ExpenseCategory",
                description="What an expense was for; each has its own expense account.")
describe_values(ExpenseCategory, {
    ExpenseCategory.SHIPPING: "Carrier and packaging costs (account 5200).",
    ExpenseCategory.ADVERTISING: "Advertising and marketing (account 5300).",
    ExpenseCategory.STAFFING: "Wages and contractors (account 5400).",
    ExpenseCategory.PAYMENT_FEES: "Payment processing fees (account 5100).",
    ExpenseCategory.OTHER: "Anything else (account 5900).",
})


@strawberry.type(description="An account of the chart of accounts.")
class LedgerAccount:
    id: strawberry.ID = strawberry.field(description="The account's global ID.")
    code: str = strawberry.field(description="Its unique code (1xxx assets, 2xxx "
                                             "liabilities, 3xxx equity, 4xxx revenue, 45xx "
                                             "contra-revenue, 5xxx expenses); sales tax per "
                                             "jurisdiction is 2200-<jurisdiction>.")
    name: str = strawberry.field(description="Its name.")
    type: AccountType = strawberry.field(description="What kind of account it is.")
    jurisdiction: str | None = strawberry.field(
        description="For a sales-tax account: the jurisdiction (\"US-CA\", \"DE\") whose tax "
                    "it holds; null otherwise.")
    is_system: bool = strawberry.field(description="Seeded or created by the shop itself "
                                                   "(posting rules use it), not by staff.")

    @classmethod
    def from_row(cls, row: Any) -> LedgerAccount:
        return cls(id=strawberry.ID(encode_id("LedgerAccount", row.id)), code=row.code,
                   name=row.name, type=AccountType(row.type), jurisdiction=row.jurisdiction,
                   is_system=row.is_system)


@strawberry.type(description="One line of a journal entry: a debit or a credit to one "
                             "account, in one currency.")
class JournalLine:
    account_code: str = strawberry.field(description="The account's code.")
    account_name: str = strawberry.field(description="The account's name.")
    amount: Money = strawberry.field(description="Signed: a debit is positive, a credit "
                                                 "negative; an entry's lines sum to zero per "
                                                 "currency.")
    debit: Money | None = strawberry.field(description="The amount when it is a debit; null "
                                                       "for a credit.")
    credit: Money | None = strawberry.field(description="The amount (positive) when it is a "
                                                        "credit; null for a debit.")

    @classmethod
    def from_row(cls, row: Any) -> JournalLine:
        amount = int(row.amount)
        return cls(account_code=row.code, account_name=row.name,
                   amount=Money.of(amount, row.currency),
                   debit=Money.of(amount, row.currency) if amount > 0 else None,
                   credit=Money.of(-amount, row.currency) if amount < 0 else None)


@strawberry.type(description="A balanced, immutable journal entry: one business fact, a "
                             "manual entry, or a reversal of another entry.")
class JournalEntry:
    id: strawberry.ID = strawberry.field(description="The entry's global ID.")
    number: int = strawberry.field(description="Gap-free 1, 2, 3... in posting order (the "
                                               "journal number accountants see).")
    posted_at: datetime = strawberry.field(description="The accounting date and time it "
                                                       "belongs to (UTC).")
    created_at: datetime = strawberry.field(description="When it was written (UTC).")
    memo: str = strawberry.field(description="What it records.")
    source_type: str = strawberry.field(description="What kind of fact posted it (MANUAL, "
                                                    "EXPENSE, REVERSAL, ...).")
    source_key: str = strawberry.field(description="The fact it records, unique: posting "
                                                   "the same fact again finds this entry.")
    pk: strawberry.Private[int]
    reverses_pk: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> JournalEntry:
        return cls(id=strawberry.ID(encode_id("JournalEntry", row.id)), number=row.number,
                   posted_at=row.posted_at, created_at=row.created_at, memo=row.memo,
                   source_type=row.source_type, source_key=row.source_key, pk=row.id,
                   reverses_pk=row.reverses_id)

    @strawberry.field(description="Its debits and credits, in the order written.")
    async def lines(self, info: Info) -> list[JournalLine]:
        return await info.context.loaders.journal_lines_by_entry_id.load(self.pk)

    @strawberry.field(description="The entry this one reverses; null unless it is a "
                                  "reversal.")
    async def reverses(self, info: Info) -> JournalEntry | None:
        if self.reverses_pk is None:
            return None
        return await info.context.loaders.journal_entry_by_id.load(self.reverses_pk)

    @strawberry.field(description="The entry that reversed this one; null while it stands "
                                  "(an entry is reversed at most once).")
    async def reversed_by(self, info: Info) -> JournalEntry | None:
        return await info.context.loaders.journal_reversal_by_entry_id.load(self.pk)


@strawberry.type(description="One account's postings in one currency up to a date.")
class TrialBalanceLine:
    account_code: str = strawberry.field(description="The account's code.")
    account_name: str = strawberry.field(description="The account's name.")
    account_type: AccountType = strawberry.field(description="The account's type.")
    debit: Money = strawberry.field(description="Sum of its debits.")
    credit: Money = strawberry.field(description="Sum of its credits (positive).")
    balance: Money = strawberry.field(description="Debits minus credits: positive is a debit "
                                                  "balance, negative a credit balance.")

    @classmethod
    def from_row(cls, row: TrialBalanceRow) -> TrialBalanceLine:
        return cls(account_code=row.code, account_name=row.name,
                   account_type=AccountType(row.type), debit=Money.of(row.debit, row.currency),
                   credit=Money.of(row.credit, row.currency),
                   balance=Money.of(row.balance, row.currency))


@strawberry.type(description="The trial balance: every account's debits and credits up to "
                             "`asOf`. Debits equal credits in every currency.")
class TrialBalance:
    as_of: datetime | None = strawberry.field(description="The date it was taken at; null: "
                                                          "everything posted so far.")
    lines: list[TrialBalanceLine] = strawberry.field(description="One per account and "
                                                                 "currency, by code.")
    totals: list[Money] = strawberry.field(description="Per currency, total debits (equal to "
                                                       "total credits).")
