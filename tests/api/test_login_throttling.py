"""Sign-in throttling through the API: sequential, aliased, concurrent, per client address.

The test settings allow 5 failures per window (``login_max_attempts``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from commerce.accounts import service
from commerce.app import create_app
from commerce.db.database import Database
from commerce.settings import Settings
from tests.account_helpers import PASSWORD, make_user

TOKEN = """mutation($email: String!, $password: String!) {
  tokenCreate(input: {email: $email, password: $password}) { token errors { code } } }"""


def outcome(body: dict[str, Any]) -> str:
    """RATE_LIMITED, a payload error code, or OK."""
    if body.get("errors"):
        return str(body["errors"][0]["extensions"]["code"])
    payload = body["data"]["tokenCreate"]
    return payload["errors"][0]["code"] if payload["errors"] else "OK"


async def sign_in(gql: Any, email: str, password: str) -> dict[str, Any]:
    result: dict[str, Any] = await gql(TOKEN, {"email": email, "password": password},
                                       expect_errors=True)
    return result


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Counts how many sign-ins reached the (argon2) password check."""
    calls: list[str] = []
    real = service.verify_password

    def counting(password_hash: str | None, password: str) -> bool:
        calls.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(service, "verify_password", counting)
    yield calls


async def test_repeated_wrong_passwords_are_rate_limited_with_a_retry_time(
        db: Database, gql: Any, settings: Settings) -> None:
    await make_user(db, "ann@example.com")
    for _ in range(settings.login_max_attempts):
        assert outcome(await sign_in(gql, "ann@example.com", "wrong-guess")) == \
            "INVALID_CREDENTIALS"
    body = await sign_in(gql, "ann@example.com", PASSWORD)  # even the right one now
    error = body["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert 0 < error["extensions"]["retryAfter"] <= settings.login_window_seconds
    assert body["data"] == {"tokenCreate": None}


async def test_every_aliased_sign_in_in_one_request_counts(
        db: Database, client: httpx.AsyncClient, settings: Settings,
        verifications: list[str]) -> None:
    await make_user(db, "ann@example.com")
    fields = " ".join(
        f'a{i}: tokenCreate(input: {{email: "ann@example.com", password: "guess-{i:02}"}}) '
        "{ token errors { code } }" for i in range(12))
    response = await client.post("/graphql", json={"query": f"mutation {{ {fields} }}"})
    body = response.json()
    data = body["data"]
    answered = [k for k, v in data.items() if v is not None]
    assert answered == [f"a{i}" for i in range(settings.login_max_attempts)]
    assert all(data[k]["errors"] == [{"code": "INVALID_CREDENTIALS"}] for k in answered)
    limited = [e["path"][0] for e in body["errors"]
               if e["extensions"]["code"] == "RATE_LIMITED"]
    assert limited == [f"a{i}" for i in range(settings.login_max_attempts, 12)]
    assert len(verifications) == settings.login_max_attempts


async def test_a_concurrent_burst_reaches_the_password_check_at_most_the_limit(
        db: Database, gql: Any, settings: Settings, verifications: list[str]) -> None:
    await make_user(db, "ann@example.com")
    bodies = await asyncio.gather(*(sign_in(gql, "ann@example.com", f"guess-{i:02}")
                                    for i in range(30)))
    outcomes = [outcome(b) for b in bodies]
    assert outcomes.count("INVALID_CREDENTIALS") == settings.login_max_attempts
    assert outcomes.count("RATE_LIMITED") == 30 - settings.login_max_attempts
    assert len(verifications) == settings.login_max_attempts


async def test_the_limit_applies_per_client_address_across_accounts(
        db: Database, gql: Any, app: Any, settings: Settings) -> None:
    await make_user(db, "ann@example.com")
    for i in range(settings.login_max_attempts):
        assert outcome(await sign_in(gql, f"user{i}@example.com", "wrong-guess")) == \
            "INVALID_CREDENTIALS"
    # This address is now blocked, whichever account it tries...
    assert outcome(await sign_in(gql, "ann@example.com", PASSWORD)) == "RATE_LIMITED"
    # ...while the same account signs in fine from elsewhere.
    transport = httpx.ASGITransport(app=app, client=("192.0.2.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as elsewhere:
        response = await elsewhere.post("/graphql", json={
            "query": TOKEN, "variables": {"email": "ann@example.com", "password": PASSWORD}})
    assert outcome(response.json()) == "OK"


async def test_a_successful_sign_in_resets_the_accounts_failure_count(
        db: Database, gql: Any, app: Any, settings: Settings) -> None:
    await make_user(db, "ann@example.com")
    for _ in range(settings.login_max_attempts - 1):
        await sign_in(gql, "ann@example.com", "wrong-guess")
    transport = httpx.ASGITransport(app=app, client=("192.0.2.8", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as other:
        for password in [PASSWORD, *["wrong-guess"] * (settings.login_max_attempts - 1)]:
            response = await other.post("/graphql", json={
                "query": TOKEN, "variables": {"email": "ann@example.com",
                                              "password": password}})
            assert outcome(response.json()) != "RATE_LIMITED"


async def from_address(app: Any, address: str, email: str, password: str) -> str:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post("/graphql", json={
            "query": TOKEN, "variables": {"email": email, "password": password}})
    return outcome(response.json())


async def test_a_stranger_cannot_lock_the_owner_out_from_another_address(
        db: Database, gql: Any, app: Any, settings: Settings) -> None:
    await make_user(db, "ann@example.com")
    for _ in range(settings.login_max_attempts):
        assert await from_address(app, "198.51.100.66", "ann@example.com", "guess") == \
            "INVALID_CREDENTIALS"
    # The stranger's address is locked out of Ann's account, even with the right password...
    assert await from_address(app, "198.51.100.66", "ann@example.com", PASSWORD) == \
        "RATE_LIMITED"
    # ...while Ann, at home, signs in (and may even mistype first).
    assert outcome(await sign_in(gql, "ann@example.com", "typo")) == "INVALID_CREDENTIALS"
    assert outcome(await sign_in(gql, "ann@example.com", PASSWORD)) == "OK"


async def test_guesses_spread_over_many_addresses_stop_at_the_accounts_ceiling(
        db: Database, settings: Settings) -> None:
    ceiling = 8
    app = create_app(settings.with_(login_max_attempts_per_account=ceiling), db)
    await make_user(db, "ann@example.com")
    outcomes = [await from_address(app, f"198.51.100.{i // 2}", "ann@example.com", "guess")
                for i in range(ceiling)]  # two guesses from each address: under its limit
    assert outcomes == ["INVALID_CREDENTIALS"] * ceiling
    for address in ("198.51.100.200", "127.0.0.1"):  # now even the owner waits the window
        assert await from_address(app, address, "ann@example.com", PASSWORD) == "RATE_LIMITED"
