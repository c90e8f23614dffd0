"""Benchmark the checkout flow against the real server.

For each database (a SQLite file, and PostgreSQL with ``--postgres URL``: a throwaway
``commerce_bench`` database is created there and dropped afterwards) this seeds the demo
shop, gives 20 tracked variants ample stock, counts the SQL statements of each step of one
flow in-process, then starts ``python -m commerce serve`` (one worker) and runs closed-loop
clients (``bench/checkout_flow.py``, its own process) repeating

    cartCreate (2 lines, e-mail, address) -> cartShippingMethodUpdate -> checkoutComplete

at each concurrency for a fixed time. Prints completed checkouts/s, p50/p99 per step and
the server's CPU time per checkout.

    python bench/checkout.py [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]
                             [--duration 10] [--concurrency 1,8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from catalog import (
    BENCH_DATABASE,
    Server,
    _admin,
    _cpu_seconds,
    _machine,
    _postgres_version,
    _prepare,
)
from checkout_flow import ADDRESS, CART_CREATE, COMPLETE, SHIPPING, STEPS
from sqlalchemy import event, select, update
from sqlalchemy.engine import make_url

from commerce.app import create_app
from commerce.db.database import Database
from commerce.db.models import Product, ProductVariant, Stock
from commerce.settings import Settings
from commerce.shared.ids import encode_id

AMPLE = 1_000_000


async def _stock_up(url: str) -> list[str]:
    """Pick 20 tracked variants of active products and give them plenty of stock."""
    db = Database(url)
    try:
        async with db.transaction() as s:
            ids = list((await s.execute(
                select(ProductVariant.id).join(Product, Product.id == ProductVariant.product_id)
                .where(Product.status == "ACTIVE", ProductVariant.track_inventory.is_(True))
                .order_by(ProductVariant.id).limit(20))).scalars())
            await s.execute(update(Stock).where(Stock.variant_id.in_(ids))
                            .values(quantity=AMPLE, allocated=0))
    finally:
        await db.dispose()
    return [encode_id("ProductVariant", pk) for pk in ids]


async def _statements_per_step(url: str, variants: list[str]) -> dict[str, int]:
    """One flow through the ASGI app in-process, counting SQL statements per request."""
    db = Database(url)
    counts: list[int] = [0]

    def count(*_: Any) -> None:
        counts[0] += 1

    for engine in (db.read_engine.sync_engine, db.write_engine.sync_engine):
        event.listen(engine, "before_cursor_execute", count)
    app = create_app(Settings(database_url=url), db)
    result: dict[str, int] = {}
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://bench") as client:
            async def step(name: str, query: str, variables: dict[str, Any]) -> Any:
                counts[0] = 0
                body = (await client.post("/graphql", json={
                    "query": query, "variables": variables})).json()
                result[name] = counts[0]
                payload = body["data"][name]
                if payload["errors"]:
                    raise RuntimeError(f"{name}: {payload['errors']}")
                return payload

            cart = (await step("cartCreate", CART_CREATE, {"input": {
                "lines": [{"variantId": variants[0], "quantity": 1},
                          {"variantId": variants[1], "quantity": 1}],
                "email": "count@example.com", "shippingAddress": ADDRESS}}))["cart"]
            await step("cartShippingMethodUpdate", SHIPPING, {"input": {
                "cartId": cart["id"],
                "shippingMethodId": cart["availableShippingMethods"][0]["id"]}})
            await step("checkoutComplete", COMPLETE, {"input": {"cartId": cart["id"]}})
    finally:
        await db.dispose()
    return result


def bench_database(label: str, url: str, args: argparse.Namespace,
                   tmp: Path) -> list[dict[str, Any]]:
    started = time.perf_counter()
    asyncio.run(_prepare(url))
    variants = asyncio.run(_stock_up(url))
    print(f"\n## {label}: migrated and seeded in {time.perf_counter() - started:.1f} s")
    statements = asyncio.run(_statements_per_step(url, variants))
    print("SQL statements per step: " + ", ".join(f"{k} {v}" for k, v in statements.items()))
    variants_file = tmp / "variants.json"
    variants_file.write_text(json.dumps(variants))
    server = Server(url, tmp / f"server-{label.split()[0].lower()}.log")
    rows = []
    try:
        server.wait_ready()
        graphql = f"{server.url}/graphql"
        print(f"{'clients':>7} {'checkouts':>9} {'per s':>7} {'failed':>6} "
              + " ".join(f"{s[:14]:>14} p50/p99" for s in STEPS) + f" {'CPU ms/checkout':>15}")
        for concurrency in args.concurrency:
            cpu_before = _cpu_seconds(server.process.pid)
            completed = subprocess.run(
                [sys.executable, str(Path(__file__).with_name("checkout_flow.py")), graphql,
                 str(variants_file), str(concurrency), str(args.duration)],
                capture_output=True, text=True, timeout=args.duration + 120, check=True)
            cpu = _cpu_seconds(server.process.pid) - cpu_before
            raw = json.loads(completed.stdout)
            rate = raw["completed"] / raw["duration_s"]
            per = cpu * 1000 / raw["completed"] if raw["completed"] else float("nan")
            steps = " ".join(
                f"{raw['steps'][s]['p50_ms']:>9.1f}/{raw['steps'][s]['p99_ms']:<11.1f}"
                for s in STEPS)
            print(f"{concurrency:>7} {raw['completed']:>9} {rate:>7.1f} {raw['failed']:>6} "
                  f"{steps} {per:>15.1f}", flush=True)
            for failure in raw["failures"]:
                print(f"  failure: {failure}")
            rows.append({"label": label, "concurrency": concurrency, "rate": rate,
                         "cpu_ms": per, "raw": raw})
    finally:
        server.stop()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", metavar="URL")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--concurrency", default="1,8",
                        type=lambda s: [int(c) for c in s.split(",")])
    args = parser.parse_args()
    print("# commerce checkout benchmark: cartCreate -> cartShippingMethodUpdate -> "
          "checkoutComplete")
    print(f"machine: {_machine()}")
    with tempfile.TemporaryDirectory(prefix="commerce-bench-") as tmp_name:
        tmp = Path(tmp_name)
        if not args.no_sqlite:
            bench_database("SQLite", f"sqlite+aiosqlite:///{tmp / 'bench.db'}", args, tmp)
        if args.postgres:
            url = make_url(args.postgres).set(database=BENCH_DATABASE).render_as_string(
                hide_password=False)
            asyncio.run(_admin(args.postgres,
                               f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)'))
            asyncio.run(_admin(args.postgres, f'CREATE DATABASE "{BENCH_DATABASE}"'))
            try:
                label = f"PostgreSQL {asyncio.run(_postgres_version(url))}"
                bench_database(label, url, args, tmp)
            finally:
                asyncio.run(_admin(args.postgres,
                                   f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)'))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
