"""Card checkout helpers: an app configured for Stripe (against the fake), a GraphQL caller
for it, and small steps (start a payment, complete, deliver a signed webhook)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from commerce.app import create_app
from commerce.db.database import Database
from commerce.settings import Settings
from commerce.shared.ids import encode_id
from tests.conftest import GQL

PAY = """
mutation ($input: CheckoutPaymentCreateInput!) {
  checkoutPaymentCreate(input: $input) {
    payment { clientSecret publishableKey amount { amount currency } reservedUntil }
    errors { code message field }
  }
}
"""

COMPLETE = """
mutation ($input: CheckoutCompleteInput!) {
  checkoutComplete(input: $input) {
    order { id number token status paymentStatus paymentMethod amountPaid { amount }
            total { amount } }
    errors { code message field }
  }
}
"""


@asynccontextmanager
async def client_for(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of an app with these settings (e.g. another capture mode)."""
    transport = httpx.ASGITransport(app=create_app(settings, db), client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


def poster(client: httpx.AsyncClient) -> GQL:
    """POST GraphQL documents through ``client``; asserts HTTP 200 and no top-level errors."""
    async def run(query: str, variables: dict[str, Any] | None = None, *,
                  token: str | None = None, expect_errors: bool = False) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if not expect_errors:
            assert "errors" not in body, body["errors"]
        return body

    return run


@pytest.fixture
async def card_client(stripe_settings: Settings, db: Database
                      ) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(stripe_settings, db) as c:
        yield c


@pytest.fixture
def card_gql(card_client: httpx.AsyncClient) -> GQL:
    return poster(card_client)


def cart_id(token: str) -> str:
    return encode_id("Cart", token)


def intent_id(client_secret: str) -> str:
    return client_secret.split("_secret_")[0]


async def start(gql: GQL, token: str) -> dict[str, Any]:
    body = await gql(PAY, {"input": {"cartId": cart_id(token)}})
    payload: dict[str, Any] = body["data"]["checkoutPaymentCreate"]
    return payload


async def complete(gql: GQL, token: str) -> dict[str, Any]:
    body = await gql(COMPLETE, {"input": {"cartId": cart_id(token)}})
    payload: dict[str, Any] = body["data"]["checkoutComplete"]
    return payload


async def count(db: Database, model: Any, *where: Any) -> int:
    async with db.transaction() as s:
        return int((await s.execute(
            select(func.count()).select_from(model).where(*where))).scalar_one())


async def deliver(client: httpx.AsyncClient, fake: Any, event: dict[str, Any],
                  secret: str = "whsec_test") -> httpx.Response:
    body = json.dumps(event).encode()
    return await client.post("/webhooks/stripe", content=body, headers={
        "Stripe-Signature": fake.sign(body, secret), "Content-Type": "application/json"})
