from __future__ import annotations

import pytest

from commerce.settings import Settings, SettingsError


def test_defaults_need_no_environment() -> None:
    settings = Settings.from_env({})
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert (settings.host, settings.port, settings.currency) == ("127.0.0.1", 8000, "USD")


def test_values_are_parsed_from_commerce_variables() -> None:
    settings = Settings.from_env({
        "COMMERCE_PORT": "9000", "COMMERCE_DEBUG": "true", "COMMERCE_CURRENCY": "eur",
        "COMMERCE_CORS_ORIGINS": "https://a.example, https://b.example",
        "COMMERCE_DATABASE_URL": "postgresql+asyncpg://u@h/db",
        "COMMERCE_SQLITE_DRIVER": "AioSQLite",
    })
    assert settings.sqlite_driver == "aiosqlite"
    assert settings.port == 9000 and settings.debug is True and settings.currency == "EUR"
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert not settings.is_sqlite


@pytest.mark.parametrize(("var", "value"), [
    ("COMMERCE_PORT", "eighty"), ("COMMERCE_PORT", "70000"), ("COMMERCE_DEBUG", "maybe"),
    ("COMMERCE_CURRENCY", "XYZ"), ("COMMERCE_MAX_DEPTH", "0"),
    ("COMMERCE_DATABASE_URL", "mysql://x"), ("COMMERCE_SQLITE_DRIVER", "pysqlite"),
])
def test_bad_values_fail_naming_the_variable(var: str, value: str) -> None:
    with pytest.raises(SettingsError, match=var):
        Settings.from_env({var: value})


def test_carrier_settings_read_rotating_secrets_and_the_delay_interval() -> None:
    settings = Settings.from_env({"COMMERCE_CARRIER_WEBHOOK_SECRET": "new, old",
                                  "COMMERCE_DELAY_CHECK_INTERVAL_SECONDS": "60"})
    assert settings.carrier_webhook_secret == ("new", "old")
    assert settings.delay_check_interval_seconds == 60
    assert Settings().carrier_webhook_secret == ()
    with pytest.raises(SettingsError):
        Settings.from_env({"COMMERCE_DELAY_CHECK_INTERVAL_SECONDS": "0"})
