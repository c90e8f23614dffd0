"""Benchmark live order tracking: one server process holding thousands of open
``orderTracking`` subscriptions while orders change and the catalog benchmark runs beside.

For each database (a SQLite file in a temporary directory, and PostgreSQL with
``--postgres URL``: a throwaway ``commerce_bench`` database, dropped afterwards) this seeds
the demo shop, adds ``--orders`` open orders (copies of a seeded one, written straight to the
database), starts ``python -m commerce serve`` (one worker, default settings: the outbox relay
runs in-process), then:

1. ``--clients`` client processes (this script with ``--client``) open ``--subscriptions``
   WebSocket connections in total (graphql-transport-ws), each following one order as its
   guest (``connection_init`` ``{"orderToken": ...}``), so every order has
   subscriptions / orders watchers; each waits for its SNAPSHOT.
2. Memory per subscription = the server's RSS after all subscribed minus before, divided by
   the number of subscriptions.
3. For ``--duration`` seconds a staff client changes random orders through the API
   (``orderHold`` / ``orderRelease`` in turn, ``--rate`` changes a second) while the catalog
   listing benchmark runs beside (``bench/catalog.py``'s generator, concurrency
   ``--catalog-concurrency``; a comma-separated list runs one phase per value on the same
   open subscriptions). ``--catalog-server same`` (default) loads the subscription server
   itself; ``separate`` starts a second server process on the same database and loads that
   one, as a deployment with more than one process would route catalog traffic.
4. Latency of each delivered entry = when the client received it - the entry's
   ``occurredAt`` (stamped in the changing transaction just before its commit; one machine,
   one clock). It prints p50/p99/max, deliveries expected vs received, and the catalog's
   req/s and p99 under that load.

    python bench/subscriptions.py [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]
                                  [--subscriptions 5000] [--orders 500] [--clients 2]
                                  [--duration 15] [--rate 20] [--catalog-concurrency 1,4,16]
                                  [--catalog-server same|separate]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from catalog import (
    BENCH_DATABASE,
    LISTING_QUERY,
    WRK_SCRIPT,
    Server,
    _admin,
    _load,
    _machine,
    _postgres_version,
    _prepare,
)
from sqlalchemy import insert, select
from sqlalchemy.engine import make_url

from commerce.db.database import Database
from commerce.db.models import Order
from commerce.shared.ids import encode_id

TRACKING = ("subscription ($id: ID!) { orderTracking(orderId: $id) "
            "{ version type occurredAt } }")
HOLD = "mutation ($input: OrderHoldInput!) { orderHold(input: $input) { errors { code } } }"
RELEASE = ("mutation ($input: OrderReleaseInput!) { orderRelease(input: $input) "
           "{ errors { code } } }")
LOGIN = ("mutation ($input: TokenCreateInput!) { tokenCreate(input: $input) "
         "{ token errors { code message } } }")
CONNECT_AT_ONCE = 100  # handshakes in flight per client process


# -- the client processes ---------------------------------------------------------------


async def _client(url: str, targets: list[tuple[str, str]]) -> None:
    """Subscribe to every (order id, order token) and print how many are ready; on each
    REPORT (stdin) print what arrived since the last one; exit at end of input."""
    import websockets

    latencies: list[float] = []
    errors: list[str] = []
    ready = 0
    gate = asyncio.Semaphore(CONNECT_AT_ONCE)
    all_ready = asyncio.Event()

    async def follow(order_id: str, token: str) -> None:
        nonlocal ready
        try:
            async with gate:
                ws = await websockets.connect(url, subprotocols=["graphql-transport-ws"],
                                              max_queue=None, ping_interval=None)
                await ws.send(json.dumps({"type": "connection_init",
                                          "payload": {"orderToken": token}}))
                await ws.recv()
                await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
                    "query": TRACKING, "variables": {"id": order_id}}}))
                snapshot = json.loads(await ws.recv())
                assert snapshot["payload"]["data"]["orderTracking"]["type"] == "SNAPSHOT"
            ready += 1
            if ready == len(targets):
                all_ready.set()
            async for raw in ws:
                now = time.time()
                message = json.loads(raw)
                if message.get("type") != "next" or "errors" in message["payload"]:
                    errors.append(str(raw)[:200])
                    continue
                event = message["payload"]["data"]["orderTracking"]
                at = datetime.fromisoformat(event["occurredAt"]).timestamp()
                latencies.append((now - at) * 1000)
        except Exception as exc:  # reported, not raised: one bad socket must not hide others
            errors.append(repr(exc)[:200])
            if ready + len(errors) >= len(targets):
                all_ready.set()

    tasks = [asyncio.create_task(follow(o, t)) for o, t in targets]
    await all_ready.wait()
    print(json.dumps({"ready": ready, "errors": errors[:5]}), flush=True)
    # One REPORT per phase: what arrived since the last one; EOF (the driver is done) ends.
    reported = 0
    while (await asyncio.to_thread(sys.stdin.readline)).strip() == "REPORT":
        print(json.dumps({"latencies_ms": latencies, "errors": len(errors) - reported,
                          "error_samples": errors[reported:reported + 5]}), flush=True)
        latencies = []
        reported = len(errors)
    for task in tasks:
        task.cancel()
    os._exit(0)  # thousands of sockets: no orderly close needed


# -- the driver ---------------------------------------------------------------------------


async def _add_orders(url: str, count: int) -> list[tuple[str, str]]:
    """``count`` open orders copied from a seeded one (their own number and token)."""
    db = Database(url)
    try:
        async with db.transaction() as s:
            source = (await s.execute(select(Order).where(Order.status == "OPEN")
                                      .order_by(Order.id).limit(1))).scalar_one()
            columns = {c.key: getattr(source, c.key) for c in Order.__table__.columns
                       if c.key not in ("id", "number", "token", "cart_id")}
            rows = [{**columns, "number": f"B{n:06d}", "token": secrets.token_urlsafe(24),
                     "cart_id": None} for n in range(count)]
            inserted = (await s.execute(insert(Order).returning(
                Order.id, Order.token, sort_by_parameter_order=True), rows)).all()
    finally:
        await db.dispose()
    return [(encode_id("Order", r.id), r.token) for r in inserted]


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def _staff_token(base: str) -> str:
    async with httpx.AsyncClient(base_url=base) as client:
        body = (await client.post("/graphql", json={"query": LOGIN, "variables": {"input": {
            "email": "admin@example.com", "password": "admin12345"}}})).json()
    token: str = body["data"]["tokenCreate"]["token"]
    return token


async def _changes(base: str, token: str, orders: list[str], held: set[str], seconds: float,
                   rate: float) -> int:
    """Hold and release random orders at ``rate`` a second (``held``: those on hold, kept
    across phases); returns the changes made."""
    made = 0
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        started = time.monotonic()
        while (elapsed := time.monotonic() - started) < seconds:
            order = random.choice(orders)
            query, name = (RELEASE, "orderRelease") if order in held else (HOLD, "orderHold")
            body = (await client.post("/graphql", json={
                "query": query, "variables": {"input": {"id": order}}})).json()
            if body.get("errors") or body["data"][name]["errors"]:
                raise RuntimeError(f"change failed: {body}")
            held.symmetric_difference_update({order})
            made += 1
            await asyncio.sleep(max(0.0, made / rate - elapsed))
    return made


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_database(label: str, url: str, args: argparse.Namespace, tmp: Path,
                   generator: str) -> list[dict[str, Any]]:
    started = time.perf_counter()
    asyncio.run(_prepare(url))
    orders = asyncio.run(_add_orders(url, args.orders))
    print(f"\n## {label}: migrated, seeded and {len(orders)} orders added in "
          f"{time.perf_counter() - started:.1f} s")
    server = Server(url, tmp / f"server-{label.split()[0].lower()}.log")
    clients: list[subprocess.Popen[str]] = []
    catalog_server: Server | None = None
    try:
        server.wait_ready()
        pid = server.process.pid
        ws_url = server.url.replace("http://", "ws://") + "/graphql"
        httpx.post(f"{server.url}/graphql", json={"query": LISTING_QUERY}, timeout=30)
        rss_before = _rss_kib(pid)
        targets = [orders[n % len(orders)] for n in range(args.subscriptions)]
        share = -(-len(targets) // args.clients)
        subscribe_started = time.perf_counter()
        for c in range(args.clients):
            mine = targets[c * share:(c + 1) * share]
            clients.append(subprocess.Popen(
                [sys.executable, __file__, "--client", ws_url],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
            assert clients[-1].stdin is not None
            clients[-1].stdin.write(json.dumps(mine) + "\n")
            clients[-1].stdin.flush()
        ready = 0
        for client in clients:
            assert client.stdout is not None
            status = json.loads(client.stdout.readline())
            ready += status["ready"]
            if status["errors"]:
                print("client errors:", status["errors"])
        subscribe_seconds = time.perf_counter() - subscribe_started
        time.sleep(1)
        rss_after = _rss_kib(pid)
        per_sub = (rss_after - rss_before) * 1024 / max(ready, 1)
        print(f"{ready} subscriptions open in {subscribe_seconds:.1f} s; server RSS "
              f"{rss_before / 1024:.0f} -> {rss_after / 1024:.0f} MiB "
              f"({per_sub / 1024:.1f} KiB per subscription)")

        body = json.dumps({"query": LISTING_QUERY}).encode()
        body_file, wrk_script = tmp / "body.json", tmp / "listing.lua"
        body_file.write_bytes(body)
        wrk_script.write_text(WRK_SCRIPT % body.decode())
        catalog_url = f"{server.url}/graphql"
        if args.catalog_server == "separate":
            # A second process on the same database: its own event loop and core time, as
            # a multi-process deployment would serve catalog traffic.
            catalog_server = Server(url, tmp / f"catalog-{label.split()[0].lower()}.log")
            catalog_server.wait_ready()
            catalog_url = f"{catalog_server.url}/graphql"
            httpx.post(catalog_url, json={"query": LISTING_QUERY}, timeout=30)
        token = asyncio.run(_staff_token(server.url))
        watchers = args.subscriptions / len(orders)
        held: set[str] = set()
        outcomes: list[dict[str, Any]] = []
        for concurrency in args.catalog_concurrency:
            catalog: dict[str, Any] = {}

            def catalog_load(concurrency: int = concurrency,
                             catalog: dict[str, Any] = catalog) -> None:
                catalog.update(_load(generator, catalog_url, body_file, wrk_script,
                                     concurrency, args.duration))

            beside = threading.Thread(target=catalog_load)
            if concurrency:
                beside.start()
            made = asyncio.run(_changes(server.url, token, [o for o, _ in orders], held,
                                        args.duration, args.rate))
            if concurrency:
                beside.join()
            time.sleep(1)  # the last deliveries
            latencies: list[float] = []
            errors = 0
            for client in clients:
                assert client.stdin is not None and client.stdout is not None
                client.stdin.write("REPORT\n")
                client.stdin.flush()
                result = json.loads(client.stdout.readline())
                latencies += result["latencies_ms"]
                errors += result["errors"]
                if result["error_samples"]:
                    print("client errors:", result["error_samples"])
            beside_label = (f"{args.catalog_server} process, concurrency {concurrency}"
                            if concurrency else "none")
            outcome = {
                "database": label, "catalog": beside_label, "subscriptions": ready,
                "kib_per_subscription": per_sub / 1024, "changes": made,
                "expected": round(made * watchers), "delivered": len(latencies),
                "p50_ms": statistics.median(latencies) if latencies else float("nan"),
                "p99_ms": _percentile(latencies, 0.99), "max_ms": max(latencies, default=0.0),
                "errors": errors, "catalog_rps": catalog.get("requests", 0) / args.duration,
                "catalog_p99_ms": catalog.get("p99_ms", float("nan")),
            }
            print(f"catalog beside: {beside_label}: {made} changes in {args.duration} s, "
                  f"{len(latencies)} deliveries (expected {outcome['expected']}), latency p50 "
                  f"{outcome['p50_ms']:.1f} ms, p99 {outcome['p99_ms']:.1f} ms, max "
                  f"{outcome['max_ms']:.1f} ms, errors {errors}; catalog "
                  f"{outcome['catalog_rps']:.1f} req/s, p99 {outcome['catalog_p99_ms']:.1f} ms",
                  flush=True)
            outcomes.append(outcome)
        return outcomes
    finally:
        for client in clients:
            client.kill()
        if catalog_server is not None:
            catalog_server.stop()
        server.stop()


def _concurrencies(text: str) -> list[int]:
    values = [int(part) for part in text.split(",") if part.strip()]
    if not values or any(v < 0 for v in values):
        raise argparse.ArgumentTypeError("whole numbers >= 0, comma-separated")
    return values


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--client", metavar="WS_URL", help=argparse.SUPPRESS)
    parser.add_argument("--postgres", metavar="URL")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--subscriptions", type=int, default=5000)
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument("--duration", type=int, default=15, help="seconds of changes")
    parser.add_argument("--rate", type=float, default=20, help="order changes per second")
    parser.add_argument("--catalog-concurrency", type=_concurrencies, default=[4],
                        help="catalog listing load beside (0: none); a comma-separated "
                             "list runs one phase per value on the same subscriptions")
    parser.add_argument("--catalog-server", choices=["same", "separate"], default="same",
                        help="the catalog load hits the subscription server (same) or a "
                             "second server process on the same database (separate)")
    parser.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto")
    return parser.parse_args()


def main() -> int:
    args = _arguments()
    if args.client:
        targets = [tuple(t) for t in json.loads(sys.stdin.readline())]
        asyncio.run(_client(args.client, targets))  # type: ignore[arg-type]
        return 0
    # Every socket is a file descriptor, in the server and in the clients.
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    generator = args.generator
    if generator == "auto":
        generator = "wrk" if shutil.which("wrk") else "python"
    print("# commerce live tracking benchmark")
    print(f"machine: {_machine()}")
    print(f"{args.subscriptions} subscriptions on {args.orders} orders from {args.clients} "
          f"client processes; {args.rate:g} changes/s for {args.duration} s; catalog "
          f"listing at concurrency {args.catalog_concurrency} ({generator}) beside, on the "
          f"{args.catalog_server} server process")
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="commerce-bench-") as tmp_name:
        tmp = Path(tmp_name)
        if not args.no_sqlite:
            url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
            outcomes += bench_database("SQLite", url, args, tmp, generator)
        if args.postgres:
            url = make_url(args.postgres).set(database=BENCH_DATABASE).render_as_string(
                hide_password=False)
            asyncio.run(_admin(args.postgres,
                               f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)'))
            asyncio.run(_admin(args.postgres, f'CREATE DATABASE "{BENCH_DATABASE}"'))
            try:
                label = f"PostgreSQL {asyncio.run(_postgres_version(url))}"
                outcomes += bench_database(label, url, args, tmp, generator)
            finally:
                asyncio.run(_admin(args.postgres,
                                   f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)'))
    print("\n| database | catalog beside | subscriptions | KiB/subscription | changes | "
          "delivered/expected | p50 ms | p99 ms | max ms | catalog req/s (p99 ms) | errors |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for o in outcomes:
        print(f"| {o['database']} | {o['catalog']} | {o['subscriptions']} | "
              f"{o['kib_per_subscription']:.1f} | "
              f"{o['changes']} | {o['delivered']}/{o['expected']} | {o['p50_ms']:.1f} | "
              f"{o['p99_ms']:.1f} | {o['max_ms']:.1f} | {o['catalog_rps']:.1f} "
              f"({o['catalog_p99_ms']:.1f}) | {o['errors']} |")
    return 1 if any(o["errors"] or o["delivered"] != o["expected"] for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
