"""The relay's settings and retry schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from commerce.events.relay import backoff
from commerce.settings import Settings, SettingsError


def test_the_relay_runs_in_process_by_default_and_can_be_turned_off() -> None:
    defaults = Settings.from_env({})
    assert (defaults.run_worker, defaults.outbox_retention_days,
            defaults.relay_interval_ms) == (True, 30, 1000)
    settings = Settings.from_env({"COMMERCE_RUN_WORKER": "false",
                                  "COMMERCE_OUTBOX_RETENTION_DAYS": "7",
                                  "COMMERCE_RELAY_INTERVAL_MS": "250"})
    assert (settings.run_worker, settings.outbox_retention_days,
            settings.relay_interval_ms) == (False, 7, 250)


@pytest.mark.parametrize(("var", "value"), [
    ("COMMERCE_RUN_WORKER", "sometimes"), ("COMMERCE_OUTBOX_RETENTION_DAYS", "0"),
    ("COMMERCE_RELAY_INTERVAL_MS", "-5"),
])
def test_bad_relay_values_fail_naming_the_variable(var: str, value: str) -> None:
    with pytest.raises(SettingsError, match=var):
        Settings.from_env({var: value})


def test_failed_deliveries_back_off_exponentially_up_to_an_hour() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert backoff(10) == timedelta(seconds=2560)
    assert backoff(11) == timedelta(hours=1)
    assert backoff(10_000) == timedelta(hours=1)
