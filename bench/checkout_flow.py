"""Closed-loop checkout clients (asyncio + httpx), run as their own process by checkout.py.

    python bench/checkout_flow.py URL VARIANTS_JSON CONCURRENCY SECONDS [STRIPE_URL]

Each client repeats the three-request flow cartCreate (2 lines, e-mail, address) ->
cartShippingMethodUpdate -> checkoutComplete until the time is up. With STRIPE_URL (the
fake Stripe server) it pays by card instead: cartCreate -> cartShippingMethodUpdate ->
checkoutPaymentCreate -> the card confirmed at the fake as Stripe.js would (``stripePay``,
not a request to our server) -> checkoutComplete. Prints one JSON object: completed
checkouts, failures, duration and p50/p99 latency per step.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import httpx

CART_CREATE = """mutation($input: CartCreateInput!) { cartCreate(input: $input) {
  cart { id availableShippingMethods { id } } errors { code message } } }"""
SHIPPING = """mutation($input: CartShippingMethodUpdateInput!) {
  cartShippingMethodUpdate(input: $input) { cart { id } errors { code message } } }"""
COMPLETE = """mutation($input: CheckoutCompleteInput!) { checkoutComplete(input: $input) {
  order { number } errors { code message } } }"""
PAYMENT_CREATE = """mutation($input: CheckoutPaymentCreateInput!) {
  checkoutPaymentCreate(input: $input) { payment { clientSecret } errors { code message } } }"""
ADDRESS = {"firstName": "Bench", "lastName": "Client", "streetAddress1": "1 Main St",
           "city": "Springfield", "postalCode": "62701", "countryCode": "US",
           "countryArea": "IL"}
STEPS = ("cartCreate", "cartShippingMethodUpdate", "checkoutComplete")
CARD_STEPS = ("cartCreate", "cartShippingMethodUpdate", "checkoutPaymentCreate", "stripePay",
              "checkoutComplete")
# The fake checks only that a secret-key-shaped token is sent.
FAKE_STRIPE_KEY = "sk_test_fake"


class Failed(Exception):
    pass


async def _call(client: httpx.AsyncClient, url: str, query: str, variables: dict[str, Any],
                field: str, timings: list[float],
                headers: dict[str, str] | None = None) -> dict[str, Any]:
    started = time.perf_counter()
    response = await client.post(url, json={"query": query, "variables": variables},
                                 headers=headers)
    timings.append(time.perf_counter() - started)
    body = response.json()
    payload = (body.get("data") or {}).get(field)
    if response.status_code != 200 or "errors" in body or not payload or payload["errors"]:
        raise Failed(f"{field}: {response.status_code} {str(body)[:300]}")
    result: dict[str, Any] = payload
    return result


async def _pay(client: httpx.AsyncClient, stripe_url: str, client_secret: str,
               timings: list[float]) -> None:
    """Confirm the intent with Stripe's test card, as Stripe.js does in the browser."""
    intent_id = client_secret.split("_secret_")[0]
    started = time.perf_counter()
    response = await client.post(
        f"{stripe_url}/v1/payment_intents/{intent_id}/confirm",
        data={"payment_method": "pm_card_visa"},
        headers={"Authorization": f"Bearer {FAKE_STRIPE_KEY}"})
    timings.append(time.perf_counter() - started)
    if response.status_code != 200 or response.json().get("status") != "succeeded":
        raise Failed(f"stripePay: {response.status_code} {response.text[:300]}")


async def _client(n: int, client: httpx.AsyncClient, url: str, variants: list[str],
                  deadline: float, timings: dict[str, list[float]], outcome: dict[str, int],
                  failures: list[str], stripe_url: str | None = None) -> None:
    rng = random.Random(n)
    i = 0
    while time.perf_counter() < deadline:
        a, b = rng.sample(variants, 2)
        i += 1
        # Each checkout is another shopper (e-mail, street, address behind the trusted local
        # proxy), as in a real shop: one repeating shopper would be fraud velocity, held.
        shopper = {"X-Forwarded-For": f"10.{n % 250}.{i // 250 % 250}.{i % 250 + 1}"}
        try:
            created = await _call(client, url, CART_CREATE, {"input": {
                "lines": [{"variantId": a, "quantity": 1}, {"variantId": b, "quantity": 1}],
                "email": f"bench{n}-{i}@example.com",
                "shippingAddress": {**ADDRESS, "streetAddress1": f"{i} Main St"}}},
                "cartCreate", timings["cartCreate"], shopper)
            cart = created["cart"]
            method = cart["availableShippingMethods"][0]["id"]
            await _call(client, url, SHIPPING, {"input": {
                "cartId": cart["id"], "shippingMethodId": method}},
                "cartShippingMethodUpdate", timings["cartShippingMethodUpdate"], shopper)
            if stripe_url is not None:
                started = await _call(client, url, PAYMENT_CREATE, {"input": {
                    "cartId": cart["id"]}}, "checkoutPaymentCreate",
                    timings["checkoutPaymentCreate"], shopper)
                await _pay(client, stripe_url, started["payment"]["clientSecret"],
                           timings["stripePay"])
            await _call(client, url, COMPLETE, {"input": {"cartId": cart["id"]}},
                        "checkoutComplete", timings["checkoutComplete"], shopper)
            outcome["completed"] += 1
        except (Failed, httpx.HTTPError, KeyError, IndexError) as exc:
            outcome["failed"] += 1
            if len(failures) < 5:
                failures.append(str(exc))


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


async def run(url: str, variants: list[str], concurrency: int, seconds: float,
              stripe_url: str | None = None) -> dict[str, Any]:
    steps = STEPS if stripe_url is None else CARD_STEPS
    timings: dict[str, list[float]] = {step: [] for step in steps}
    outcome = {"completed": 0, "failed": 0}
    failures: list[str] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        started = time.perf_counter()
        await asyncio.gather(*(
            _client(n, client, url, variants, started + seconds, timings, outcome, failures,
                    stripe_url)
            for n in range(concurrency)))
        duration = time.perf_counter() - started
    return {
        **outcome, "duration_s": duration, "failures": failures,
        "steps": {step: {"p50_ms": _percentile(t, 50), "p99_ms": _percentile(t, 99),
                         "count": len(t)} for step, t in timings.items()},
    }


def main() -> None:
    url, variants_file, concurrency, seconds = sys.argv[1:5]
    stripe_url = sys.argv[5] if len(sys.argv) > 5 else None
    variants = json.loads(Path(variants_file).read_text())
    print(json.dumps(asyncio.run(run(url, variants, int(concurrency), float(seconds),
                                     stripe_url))))


if __name__ == "__main__":
    main()
