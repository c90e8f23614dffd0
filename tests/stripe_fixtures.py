"""Stripe test fixtures: ``fake_stripe`` (the local fake Stripe server, one per session,
reset for each test) and ``stripe_settings`` (``settings`` with Stripe on and pointed at
the fake). Registered from ``tests/conftest.py``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from commerce.settings import Settings
from tests.fakes.stripe_server import FakeStripe

STRIPE_SECRET_KEY = "sk_test_fake"
STRIPE_PUBLISHABLE_KEY = "pk_test_fake"
STRIPE_WEBHOOK_SECRET = "whsec_test"


@pytest.fixture(scope="session")
def _fake_stripe_server() -> Iterator[FakeStripe]:
    fake = FakeStripe().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_stripe(_fake_stripe_server: FakeStripe) -> FakeStripe:
    """The fake Stripe server, emptied before the test."""
    _fake_stripe_server.reset()
    return _fake_stripe_server


@pytest.fixture(scope="session")
def stripe_settings(settings: Settings, _fake_stripe_server: FakeStripe) -> Settings:
    """The test settings with Stripe on, its API at the fake server."""
    return settings.with_(stripe_secret_key=STRIPE_SECRET_KEY,
                          stripe_publishable_key=STRIPE_PUBLISHABLE_KEY,
                          stripe_webhook_secret=STRIPE_WEBHOOK_SECRET,
                          stripe_api_base=_fake_stripe_server.url)
