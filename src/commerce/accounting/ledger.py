"""Posting to the journal, in the caller's transaction, exactly once per source fact.

How an entry is written, and why in this order (both databases the same way):

1. ``SELECT`` the source key: a fact already posted returns its entry (replays are no-ops).
2. Inside a SAVEPOINT: take the next gap-free entry number, pick the entry's id, insert the
   lines (their foreign key to the entry is deferred to commit), then insert the entry row
   with ``ON CONFLICT (source_key) DO NOTHING``.
3. The entry's INSERT fires a trigger that refuses it unless its lines exist and sum to zero
   per currency, and a trigger on the lines refuses any line for an entry that already
   exists. So an entry is complete and balanced the moment it exists, and can never gain a
   line afterwards. Lines whose entry never comes fail the deferred foreign key at commit.
   SQLite cannot defer a trigger, so this ordering is its equivalent of PostgreSQL's
   DEFERRABLE INITIALLY DEFERRED constraint trigger, which PostgreSQL runs as well: at
   commit it re-checks the entry of every inserted line.
4. If another transaction posted the same key first (PostgreSQL waits on the unique index
   until it commits), the entry insert does nothing: the savepoint is rolled back, taking
   this attempt's lines and number with it, and the winner's entry is returned.

Balance is checked in code first (``postings.check_balanced``), so a bug shows as a clear
``UnbalancedError`` before the database's refusal. UPDATE and DELETE of entries and lines are
refused by triggers: corrections are reversing entries (``reverse``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.accounting import chart
from commerce.accounting.postings import Leg, check_balanced, reversal
from commerce.db.counters import next_value
from commerce.db.models import JournalEntry, JournalLine, LedgerAccount
from commerce.db.upsert import insert_for
from commerce.shared.clock import utcnow
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError

ENTRY_COUNTER = "journal_entry"


@dataclass(frozen=True, slots=True)
class Posted:
    """The entry a fact is in; ``created`` is false when it had been posted already."""

    entry_id: int
    number: int
    created: bool


async def ensure_chart(session: AsyncSession) -> None:
    """Create any missing account of the seeded chart (migration 0010 seeds it; a database
    emptied by hand, as the tests do, gets it back)."""
    now = utcnow()
    await session.execute(insert_for(session, LedgerAccount).values([
        {"code": a.code, "name": a.name, "type": a.type.value, "jurisdiction": None,
         "is_system": True, "created_at": now} for a in chart.SYSTEM_ACCOUNTS])
        .on_conflict_do_nothing(index_elements=[LedgerAccount.code]))


async def account_ids(session: AsyncSession, codes: Sequence[str]) -> dict[str, int]:
    """Account id per code. Per-jurisdiction sales-tax accounts ("2200-US-CA") are created
    on first use; any other unknown code is an error (a posting rule names only the chart)."""
    wanted = sorted(set(codes))
    found = {row.code: row.id for row in (await session.execute(
        select(LedgerAccount.code, LedgerAccount.id).where(LedgerAccount.code.in_(wanted))))}
    missing = [code for code in wanted if code not in found]
    new_tax = [(code, chart.tax_jurisdiction(code)) for code in missing]
    unknown = [code for code, jurisdiction in new_tax if jurisdiction is None]
    if unknown:
        raise DomainError.one(ErrorCode.NOT_FOUND,
                              f"no ledger account with code {', '.join(unknown)}", ["lines"])
    if new_tax:
        # Two postings may create the same account at once: the unique code lets one in.
        now = utcnow()
        await session.execute(insert_for(session, LedgerAccount).values([
            {"code": code, "name": chart.tax_account_name(str(jurisdiction)),
             "type": chart.AccountType.LIABILITY.value, "jurisdiction": jurisdiction,
             "is_system": True, "created_at": now}
            for code, jurisdiction in new_tax]).on_conflict_do_nothing(
                index_elements=[LedgerAccount.code]))
        found.update({row.code: row.id for row in (await session.execute(
            select(LedgerAccount.code, LedgerAccount.id).where(
                LedgerAccount.code.in_(missing))))})
    return found


async def _existing(session: AsyncSession, source_key: str) -> Posted | None:
    row = (await session.execute(select(JournalEntry.id, JournalEntry.number).where(
        JournalEntry.source_key == source_key))).first()
    return None if row is None else Posted(row.id, row.number, created=False)


async def _next_entry_id(session: AsyncSession) -> int:
    """The id the entry will get, needed before it exists because its lines come first.
    PostgreSQL: the table's sequence. SQLite: one writer at a time, so max + 1 is safe."""
    if session.get_bind().dialect.name == "postgresql":
        statement = text("SELECT nextval(pg_get_serial_sequence('journal_entries', 'id'))")
        return int((await session.execute(statement)).scalar_one())
    return int((await session.execute(
        select(func.coalesce(func.max(JournalEntry.id), 0) + 1))).scalar_one())


async def post(session: AsyncSession, source_key: str, lines: Sequence[Leg], *,
               source_type: str, memo: str = "", posted_at: datetime | None = None,
               created_by: int | None = None, reverses_id: int | None = None,
               order_id: int | None = None) -> Posted:
    """Post ``lines`` as one entry for the fact ``source_key`` in the caller's transaction;
    a key already posted returns that entry and posts nothing."""
    check_balanced(lines)
    existing = await _existing(session, source_key)
    if existing is not None:
        return existing
    ids = await account_ids(session, [line.account for line in lines])
    async with session.begin_nested() as savepoint:
        number = await next_value(session, ENTRY_COUNTER)
        entry_id = await _next_entry_id(session)
        await session.execute(insert(JournalLine), [
            {"entry_id": entry_id, "account_id": ids[line.account], "currency": line.currency,
             "amount": line.amount, "jurisdiction": line.jurisdiction} for line in lines])
        now = utcnow()
        inserted = (await session.execute(
            insert_for(session, JournalEntry).values(
                id=entry_id, number=number, posted_at=posted_at or now, created_at=now,
                memo=memo, source_type=source_type, source_key=source_key,
                reverses_id=reverses_id, created_by=created_by, order_id=order_id)
            .on_conflict_do_nothing(index_elements=[JournalEntry.source_key])
            .returning(JournalEntry.id))).scalar_one_or_none()
        if inserted is None:
            await savepoint.rollback()
    if inserted is None:
        winner = await _existing(session, source_key)
        assert winner is not None, "the conflicting entry is committed before we see it"
        return winner
    return Posted(entry_id, number, created=True)


async def entry_legs(session: AsyncSession, entry_id: int) -> list[Leg]:
    rows = (await session.execute(
        select(LedgerAccount.code, JournalLine.amount, JournalLine.currency,
               JournalLine.jurisdiction)
        .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .where(JournalLine.entry_id == entry_id).order_by(JournalLine.id))).all()
    return [Leg(row.code, int(row.amount), row.currency, row.jurisdiction) for row in rows]


def reversal_key(entry_id: int) -> str:
    return f"reversal:{entry_id}"


async def reverse(session: AsyncSession, entry_id: int, *, memo: str = "",
                  created_by: int | None = None, posted_at: datetime | None = None) -> Posted:
    """Post the entry that cancels ``entry_id`` (same accounts, opposite signs). An entry is
    reversed at most once: a second attempt, even a concurrent one, is INVALID_STATE."""
    entry = (await session.execute(select(
        JournalEntry.id, JournalEntry.number, JournalEntry.order_id).where(
        JournalEntry.id == entry_id))).first()
    if entry is None:
        raise DomainError.one(ErrorCode.NOT_FOUND, "no such journal entry", ["id"])
    already = (await session.execute(select(JournalEntry.number).where(
        JournalEntry.reverses_id == entry_id))).scalar_one_or_none()
    if already is not None:
        raise DomainError.one(ErrorCode.INVALID_STATE,
                              f"journal entry {entry.number} is already reversed by "
                              f"entry {already}", ["id"])
    posted = await post(session, reversal_key(entry_id),
                        reversal(await entry_legs(session, entry_id)), source_type="REVERSAL",
                        memo=memo or f"Reversal of journal entry {entry.number}",
                        posted_at=posted_at, created_by=created_by, reverses_id=entry_id,
                        order_id=entry.order_id)
    if not posted.created:
        raise DomainError.one(ErrorCode.INVALID_STATE,
                              f"journal entry {entry.number} is already reversed", ["id"])
    return posted
