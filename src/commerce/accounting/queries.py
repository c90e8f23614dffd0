"""Reads of the books, aggregated in SQL (never row by row in Python)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, Row, Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.database import Reader
from commerce.db.models import JournalEntry, JournalLine, LedgerAccount
from commerce.shared.pagination import Page, PaginationError, make_page, page_request


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


# --- for the API: accounts, entries (keyset pages) and their lines (batched) ---------------

ACCOUNT_COLUMNS = (LedgerAccount.id, LedgerAccount.code, LedgerAccount.name,
                   LedgerAccount.type, LedgerAccount.jurisdiction, LedgerAccount.is_system)
ENTRY_COLUMNS = (JournalEntry.id, JournalEntry.number, JournalEntry.posted_at,
                 JournalEntry.created_at, JournalEntry.memo, JournalEntry.source_type,
                 JournalEntry.source_key, JournalEntry.reverses_id, JournalEntry.created_by)
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_ENTRIES_BY_IDS = select(*ENTRY_COLUMNS).where(JournalEntry.id.in_(_IDS))
_LINES_BY_ENTRY_IDS = (
    select(JournalLine.id, JournalLine.entry_id, JournalLine.currency, JournalLine.amount,
           LedgerAccount.code, LedgerAccount.name)
    .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
    .where(JournalLine.entry_id.in_(_IDS)).order_by(JournalLine.id))
_REVERSALS_BY_ENTRY_IDS = select(*ENTRY_COLUMNS).where(JournalEntry.reverses_id.in_(_IDS))
ENTRIES_SORT = "journal-number-desc"


async def ledger_accounts(reader: Reader) -> Sequence[Row[Any]]:
    """The whole chart, by code (a chart is tens of accounts, not a page's worth)."""
    return await reader.all(select(*ACCOUNT_COLUMNS).order_by(LedgerAccount.code))


async def ledger_account_by_id(reader: Reader, pk: int) -> Row[Any] | None:
    return await reader.first(select(*ACCOUNT_COLUMNS).where(LedgerAccount.id == pk))


async def journal_entries(reader: Reader, *, source_type: str | None,
                          posted_from: datetime | None, posted_to: datetime | None,
                          first: int | None, after: str | None) -> Page[Row[Any]]:
    """Entries newest first (by number), optionally of one source type and accounting dates
    (``posted_from`` inclusive, ``posted_to`` exclusive)."""
    sort = ":".join([ENTRIES_SORT, source_type or "",
                     posted_from.isoformat() if posted_from else "",
                     posted_to.isoformat() if posted_to else ""])
    request = page_request(first, after, sort, 1)
    statement = select(*ENTRY_COLUMNS)
    if request.after is not None:
        if not isinstance(request.after[0], int):
            raise PaginationError("`after`: malformed cursor")
        statement = statement.where(JournalEntry.number < request.after[0])
    if source_type is not None:
        statement = statement.where(JournalEntry.source_type == source_type)
    if posted_from is not None:
        statement = statement.where(JournalEntry.posted_at >= posted_from)
    if posted_to is not None:
        statement = statement.where(JournalEntry.posted_at < posted_to)
    rows = await reader.all(statement.order_by(JournalEntry.number.desc())
                            .limit(request.first + 1))
    return make_page(rows, request, sort, lambda r: (r.number,))


def _group(rows: Sequence[Row[Any]], key: str) -> dict[int, list[Row[Any]]]:
    grouped: dict[int, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


async def entries_by_ids(reader: Reader, ids: Sequence[int]) -> dict[int, Row[Any]]:
    return {r.id: r for r in await reader.all(_ENTRIES_BY_IDS, {"ids": list(ids)})}


async def reversals_by_entry_ids(reader: Reader, ids: Sequence[int]) -> dict[int, Row[Any]]:
    return {r.reverses_id: r for r in await reader.all(_REVERSALS_BY_ENTRY_IDS,
                                                       {"ids": list(ids)})}


async def lines_by_entry_ids(reader: Reader, ids: Sequence[int]) -> dict[int, list[Row[Any]]]:
    return _group(await reader.all(_LINES_BY_ENTRY_IDS, {"ids": list(ids)}), "entry_id")


async def trial_balance_rows(reader: Reader, as_of: datetime | None) -> list[TrialBalanceRow]:
    rows = await reader.all(trial_balance_statement(as_of))
    return [TrialBalanceRow(r.code, r.name, r.type, r.currency, int(r.debit), int(r.credit))
            for r in rows]
