"""Settings of the SSE transport and the cross-process wake-ups."""

from __future__ import annotations

import pytest

from commerce.settings import Settings, SettingsError


def test_defaults_need_no_broker() -> None:
    settings = Settings.from_env({})
    assert settings.redis_url == ""
    assert settings.max_sse_streams_per_client == 20
    assert settings.sse_keepalive_seconds == 15.0
    assert settings.shutdown_grace_seconds == 10
    assert settings.redis_channel == "commerce_order_tracking"


def test_values_are_read_from_the_environment() -> None:
    settings = Settings.from_env({
        "COMMERCE_REDIS_URL": "redis://127.0.0.1:6379/3",
        "COMMERCE_MAX_SSE_STREAMS_PER_CLIENT": "5", "COMMERCE_SSE_KEEPALIVE_SECONDS": "2.5",
        "COMMERCE_SHUTDOWN_GRACE_SECONDS": "30", "COMMERCE_REDIS_CHANNEL": "shop-2"})
    assert settings.redis_url == "redis://127.0.0.1:6379/3"
    assert settings.max_sse_streams_per_client == 5
    assert settings.sse_keepalive_seconds == 2.5
    assert settings.shutdown_grace_seconds == 30
    assert settings.redis_channel == "shop-2"


@pytest.mark.parametrize(("name", "value"), [
    ("COMMERCE_REDIS_URL", "http://127.0.0.1:6379"),
    ("COMMERCE_MAX_SSE_STREAMS_PER_CLIENT", "0"),
    ("COMMERCE_SSE_KEEPALIVE_SECONDS", "-1"),
    ("COMMERCE_SHUTDOWN_GRACE_SECONDS", "soon"),
    ("COMMERCE_REDIS_CHANNEL", "two words"),
])
def test_unusable_values_are_refused_by_name(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})
