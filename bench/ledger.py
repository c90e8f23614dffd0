"""Benchmark the ledger: statements over many journal lines, and the cost of one posting.

For each database (a SQLite file in a temporary directory, and PostgreSQL with
``--postgres URL``: a throwaway ``commerce_bench_ledger`` database, dropped afterwards) this
migrates a fresh database, then:

1. Writes ``--entries`` journal entries of four lines each (100,000 lines by default) in
   batches, lines before their entry as ``commerce.accounting.ledger`` does, so every
   database guard runs (the entry-insert balance trigger, the immutability and
   line-on-posted-entry triggers, PostgreSQL's deferred balance trigger at each commit).
   Entries spread over two years, in USD and EUR, over the seeded chart and 40 tax
   jurisdictions.
2. Times the trial balance (everything, and as of the midpoint) and the first journal page
   (median of ``--repeat`` runs each): aggregates in SQL, so they must stay well under a
   second.
3. Times ``ledger.post`` of ``--posts`` two-line entries, one transaction each (what a
   business fact will add to its own transaction), and prints the mean per posting.

    python bench/ledger.py [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]
                           [--entries 25000] [--repeat 5] [--posts 300]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from commerce.accounting import ledger, queries
from commerce.accounting.chart import SYSTEM_ACCOUNTS, tax_payable_code
from commerce.accounting.postings import Leg
from commerce.db.database import Database
from commerce.db.migrate import upgrade
from commerce.db.models import Counter, JournalEntry, JournalLine

BENCH_DATABASE = "commerce_bench_ledger"
BATCH = 1000
START = datetime(2025, 1, 1, tzinfo=UTC)


async def _admin(server_url: str, statement: str) -> None:
    url = make_url(server_url).set(database="postgres")
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def _fill(db: Database, entries: int) -> float:
    rng = random.Random(9)
    async with db.transaction() as s:
        await ledger.ensure_chart(s)
        codes = [a.code for a in SYSTEM_ACCOUNTS]
        ids = await ledger.account_ids(s, codes + [tax_payable_code(f"US-{i:02d}")
                                                   for i in range(40)])
    account_ids = list(ids.values())
    began = time.perf_counter()
    for start in range(1, entries + 1, BATCH):
        lines, rows = [], []
        for entry_id in range(start, min(start + BATCH, entries + 1)):
            currency = "USD" if entry_id % 3 else "EUR"
            a, b = rng.randrange(1, 10**6), rng.randrange(1, 10**6)
            for account, amount in zip(rng.sample(account_ids, 4), (a, b, -a, -b),
                                       strict=True):
                lines.append({"entry_id": entry_id, "account_id": account,
                              "currency": currency, "amount": amount})
            at = START + timedelta(minutes=entry_id * 2 * 365 * 24 * 60 // entries)
            rows.append({"id": entry_id, "number": entry_id, "posted_at": at,
                         "created_at": at, "memo": "bench", "source_type": "BENCH",
                         "source_key": f"bench:{entry_id}", "reverses_id": None,
                         "created_by": None})
        async with db.transaction() as s:
            await s.execute(insert(JournalLine), lines)
            await s.execute(insert(JournalEntry), rows)
    async with db.transaction() as s:
        await s.execute(insert(Counter).values(name=ledger.ENTRY_COUNTER, value=entries))
        if db.dialect == "postgresql":
            await s.execute(text("SELECT setval(pg_get_serial_sequence('journal_entries', "
                                 "'id'), :n)"), {"n": entries})
            await s.execute(text("ANALYZE"))
    return time.perf_counter() - began


async def _median(repeat: int, run: object) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        await run()  # type: ignore[operator]
        times.append(time.perf_counter() - began)
    return statistics.median(times)


async def bench(url: str, args: argparse.Namespace) -> None:
    await upgrade(url)
    db = Database(url)
    try:
        fill = await _fill(db, args.entries)
        midpoint = START + timedelta(days=365)

        async def whole() -> None:
            reader = db.reader()
            rows = await queries.trial_balance_rows(reader, None)
            await reader.close()
            totals: dict[str, int] = {}
            for row in rows:
                totals[row.currency] = totals.get(row.currency, 0) + row.balance
            assert set(totals.values()) == {0}, totals

        async def as_of() -> None:
            reader = db.reader()
            await queries.trial_balance_rows(reader, midpoint)
            await reader.close()

        async def page() -> None:
            reader = db.reader()
            found = await queries.journal_entries(reader, source_type=None, posted_from=None,
                                                  posted_to=None, first=100, after=None)
            await queries.lines_by_entry_ids(reader, [r.id for r in found.items])
            await reader.close()

        results = {"trial balance (all)": await _median(args.repeat, whole),
                   "trial balance (as of midpoint)": await _median(args.repeat, as_of),
                   "journal page of 100 + lines": await _median(args.repeat, page)}
        legs = [Leg("5900", 100, "USD"), Leg("1000", -100, "USD")]
        began = time.perf_counter()
        for i in range(args.posts):
            async with db.transaction() as s:
                await ledger.post(s, f"bench-post:{i}", legs, source_type="BENCH")
        per_post = (time.perf_counter() - began) / args.posts
    finally:
        await db.dispose()
    print(f"{db.dialect}: {args.entries} entries, {args.entries * 4} lines written in "
          f"{fill:.1f} s")
    for name, seconds in results.items():
        print(f"  {name}: {seconds * 1000:.1f} ms (median of {args.repeat})")
    print(f"  ledger.post, two lines, own transaction: {per_post * 1000:.2f} ms per entry")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", help="PostgreSQL server URL (asyncpg)")
    parser.add_argument("--entries", type=int, default=25_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--posts", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(bench(f"sqlite+aiosqlite:///{Path(tmp) / 'ledger.db'}", args))
    if args.postgres:
        asyncio.run(_admin(args.postgres, f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" '
                                          "WITH (FORCE)"))
        asyncio.run(_admin(args.postgres, f'CREATE DATABASE "{BENCH_DATABASE}"'))
        try:
            url = make_url(args.postgres).set(database=BENCH_DATABASE)
            asyncio.run(bench(url.render_as_string(hide_password=False), args))
        finally:
            asyncio.run(_admin(args.postgres, f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" '
                                              "WITH (FORCE)"))


if __name__ == "__main__":
    main()
