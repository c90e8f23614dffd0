"""The books: ledger accounts, journal entries and their lines.

A line's ``amount`` is signed minor units: a debit is positive, a credit negative, so an
entry balances when its lines sum to zero per currency. Entries and lines are immutable
(database triggers refuse UPDATE and DELETE; see migration 0010 and
``commerce.accounting.ledger``); a correction is a reversing entry.

Lines are written before their entry (the foreign key to the entry is deferred to commit):
the entry's INSERT is the moment its lines are checked, on both databases.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from commerce.db.base import Base, UTCDateTime
from commerce.shared.clock import utcnow

ACCOUNT_TYPES = ("'ASSET', 'LIABILITY', 'EQUITY', 'REVENUE', 'CONTRA_REVENUE', 'EXPENSE'")


class LedgerAccount(Base):
    """An account of the chart: the seeded system ones, per-jurisdiction sales-tax accounts
    created on their first posting, and any staff add."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (CheckConstraint(f"type IN ({ACCOUNT_TYPES})", name="type"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16))
    # For sales tax payable: the jurisdiction ("US-CA", "DE") whose tax it holds.
    jurisdiction: Mapped[str | None] = mapped_column(String(16))
    is_system: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class JournalEntry(Base):
    """One posted business fact (or manual entry, or reversal): immutable once inserted."""

    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Gap-free 1, 2, 3... in posting order (the accountant's "Journal No.").
    number: Mapped[int] = mapped_column(Integer, unique=True)
    # The accounting date the entry belongs to (statements filter on it).
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    memo: Mapped[str] = mapped_column(Text, default="")
    source_type: Mapped[str] = mapped_column(String(32), index=True)
    # One entry per source fact ("payment-capture:17", "manual:<client key>"): a replayed
    # fact finds its entry instead of posting twice.
    source_key: Mapped[str] = mapped_column(String(200), unique=True)
    # The entry this one cancels; unique, so an entry is reversed at most once.
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_entries.id", ondelete="RESTRICT"), unique=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # The order the fact is about (None for expenses, payouts, manual entries...). No foreign
    # key: SQLite cannot add one to an existing table without a copy that would drop the
    # journal's triggers, and orders are never deleted.
    order_id: Mapped[int | None] = mapped_column(Integer, index=True)


class JournalLine(Base):
    """One debit (amount > 0) or credit (amount < 0) of an entry, in one currency."""

    __tablename__ = "journal_lines"
    __table_args__ = (CheckConstraint("amount <> 0", name="amount_not_zero"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Deferred: lines are inserted before their entry (see the module docstring).
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("journal_entries.id", ondelete="RESTRICT", deferrable=True,
                   initially="DEFERRED"), index=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_accounts.id", ondelete="RESTRICT"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    # Where a revenue line was taxed ("US-CA", "DE"), for the tax report; None elsewhere.
    jurisdiction: Mapped[str | None] = mapped_column(String(16))
