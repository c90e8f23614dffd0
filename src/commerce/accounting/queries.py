"""Reads of the books, aggregated in SQL (never row by row in Python)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.models import JournalEntry, JournalLine, LedgerAccount


@dataclass(frozen=True, slots=True)
class TrialBalanceRow:
    """One account's balance in one currency: debits and credits as positive totals."""

    code: str
    name: str
    type: str
    currency: str
    debit: int
    credit: int

    @property
    def balance(self) -> int:
        return self.debit - self.credit


def trial_balance_statement(as_of: datetime | None) -> Select[str, str, str, str, int, int]:
    debit = func.coalesce(func.sum(JournalLine.amount).filter(JournalLine.amount > 0), 0)
    credit = func.coalesce(-func.sum(JournalLine.amount).filter(JournalLine.amount < 0), 0)
    statement = (
        select(LedgerAccount.code, LedgerAccount.name, LedgerAccount.type,
               JournalLine.currency, debit.label("debit"), credit.label("credit"))
        .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .group_by(LedgerAccount.code, LedgerAccount.name, LedgerAccount.type,
                  JournalLine.currency)
        .order_by(LedgerAccount.code, JournalLine.currency))
    if as_of is not None:
        statement = statement.where(JournalEntry.posted_at <= as_of)
    return statement


async def trial_balance(session: AsyncSession, as_of: datetime | None = None
                        ) -> list[TrialBalanceRow]:
    """Every account with postings up to ``as_of`` (inclusive; None: all), per currency."""
    rows = (await session.execute(trial_balance_statement(as_of))).all()
    return [TrialBalanceRow(r.code, r.name, r.type, r.currency, int(r.debit), int(r.credit))
            for r in rows]
