"""``shared.signing``: values signed with COMMERCE_SECRET_KEY for one purpose."""

from __future__ import annotations

import time
from datetime import timedelta

import itsdangerous
import pytest

from commerce.settings import Settings
from commerce.shared.signing import SignatureError, SignatureExpired, Signer, signer


def test_a_signed_value_comes_back_only_with_the_same_key_and_purpose() -> None:
    settings = Settings(secret_key="s3cret-for-tests-only")
    signed = signer(settings, "invoice-link").sign("order:1042")
    assert signed.startswith("order:1042.")
    assert Signer("s3cret-for-tests-only", "invoice-link").unsign(signed) == "order:1042"
    for other in (signer(settings.with_(secret_key="another-secret"), "invoice-link"),
                  signer(settings, "unsubscribe")):
        with pytest.raises(SignatureError):
            other.unsign(signed)


def flip_first_signature_character(signed: str) -> str:
    head, signature = signed.rsplit(".", 1)
    return f"{head}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"


@pytest.mark.parametrize("tampered", [
    lambda s: s.replace("order:1042", "order:1043"),
    lambda s: flip_first_signature_character(s),
    lambda s: s.rsplit(".", 1)[0],
    lambda s: "",
])
def test_an_altered_value_is_refused(tampered: object) -> None:
    links = Signer("s3cret-for-tests-only", "invoice-link")
    with pytest.raises(SignatureError):
        links.unsign(tampered(links.sign("order:1042")))  # type: ignore[operator]


def test_a_signature_older_than_max_age_is_refused_as_expired(
        monkeypatch: pytest.MonkeyPatch) -> None:
    links = Signer("s3cret-for-tests-only", "invoice-link")
    fresh = links.sign("order:1042")
    ten_minutes_ago = int(time.time()) - 600
    with monkeypatch.context() as m:
        m.setattr(itsdangerous.TimestampSigner, "get_timestamp", lambda _: ten_minutes_ago)
        old = links.sign("order:1042")
    assert links.unsign(fresh, max_age=timedelta(minutes=5)) == "order:1042"
    assert links.unsign(old) == "order:1042"  # no age limit asked
    with pytest.raises(SignatureExpired):
        links.unsign(old, max_age=timedelta(minutes=5))


def test_an_empty_key_is_refused() -> None:
    with pytest.raises(ValueError):
        Signer("", "invoice-link")
