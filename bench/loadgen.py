"""Closed-loop HTTP load generator (asyncio + httpx), the fallback when ``wrk`` is missing.

Runs as its own process so its CPU use is not counted as the server's:

    python bench/loadgen.py URL BODY_FILE CONCURRENCY SECONDS

Prints one JSON object: requests, errors, duration_s, p50_ms, p99_ms.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

import httpx


async def _worker(client: httpx.AsyncClient, url: str, body: bytes, deadline: float,
                  latencies: list[float], errors: list[int]) -> None:
    headers = {"Content-Type": "application/json"}
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        try:
            response = await client.post(url, content=body, headers=headers)
            ok = response.status_code == 200
        except httpx.HTTPError:
            ok = False
        latencies.append(time.perf_counter() - started)
        if not ok:
            errors.append(1)


async def run(url: str, body: bytes, concurrency: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    errors: list[int] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(*(_worker(client, url, body, deadline, latencies, errors)
                               for _ in range(concurrency)))
        duration = time.perf_counter() - started
    latencies.sort()

    def percentile(p: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

    return {"requests": len(latencies), "errors": len(errors), "duration_s": duration,
            "p50_ms": percentile(50), "p99_ms": percentile(99)}


def main() -> None:
    url, body_file, concurrency, seconds = sys.argv[1:5]
    body = Path(body_file).read_bytes()
    print(json.dumps(asyncio.run(run(url, body, int(concurrency), float(seconds)))))


if __name__ == "__main__":
    main()
