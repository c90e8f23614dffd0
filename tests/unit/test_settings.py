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
