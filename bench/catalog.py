"""Benchmark the product-listing page against the real server.

For each database (a SQLite file in a temporary directory, and PostgreSQL when
``--postgres URL`` is given; a throwaway ``commerce_bench`` database is created on that
server and dropped afterwards) this seeds the demo shop, starts ``python -m commerce serve``
(one worker) on a free 127.0.0.1 port, waits for ``/readyz``, then loads the listing page
(20 products with prices, variants, availability, category and first image) with ``wrk``
(or ``bench/loadgen.py`` when ``wrk`` is missing) at each concurrency for a fixed time after
a warm-up. It prints requests/s, p50 and p99 latency and the server's CPU time per request
(utime + stime of the server process from /proc, before and after each run).

    python bench/catalog.py [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]
                            [--duration 10] [--warmup 3] [--concurrency 1,16,64]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from commerce.db.database import Database
from commerce.db.migrate import upgrade
from commerce.seed import seed_demo_shop
from commerce.settings import Settings

BENCH_DATABASE = "commerce_bench"
LISTING_QUERY = """
query ProductListing {
  products(first: 20) {
    nodes {
      id name slug
      priceRange { min { amount currency } max { amount currency } }
      category { name }
      images(first: 1) { url alt }
      variants { sku price { amount currency } quantityAvailable inStock }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""
WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [==[%s]==]
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, ' ..
    '"errors": %%d}\\n', summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(99), e.status + e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass(frozen=True, slots=True)
class Result:
    concurrency: int
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    cpu_ms_per_request: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc/<pid>/stat (fields 14 and 15)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _post(url: str, body: bytes, timeout: float = 10) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


async def _prepare(url: str) -> None:
    await upgrade(url)
    db = Database(url)
    try:
        await seed_demo_shop(db, Settings(database_url=url))
    finally:
        await db.dispose()


async def _admin(server_url: str, statement: str) -> None:
    admin = create_async_engine(make_url(server_url).set(database="postgres"),
                                isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await admin.dispose()


async def _postgres_version(url: str) -> str:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            version = str(await conn.scalar(text("SHOW server_version")))
            return version.split()[0]  # "15.20 (Debian 15.20-0+deb12u1)" -> "15.20"
    finally:
        await engine.dispose()


class Server:
    """``python -m commerce serve`` as a child process on a free local port."""

    def __init__(self, database_url: str, log_path: Path,
                 env: dict[str, str] | None = None) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "COMMERCE_DATABASE_URL": database_url, "COMMERCE_DEBUG": "false",
               "COMMERCE_SECRET_KEY": secrets.token_urlsafe(32),  # serve refuses the demo one
               **(env or {})}
        self.log = log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "commerce", "serve", "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", "1"],
            env=env, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)
        self.log_path = log_path

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.url}/readyz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server did not become ready; log:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def _load(generator: str, url: str, body_file: Path, wrk_script: Path,
          concurrency: int, seconds: int) -> dict[str, Any]:
    if generator == "wrk":
        # One wrk thread: the server (one Python process) keeps the other core.
        completed = subprocess.run(
            ["wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "--timeout", "10s",
             "-s", str(wrk_script), url],
            capture_output=True, text=True, timeout=seconds + 60, check=True)
        line = next(ln for ln in completed.stdout.splitlines() if ln.startswith("BENCH_JSON"))
        raw = json.loads(line.removeprefix("BENCH_JSON "))
        return {"requests": raw["requests"], "errors": raw["errors"],
                "duration_s": raw["duration_us"] / 1e6, "p50_ms": raw["p50_us"] / 1000,
                "p99_ms": raw["p99_us"] / 1000}
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("loadgen.py")), url, str(body_file),
         str(concurrency), str(seconds)],
        capture_output=True, text=True, timeout=seconds + 60, check=True)
    return dict(json.loads(completed.stdout))


def bench_database(label: str, database_url: str, args: argparse.Namespace, generator: str,
                   tmp: Path) -> list[Result]:
    started = time.perf_counter()
    asyncio.run(_prepare(database_url))
    print(f"\n## {label}: migrated and seeded in {time.perf_counter() - started:.1f} s")
    body = json.dumps({"query": LISTING_QUERY}).encode()
    body_file = tmp / "body.json"
    body_file.write_bytes(body)
    wrk_script = tmp / "listing.lua"
    wrk_script.write_text(WRK_SCRIPT % body.decode())
    server = Server(database_url, tmp / f"server-{label.split()[0].lower()}.log")
    results = []
    try:
        server.wait_ready()
        graphql_url = f"{server.url}/graphql"
        status, payload = _post(graphql_url, body)
        page = json.loads(payload)
        nodes = page.get("data", {}).get("products", {}).get("nodes", [])
        if status != 200 or "errors" in page or len(nodes) != 20:
            raise RuntimeError(f"unexpected listing response {status}: {payload[:500]!r}")
        variants = sum(len(n["variants"]) for n in nodes)
        print(f"page: 20 products, {variants} variants, {len(payload)} bytes of JSON; "
              f"server pid {server.process.pid} at {server.url}")
        print(f"{'conc':>5} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
              f"{'CPU ms/req':>10} {'errors':>6}")
        for concurrency in args.concurrency:
            if args.warmup:
                _load(generator, graphql_url, body_file, wrk_script, concurrency, args.warmup)
            cpu_before = _cpu_seconds(server.process.pid)
            raw = _load(generator, graphql_url, body_file, wrk_script, concurrency,
                        args.duration)
            cpu = _cpu_seconds(server.process.pid) - cpu_before
            result = Result(concurrency, raw["requests"], raw["errors"], raw["duration_s"],
                            raw["p50_ms"], raw["p99_ms"],
                            cpu * 1000 / raw["requests"] if raw["requests"] else float("nan"))
            results.append(result)
            print(f"{concurrency:>5} {result.requests:>9} {result.rps:>8.1f} "
                  f"{result.p50_ms:>8.1f} {result.p99_ms:>8.1f} "
                  f"{result.cpu_ms_per_request:>10.2f} {result.errors:>6}", flush=True)
    finally:
        server.stop()
    return results


def _machine() -> str:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (f"{model}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", metavar="URL",
                        help="also benchmark PostgreSQL on this server "
                             "(a throwaway database is created and dropped)")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite run")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up seconds before each run")
    parser.add_argument("--concurrency", default="1,16,64",
                        type=lambda s: [int(c) for c in s.split(",")])
    parser.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto")
    return parser.parse_args()


def main() -> int:
    args = _arguments()
    generator = args.generator
    if generator == "auto":
        generator = "wrk" if shutil.which("wrk") else "python"
    print("# commerce catalog benchmark: product listing page (20 products)")
    print(f"machine: {_machine()}")
    print(f"load generator: {generator}; {args.warmup} s warm-up + {args.duration} s "
          f"per concurrency level; server: python -m commerce serve, 1 worker")
    all_results: dict[str, list[Result]] = {}
    with tempfile.TemporaryDirectory(prefix="commerce-bench-") as tmp_name:
        tmp = Path(tmp_name)
        if not args.no_sqlite:
            url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
            all_results["SQLite"] = bench_database("SQLite", url, args, generator, tmp)
        if args.postgres:
            url = make_url(args.postgres).set(database=BENCH_DATABASE).render_as_string(
                hide_password=False)
            asyncio.run(_admin(args.postgres,
                               f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)'))
            asyncio.run(_admin(args.postgres, f'CREATE DATABASE "{BENCH_DATABASE}"'))
            try:
                label = f"PostgreSQL {asyncio.run(_postgres_version(url))}"
                all_results[label] = bench_database(label, url, args, generator, tmp)
            finally:
                asyncio.run(_admin(args.postgres,
                                   f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)'))
    print("\n| database | concurrency | req/s | p50 ms | p99 ms | server CPU ms/req | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, results in all_results.items():
        for r in results:
            print(f"| {label} | {r.concurrency} | {r.rps:.1f} | {r.p50_ms:.1f} | "
                  f"{r.p99_ms:.1f} | {r.cpu_ms_per_request:.2f} | {r.errors} |")
    return 1 if any(r.errors for rs in all_results.values() for r in rs) else 0


if __name__ == "__main__":
    sys.exit(main())
