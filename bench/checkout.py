"""Benchmark the checkout flow against the real server.

For each database (a SQLite file, and PostgreSQL with ``--postgres URL``: a throwaway
``commerce_bench`` database is created there and dropped afterwards) this seeds the demo
shop, gives 20 tracked variants ample stock, counts the SQL statements of each step of one
flow in-process, then starts ``python -m commerce serve`` (one worker) and runs closed-loop
clients (``bench/checkout_flow.py``, its own process) repeating

    cartCreate (2 lines, e-mail, address) -> cartShippingMethodUpdate -> checkoutComplete

at each concurrency for a fixed time. Prints completed checkouts/s, p50/p99 per step and
the server's CPU time per checkout.

Then the card flow, against the offline fake Stripe server of the test suite
(``tests/fakes/stripe_server.py``, started in this process; the served app gets
``COMMERCE_STRIPE_*`` with ``COMMERCE_STRIPE_API_BASE`` at the fake): statements per step
counted in-process, then a second server with Stripe on, whose clients run

    cartCreate -> cartShippingMethodUpdate -> checkoutPaymentCreate
    -> (the fake confirms the intent with a test card, as Stripe.js would) -> checkoutComplete

All bench traffic comes from 127.0.0.1 and a handful of e-mail addresses, so fraud
screening's velocity rules fire: orders are held MEDIUM (they still complete), and with the
card flow the card's fingerprint adds enough to reach HIGH (canceled, ORDER_NOT_ACCEPTED).
The card server therefore runs with ``COMMERCE_RISK_HIGH_SCORE=100`` so the flow measures
checkout rather than cancelation; the manual server keeps every default. Each database's
run ends with how many orders were screened LOW, MEDIUM and HIGH.

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
from collections.abc import Iterator
from contextlib import contextmanager
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
from checkout_flow import (
    ADDRESS,
    CARD_STEPS,
    CART_CREATE,
    COMPLETE,
    FAKE_STRIPE_KEY,
    PAYMENT_CREATE,
    SHIPPING,
    STEPS,
)
from sqlalchemy import event, func, select, update
from sqlalchemy.engine import make_url

from commerce.app import create_app
from commerce.db.database import Database
from commerce.db.models import Order, OrderRisk, Product, ProductVariant, Stock
from commerce.settings import Settings
from commerce.shared.ids import encode_id

# The offline fake Stripe of the test suite (the repository root holds ``tests``).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.fakes.stripe_server import FakeStripe

AMPLE = 1_000_000
# Velocity from one address reaches HIGH with a card; see the module's docstring.
CARD_RISK_HIGH_SCORE = 100


def stripe_env(fake: FakeStripe) -> dict[str, str]:
    return {"COMMERCE_STRIPE_SECRET_KEY": FAKE_STRIPE_KEY,
            "COMMERCE_STRIPE_PUBLISHABLE_KEY": "pk_test_fake",
            "COMMERCE_STRIPE_WEBHOOK_SECRET": "whsec_bench",
            "COMMERCE_STRIPE_API_BASE": fake.url,
            "COMMERCE_RISK_HIGH_SCORE": str(CARD_RISK_HIGH_SCORE)}


def stripe_settings(url: str, fake: FakeStripe) -> Settings:
    return Settings(database_url=url, stripe_secret_key=FAKE_STRIPE_KEY,
                    stripe_publishable_key="pk_test_fake", stripe_webhook_secret="whsec_bench",
                    stripe_api_base=fake.url, risk_high_score=CARD_RISK_HIGH_SCORE)


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


async def _statements_per_step(url: str, variants: list[str],
                               fake: FakeStripe | None = None) -> dict[str, int]:
    """One flow through the ASGI app in-process, counting SQL statements per request; with
    ``fake``, the card flow (the fake confirms the intent between the two card steps)."""
    db = Database(url)
    counts: list[int] = [0]

    def count(*_: Any) -> None:
        counts[0] += 1

    for engine in (db.read_engine.sync_engine, db.write_engine.sync_engine):
        event.listen(engine, "before_cursor_execute", count)
    settings = Settings(database_url=url) if fake is None else stripe_settings(url, fake)
    app = create_app(settings, db)
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
            if fake is not None:
                started = await step("checkoutPaymentCreate", PAYMENT_CREATE,
                                     {"input": {"cartId": cart["id"]}})
                fake.pay(started["payment"]["clientSecret"].split("_secret_")[0])
            await step("checkoutComplete", COMPLETE, {"input": {"cartId": cart["id"]}})
    finally:
        await db.dispose()
    return result


async def _screened(url: str) -> dict[str, dict[str, int]]:
    """Orders placed by the bench (the seeded ones excluded), by payment method: how many
    fraud screening left LOW, held MEDIUM or canceled HIGH."""
    db = Database(url)
    try:
        async with db.transaction() as s:
            rows = (await s.execute(
                select(Order.payment_method, OrderRisk.level, func.count())
                .join(OrderRisk, OrderRisk.order_id == Order.id)
                .where(Order.email.like("%@example.com"), Order.email.like("bench%")
                       | (Order.email == "count@example.com"))
                .group_by(Order.payment_method, OrderRisk.level))).all()
    finally:
        await db.dispose()
    found: dict[str, dict[str, int]] = {}
    for method, level, n in rows:
        found.setdefault(method, {})[level] = n
    return found


@contextmanager
def _serving(url: str, log: Path, env: dict[str, str] | None = None) -> Iterator[Server]:
    server = Server(url, log, env)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def _load(server: Server, args: argparse.Namespace, tmp: Path, variants_file: Path,
          steps: tuple[str, ...], label: str, flow: str,
          stripe_url: str | None = None) -> list[dict[str, Any]]:
    graphql = f"{server.url}/graphql"
    print(f"{'clients':>7} {'checkouts':>9} {'per s':>7} {'failed':>6} "
          + " ".join(f"{s[:14]:>14} p50/p99" for s in steps) + f" {'CPU ms/checkout':>15}")
    rows = []
    for concurrency in args.concurrency:
        cpu_before = _cpu_seconds(server.process.pid)
        completed = subprocess.run(
            [sys.executable, str(Path(__file__).with_name("checkout_flow.py")), graphql,
             str(variants_file), str(concurrency), str(args.duration),
             *([stripe_url] if stripe_url else [])],
            capture_output=True, text=True, timeout=args.duration + 120, check=True)
        cpu = _cpu_seconds(server.process.pid) - cpu_before
        raw = json.loads(completed.stdout)
        rate = raw["completed"] / raw["duration_s"]
        per = cpu * 1000 / raw["completed"] if raw["completed"] else float("nan")
        timings = " ".join(
            f"{raw['steps'][s]['p50_ms']:>9.1f}/{raw['steps'][s]['p99_ms']:<11.1f}"
            for s in steps)
        print(f"{concurrency:>7} {raw['completed']:>9} {rate:>7.1f} {raw['failed']:>6} "
              f"{timings} {per:>15.1f}", flush=True)
        for failure in raw["failures"]:
            print(f"  failure: {failure}")
        rows.append({"label": label, "flow": flow, "concurrency": concurrency, "rate": rate,
                     "cpu_ms": per, "raw": raw})
    return rows


def bench_database(label: str, url: str, args: argparse.Namespace,
                   tmp: Path, fake: FakeStripe) -> list[dict[str, Any]]:
    started = time.perf_counter()
    asyncio.run(_prepare(url))
    variants = asyncio.run(_stock_up(url))
    print(f"\n## {label}: migrated and seeded in {time.perf_counter() - started:.1f} s")
    variants_file = tmp / "variants.json"
    variants_file.write_text(json.dumps(variants))
    name = label.split()[0].lower()
    logs = args.logs or tmp
    logs.mkdir(parents=True, exist_ok=True)
    rows = []
    if not args.no_manual:
        statements = asyncio.run(_statements_per_step(url, variants))
        print("### manual payment (bank transfer)\nSQL statements per step: "
              + ", ".join(f"{k} {v}" for k, v in statements.items()))
        with _serving(url, logs / f"server-{name}.log") as server:
            rows += _load(server, args, tmp, variants_file, STEPS, label, "manual")
    if not args.no_card:
        # Payment ids start again in each database, and so would their idempotency keys.
        fake.reset()
        statements = asyncio.run(_statements_per_step(url, variants, fake))
        print("### card (Stripe, the offline fake)\nSQL statements per step: "
              + ", ".join(f"{k} {v}" for k, v in statements.items()))
        with _serving(url, logs / f"server-{name}-card.log",
                      stripe_env(fake)) as server:
            rows += _load(server, args, tmp, variants_file, CARD_STEPS, label, "card",
                          fake.url)
    screened = asyncio.run(_screened(url))
    print("fraud screening of the bench's orders: " + "; ".join(
        f"{method} " + ", ".join(f"{level} {n}" for level, n in sorted(levels.items()))
        for method, levels in sorted(screened.items())))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", metavar="URL")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-manual", action="store_true", help="skip the manual flow")
    parser.add_argument("--no-card", action="store_true", help="skip the card flow")
    parser.add_argument("--logs", metavar="DIR", type=Path,
                        help="keep the servers' logs there (default: dropped at the end)")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--concurrency", default="1,8",
                        type=lambda s: [int(c) for c in s.split(",")])
    args = parser.parse_args()
    print("# commerce checkout benchmark: cartCreate -> cartShippingMethodUpdate -> "
          "[checkoutPaymentCreate -> pay at the fake Stripe ->] checkoutComplete")
    print(f"machine: {_machine()}")
    fake = FakeStripe().start()
    with tempfile.TemporaryDirectory(prefix="commerce-bench-") as tmp_name:
        tmp = Path(tmp_name)
        if not args.no_sqlite:
            bench_database("SQLite", f"sqlite+aiosqlite:///{tmp / 'bench.db'}", args, tmp,
                           fake)
        if args.postgres:
            url = make_url(args.postgres).set(database=BENCH_DATABASE).render_as_string(
                hide_password=False)
            asyncio.run(_admin(args.postgres,
                               f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)'))
            asyncio.run(_admin(args.postgres, f'CREATE DATABASE "{BENCH_DATABASE}"'))
            try:
                label = f"PostgreSQL {asyncio.run(_postgres_version(url))}"
                bench_database(label, url, args, tmp, fake)
            finally:
                asyncio.run(_admin(args.postgres,
                                   f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)'))
    fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
