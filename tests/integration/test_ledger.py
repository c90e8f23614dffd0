"""The journal on a real database: the service posts balanced entries once per fact, and the
database itself refuses unbalanced, edited or deleted entries (raw SQL, bypassing the
service)."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from commerce.accounting import ledger
from commerce.accounting import postings as p
from commerce.accounting.chart import SYSTEM_ACCOUNTS, Code
from commerce.accounting.postings import Leg, TaxAmount, UnbalancedError
from commerce.accounting.queries import trial_balance
from commerce.db.database import Database
from commerce.db.models import JournalEntry, JournalLine, LedgerAccount
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError


@pytest.fixture
async def books(db: Database) -> Database:
    """The emptied test database with the chart of accounts back in it."""
    async with db.transaction() as s:
        await ledger.ensure_chart(s)
    return db


SALE = p.payment_captured(p.PaymentCaptured(5000, "USD", p.CashAccount.STRIPE_CLEARING))


async def _post(db: Database, key: str, lines: tuple[Leg, ...] | list[Leg] = SALE,
                **kw: object) -> ledger.Posted:
    async with db.transaction() as s:
        return await ledger.post(s, key, lines, source_type="TEST", **kw)  # type: ignore[arg-type]


async def _count(db: Database) -> tuple[int, int]:
    async with db.transaction() as s:
        entries = (await s.execute(select(func.count()).select_from(JournalEntry))).scalar_one()
        lines = (await s.execute(select(func.count()).select_from(JournalLine))).scalar_one()
    return int(entries), int(lines)


async def _account_id(db: Database, code: str) -> int:
    async with db.transaction() as s:
        return int((await s.execute(select(LedgerAccount.id).where(
            LedgerAccount.code == code))).scalar_one())


async def test_post_writes_one_balanced_entry_with_gap_free_numbers(books: Database) -> None:
    first = await _post(books, "payment-capture:1")
    second = await _post(books, "payment-capture:2", memo="second")
    assert (first.number, second.number) == (1, 2) and first.created and second.created
    async with books.transaction() as s:
        assert await ledger.entry_legs(s, first.entry_id) == list(SALE)
        rows = await trial_balance(s)
    assert {(r.code, r.currency): r.balance for r in rows} == {
        (Code.STRIPE_CLEARING, "USD"): 10000, (Code.CUSTOMER_DEPOSITS, "USD"): -10000}


async def test_the_same_source_key_posts_once_and_returns_the_entry(books: Database) -> None:
    first = await _post(books, "payment-capture:7")
    again = await _post(books, "payment-capture:7")
    assert again == ledger.Posted(first.entry_id, first.number, created=False)
    assert await _count(books) == (1, 2)
    # The next entry still gets the next number: the replay consumed none.
    assert (await _post(books, "payment-capture:8")).number == 2


async def test_two_transactions_posting_the_same_key_at_once_post_it_once(
        books: Database) -> None:
    first_posted = asyncio.Event()

    async def first() -> ledger.Posted:
        async with books.transaction() as s:
            posted = await ledger.post(s, "shipment:1", SALE, source_type="TEST")
            first_posted.set()
            # Still uncommitted while the other transaction posts the same key.
            await asyncio.sleep(0.3)
            return posted

    async def second() -> ledger.Posted:
        await first_posted.wait()
        async with books.transaction() as s:
            return await ledger.post(s, "shipment:1", SALE, source_type="TEST")

    a, b = await asyncio.gather(first(), second())
    assert a.created and not b.created and b.entry_id == a.entry_id
    assert await _count(books) == (1, 2)
    assert (await _post(books, "shipment:2")).number == 2


async def test_unbalanced_lines_are_refused_in_code_before_the_database(
        books: Database) -> None:
    with pytest.raises(UnbalancedError):
        await _post(books, "bad", [Leg(Code.BANK, 100, "USD"), Leg(Code.SALES, -99, "USD")])
    with pytest.raises(UnbalancedError):
        await _post(books, "bad", [Leg(Code.BANK, 100, "USD"), Leg(Code.SALES, -100, "EUR")])
    assert await _count(books) == (0, 0)


async def test_sales_tax_accounts_are_created_per_jurisdiction_on_first_posting(
        books: Database) -> None:
    shipped = p.goods_shipped(p.GoodsShipped("USD", goods=1000, taxes=(
        TaxAmount("US-CA", 73), TaxAmount("US-NY", 40))))
    await _post(books, "shipment:9", shipped)
    await _post(books, "shipment:10", shipped)
    async with books.transaction() as s:
        rows = (await s.execute(select(LedgerAccount.code, LedgerAccount.type,
                                       LedgerAccount.jurisdiction).where(
            LedgerAccount.jurisdiction.is_not(None)).order_by(LedgerAccount.code))).all()
    assert [tuple(r) for r in rows] == [("2200-US-CA", "LIABILITY", "US-CA"),
                                        ("2200-US-NY", "LIABILITY", "US-NY")]


async def test_an_unknown_account_code_is_not_found(books: Database) -> None:
    with pytest.raises(DomainError) as caught:
        await _post(books, "x", [Leg("9999", 1, "USD"), Leg(Code.BANK, -1, "USD")])
    assert caught.value.problems[0].code == ErrorCode.NOT_FOUND


async def test_reverse_posts_the_opposite_entry_once(books: Database) -> None:
    original = await _post(books, "shipment:3", p.goods_shipped(p.GoodsShipped(
        "USD", goods=2000, discount=200, shipping=300, taxes=(TaxAmount("DE", 400),),
        cost=900)))
    async with books.transaction() as s:
        reversed_ = await ledger.reverse(s, original.entry_id, memo="wrong order")
        legs = await ledger.entry_legs(s, reversed_.entry_id)
        assert legs == list(p.reversal(await ledger.entry_legs(s, original.entry_id)))
        assert all(r.balance == 0 for r in await trial_balance(s))
        entry = await s.get(JournalEntry, reversed_.entry_id)
        assert entry is not None and entry.reverses_id == original.entry_id
    with pytest.raises(DomainError) as caught:
        async with books.transaction() as s:
            await ledger.reverse(s, original.entry_id)
    assert caught.value.problems[0].code == ErrorCode.INVALID_STATE
    assert "already reversed by entry 2" in caught.value.problems[0].message
    with pytest.raises(DomainError) as missing:
        async with books.transaction() as s:
            await ledger.reverse(s, 999)
    assert missing.value.problems[0].code == ErrorCode.NOT_FOUND


async def test_the_database_allows_one_reversal_per_entry(books: Database) -> None:
    original = await _post(books, "expense:1")
    async with books.transaction() as s:
        await ledger.reverse(s, original.entry_id)
    # Past the service's check: another entry claiming to reverse the same one.
    with pytest.raises(DBAPIError):
        await _post(books, "manual:1", list(p.reversal(SALE)), reverses_id=original.entry_id)


# --- the database's own guards, with raw SQL --------------------------------------------

async def _raw_entry(conn: object, entry_id: int, key: str) -> None:
    await conn.execute(text(  # type: ignore[attr-defined]
        "INSERT INTO journal_entries (id, number, posted_at, created_at, memo, source_type,"
        " source_key) VALUES (:id, :id, :now, :now, '', 'RAW', :key)"),
        {"id": entry_id, "key": key, "now": datetime(2026, 1, 1, tzinfo=UTC)
         .replace(tzinfo=None)})


async def _raw_lines(conn: object, entry_id: int, lines: list[tuple[int, str, int]]) -> None:
    for account_id, currency, amount in lines:
        await conn.execute(text(  # type: ignore[attr-defined]
            "INSERT INTO journal_lines (entry_id, account_id, currency, amount)"
            " VALUES (:e, :a, :c, :m)"), {"e": entry_id, "a": account_id, "c": currency,
                                          "m": amount})


@pytest.mark.parametrize("amounts", [
    [("USD", 100), ("USD", -99)],  # off by one
    [("USD", 100), ("EUR", -100)],  # zero overall, not per currency
])
async def test_the_database_refuses_an_unbalanced_entry(
        books: Database, amounts: list[tuple[str, int]]) -> None:
    bank, sales = await _account_id(books, Code.BANK), await _account_id(books, Code.SALES)
    with pytest.raises(DBAPIError, match="balance"):
        async with books.write_engine.begin() as conn:
            await _raw_lines(conn, 50, [(bank, amounts[0][0], amounts[0][1]),
                                        (sales, amounts[1][0], amounts[1][1])])
            await _raw_entry(conn, 50, "raw:unbalanced")
    assert await _count(books) == (0, 0)


async def test_the_database_refuses_a_zero_line_and_an_unknown_account_type(
        books: Database) -> None:
    bank, sales = await _account_id(books, Code.BANK), await _account_id(books, Code.SALES)
    with pytest.raises(DBAPIError, match="amount_not_zero"):
        async with books.write_engine.begin() as conn:
            await _raw_lines(conn, 54, [(bank, "USD", 100), (sales, "USD", -100),
                                        (sales, "USD", 0)])
    with pytest.raises(DBAPIError, match="ck_ledger_accounts_type"):
        async with books.write_engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO ledger_accounts (code, name, type, is_system, created_at)"
                " VALUES ('7000', 'Odd', 'INCOME', false, '2026-01-01')"))
    assert await _count(books) == (0, 0)


async def test_the_database_refuses_an_entry_without_lines(books: Database) -> None:
    with pytest.raises(DBAPIError, match="no lines"):
        async with books.write_engine.begin() as conn:
            await _raw_entry(conn, 51, "raw:empty")
    assert await _count(books) == (0, 0)


async def test_the_database_refuses_lines_whose_entry_never_comes(books: Database) -> None:
    bank, sales = await _account_id(books, Code.BANK), await _account_id(books, Code.SALES)
    # Balanced, so only the deferred foreign key (checked at commit) can refuse them.
    with pytest.raises(DBAPIError):
        async with books.write_engine.begin() as conn:
            await _raw_lines(conn, 52, [(bank, "USD", 100), (sales, "USD", -100)])
    assert await _count(books) == (0, 0)


async def test_the_database_refuses_a_line_added_to_a_posted_entry(books: Database) -> None:
    posted = await _post(books, "payment-capture:3")
    bank, sales = await _account_id(books, Code.BANK), await _account_id(books, Code.SALES)
    # Even a pair that keeps the entry balanced: a posted entry never changes.
    with pytest.raises(DBAPIError, match="already posted"):
        async with books.write_engine.begin() as conn:
            await _raw_lines(conn, posted.entry_id, [(bank, "USD", 5), (sales, "USD", -5)])
    assert await _count(books) == (1, 2)


@pytest.mark.parametrize("statement", [
    "UPDATE journal_lines SET amount = amount * 2",
    "UPDATE journal_lines SET account_id = account_id",
    "DELETE FROM journal_lines",
    "UPDATE journal_entries SET memo = 'edited'",
    "UPDATE journal_entries SET posted_at = created_at",
])
async def test_the_database_refuses_to_edit_a_posted_entry(
        books: Database, statement: str) -> None:
    await _post(books, "payment-capture:4")
    with pytest.raises(DBAPIError, match="immutable"):
        async with books.write_engine.begin() as conn:
            await conn.execute(text(statement))
    async with books.transaction() as s:
        assert [(r.code, r.balance) for r in await trial_balance(s)] == [
            (Code.STRIPE_CLEARING, 5000), (Code.CUSTOMER_DEPOSITS, -5000)]
        assert (await s.execute(select(JournalEntry.memo))).scalar_one() == ""


async def test_the_database_refuses_to_delete_a_posted_entry(books: Database) -> None:
    await _post(books, "payment-capture:5")
    # Lines first would fail on their own trigger; the entry's trigger must hold by itself
    # (SQLite checks the lines' foreign key to it only at commit).
    with pytest.raises(DBAPIError, match="immutable"):
        async with books.write_engine.begin() as conn:
            await conn.execute(text("DELETE FROM journal_entries"))
    assert await _count(books) == (1, 2)


async def test_postgres_rechecks_every_line_at_commit_in_a_deferred_trigger(
        books: Database) -> None:
    """With the entry-insert check switched off (inside this transaction only), the deferred
    constraint trigger on the lines still refuses the unbalanced entry."""
    if books.dialect != "postgresql":
        pytest.skip("SQLite cannot defer a trigger; its guard is the entry-insert check")
    bank, sales = await _account_id(books, Code.BANK), await _account_id(books, Code.SALES)
    with pytest.raises(DBAPIError, match="balance"):
        async with books.write_engine.begin() as conn:
            await conn.execute(text(
                "ALTER TABLE journal_entries DISABLE TRIGGER journal_entries_balanced"))
            await _raw_lines(conn, 53, [(bank, "USD", 100), (sales, "USD", -1)])
            await _raw_entry(conn, 53, "raw:deferred")
            # What COMMIT would do, without risking a commit of the disabled trigger.
            await conn.execute(text("SET CONSTRAINTS journal_lines_balanced IMMEDIATE"))
    assert await _count(books) == (0, 0)


# --- a property: random balanced postings keep the trial balance at zero ---------------

CODES = [a.code for a in SYSTEM_ACCOUNTS]


@st.composite
def balanced_lines(draw: st.DrawFn) -> list[Leg]:
    lines: list[Leg] = []
    for currency in draw(st.lists(st.sampled_from(["USD", "EUR", "JPY"]), min_size=1,
                                  max_size=2, unique=True)):
        debits = draw(st.lists(st.integers(1, 10**12), min_size=1, max_size=3))
        accounts = draw(st.lists(st.sampled_from(CODES), min_size=len(debits) + 1,
                                 max_size=len(debits) + 1))
        lines += [Leg(accounts[i], amount, currency) for i, amount in enumerate(debits)]
        lines.append(Leg(accounts[-1], -sum(debits), currency))
    return lines


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(balanced_lines(), min_size=1, max_size=6))
async def test_random_balanced_postings_keep_the_trial_balance_at_zero_per_currency(
        database: Database, entries: list[list[Leg]]) -> None:
    async with database.transaction() as s:
        await ledger.ensure_chart(s)
        before = {(r.code, r.currency): r.balance for r in await trial_balance(s)}
    expected: dict[tuple[str, str], int] = defaultdict(int, before)
    for lines in entries:
        async with database.transaction() as s:
            await ledger.post(s, f"prop:{uuid.uuid4()}", lines, source_type="TEST")
        for line in lines:
            expected[line.account, line.currency] += line.amount
    async with database.transaction() as s:
        rows = await trial_balance(s)
    per_currency: dict[str, int] = defaultdict(int)
    for row in rows:
        per_currency[row.currency] += row.balance
    assert set(per_currency.values()) <= {0}
    # Every account's balance is what was posted to it (accounts netting to zero included).
    assert {(r.code, r.currency): r.balance for r in rows if r.balance} == {
        k: v for k, v in expected.items() if v}
