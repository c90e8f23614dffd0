"""Staff use cases on the books, each one transaction: manual entries, reversals, expenses
and new accounts. Business facts from other contexts post through ``ledger.post`` inside
their own transaction instead."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from commerce.accounting import chart, ledger
from commerce.accounting.postings import (
    Expense,
    ExpenseCategory,
    Leg,
    UnbalancedError,
    check_balanced,
    expense,
)
from commerce.db.database import Database
from commerce.db.integrity import unique_violations
from commerce.db.models import LedgerAccount
from commerce.shared.clock import utcnow
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, Problems

MAX_MEMO = 1000
MAX_LINES = 100


@dataclass(frozen=True, slots=True)
class ManualLine:
    """A line as staff type it: an account code, a debit or a credit (minor units, exactly
    one of them non-zero) and a currency."""

    account_code: str
    debit: int
    credit: int
    currency: str


def _memo(memo: str, problems: Problems, field: str = "memo") -> str:
    cleaned = memo.strip()
    if len(cleaned) > MAX_MEMO:
        problems.add(ErrorCode.INVALID, f"at most {MAX_MEMO} characters", [field])
    return cleaned


def manual_legs(lines: Sequence[ManualLine], problems: Problems) -> list[Leg]:
    """Staff lines -> signed legs, each problem naming its line."""
    if not 2 <= len(lines) <= MAX_LINES:
        problems.add(ErrorCode.INVALID, f"an entry has 2 to {MAX_LINES} lines", ["lines"])
    legs: list[Leg] = []
    for i, line in enumerate(lines):
        path = ["lines", str(i)]
        if (line.debit == 0) == (line.credit == 0) or line.debit < 0 or line.credit < 0:
            problems.add(ErrorCode.INVALID, "give either a debit or a credit, above zero",
                         [*path, "debit"])
            continue
        legs.append(Leg(line.account_code.strip(), line.debit - line.credit, line.currency))
    if not problems:
        try:
            check_balanced(legs)
        except UnbalancedError as exc:
            problems.add(ErrorCode.INVALID, str(exc), ["lines"])
    return legs


def _key(kind: str, key: str | None, problems: Problems) -> str | None:
    """The source key of a staff entry: the client's idempotency key when given (a retry
    finds the first entry); otherwise None and the caller makes a unique one."""
    if key is None:
        return None
    key = key.strip()
    if not 1 <= len(key) <= 100:
        problems.add(ErrorCode.INVALID, "1 to 100 characters", ["idempotencyKey"])
    return f"{kind}:{key}"


async def create_manual_entry(db: Database, lines: Sequence[ManualLine], *, memo: str,
                              posted_at: datetime | None, idempotency_key: str | None,
                              actor_id: int | None) -> int:
    """A balanced entry typed by staff. With an idempotency key, sending it again returns
    the first entry; without one each call posts a new entry."""
    problems = Problems()
    memo = _memo(memo, problems)
    legs = manual_legs(lines, problems)
    source_key = _key("manual", idempotency_key, problems) or f"manual:{uuid.uuid4()}"
    problems.raise_if_any()
    async with db.transaction() as session:
        posted = await ledger.post(session, source_key, legs, source_type="MANUAL",
                                   memo=memo, posted_at=posted_at, created_by=actor_id)
    return posted.entry_id


async def reverse_entry(db: Database, entry_id: int, *, memo: str, posted_at: datetime | None,
                        actor_id: int | None) -> int:
    problems = Problems()
    memo = _memo(memo, problems)
    problems.raise_if_any()
    async with db.transaction() as session:
        posted = await ledger.reverse(session, entry_id, memo=memo, posted_at=posted_at,
                                      created_by=actor_id)
    return posted.entry_id


async def record_expense(db: Database, category: ExpenseCategory, amount: int, currency: str,
                         *, spent_at: datetime | None, vendor: str, note: str, paid: bool,
                         idempotency_key: str | None, actor_id: int | None) -> int:
    """An expense of the shop: debits its category's account, credits the bank (paid) or
    accounts payable (owed to the vendor)."""
    problems = Problems()
    if amount <= 0:
        problems.add(ErrorCode.INVALID, "must be above zero", ["amount"])
    vendor = vendor.strip()
    if len(vendor) > 200:
        problems.add(ErrorCode.INVALID, "at most 200 characters", ["vendor"])
    note = _memo(note, problems, "note")
    source_key = _key("expense", idempotency_key, problems) or f"expense:{uuid.uuid4()}"
    problems.raise_if_any()
    memo = " — ".join(part for part in (vendor, note) if part) or "Expense"
    lines = expense(Expense(currency, amount, category, paid))
    async with db.transaction() as session:
        posted = await ledger.post(session, source_key, lines, source_type="EXPENSE",
                                   memo=memo, posted_at=spent_at, created_by=actor_id)
    return posted.entry_id


async def create_account(db: Database, code: str, name: str, type_: chart.AccountType) -> int:
    """A staff-made account (not a system one). Codes are unique; a code in the
    per-jurisdiction sales-tax form is reserved for those accounts."""
    problems = Problems()
    code, name = code.strip(), name.strip()
    if not 1 <= len(code) <= 32 or not all(c.isalnum() or c in "-." for c in code):
        problems.add(ErrorCode.INVALID, "1 to 32 letters, digits, '-' or '.'", ["code"])
    elif chart.tax_jurisdiction(code) is not None:
        problems.add(ErrorCode.INVALID, "codes 2200-<jurisdiction> are kept for sales tax "
                                        "accounts, created on their first posting", ["code"])
    if not 1 <= len(name) <= 200:
        problems.add(ErrorCode.INVALID, "1 to 200 characters", ["name"])
    problems.raise_if_any()
    with unique_violations("another account has this code", ["code"]):
        async with db.transaction() as session:
            taken = (await session.execute(select(LedgerAccount.id).where(
                LedgerAccount.code == code))).first()
            if taken is not None:
                raise DomainError.one(ErrorCode.DUPLICATE, "another account has this code",
                                      ["code"])
            return int((await session.execute(insert(LedgerAccount).values(
                code=code, name=name, type=type_.value, jurisdiction=None, is_system=False,
                created_at=utcnow()).returning(LedgerAccount.id))).scalar_one())
