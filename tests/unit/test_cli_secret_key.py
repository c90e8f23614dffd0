"""``commerce serve`` refuses the public demo secret unless COMMERCE_DEBUG is on;
``commerce demo`` runs out of the box."""

from __future__ import annotations

from typing import Any

import pytest

from commerce import cli
from commerce.settings import Settings


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[Settings]:
    """Records what would have been served, instead of serving; no logging set-up."""
    calls: list[Settings] = []

    def fake_serve(settings: Settings, *_: Any, **__: Any) -> None:
        calls.append(settings)

    async def nothing(*_: Any, **__: Any) -> None:
        return None

    monkeypatch.setattr(cli, "_serve", fake_serve)
    monkeypatch.setattr(cli, "_migrate", nothing)
    monkeypatch.setattr(cli, "_seed", nothing)
    monkeypatch.setattr(cli, "_check_currency", nothing)
    monkeypatch.setattr("commerce.logging.configure_logging", lambda debug: None)
    for var in ("COMMERCE_SECRET_KEY", "COMMERCE_DEBUG"):
        monkeypatch.delenv(var, raising=False)
    return calls


def test_serve_refuses_the_demo_secret_naming_the_variable(
        served: list[Settings], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli.main(["serve"]) == 2
    assert "COMMERCE_SECRET_KEY" in capsys.readouterr().err
    monkeypatch.setenv("COMMERCE_SECRET_KEY", "insecure-demo-secret")
    assert cli.main(["serve", "--workers", "2"]) == 2
    monkeypatch.setenv("COMMERCE_SECRET_KEY", "")
    assert cli.main(["serve"]) == 2
    assert served == []


def test_serve_starts_with_an_own_secret_or_in_debug(
        served: list[Settings], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMERCE_SECRET_KEY", "a-long-random-production-secret")
    assert cli.main(["serve"]) == 0
    monkeypatch.delenv("COMMERCE_SECRET_KEY")
    monkeypatch.setenv("COMMERCE_DEBUG", "true")
    assert cli.main(["serve"]) == 0
    assert len(served) == 2


def test_demo_runs_without_any_setting(served: list[Settings],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["demo"]) == 0
    assert len(served) == 1 and "admin@example.com" in capsys.readouterr().out
