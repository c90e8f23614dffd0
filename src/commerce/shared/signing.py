"""Signed values: strings a client may hold but not forge, keyed by ``COMMERCE_SECRET_KEY``.

For links and tokens the server hands out and must recognise later without storing them
(a signed download URL, an unsubscribe link, a webhook's callback id). Each use names a
``purpose``, so a value signed for one purpose is refused for another, and a signature may
carry its age, so a link can expire. The cryptography is itsdangerous's (HMAC-SHA256 over a
key derived from the secret and the purpose), not ours.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import itsdangerous

from commerce.settings import Settings


class SignatureError(ValueError):
    """The value was not signed with this key for this purpose, or was altered."""


class SignatureExpired(SignatureError):
    """The signature is genuine but older than the allowed age."""


class Signer:
    """Signs and checks values for one purpose with one secret."""

    def __init__(self, secret_key: str, purpose: str) -> None:
        if not secret_key:
            raise ValueError("a signing key may not be empty")
        self._signer = itsdangerous.TimestampSigner(
            secret_key, salt=f"commerce.{purpose}", digest_method=hashlib.sha256)

    def sign(self, value: str) -> str:
        """``value`` plus its signing time and signature (URL-safe if ``value`` is)."""
        return self._signer.sign(value).decode()

    def unsign(self, signed: str, *, max_age: timedelta | None = None) -> str:
        """The value back, if the signature holds (and is at most ``max_age`` old)."""
        try:
            value = self._signer.unsign(
                signed, max_age=None if max_age is None else int(max_age.total_seconds()))
        except itsdangerous.SignatureExpired as exc:
            raise SignatureExpired(str(exc)) from None
        except itsdangerous.BadSignature as exc:
            raise SignatureError(str(exc)) from None
        return value.decode()


def signer(settings: Settings, purpose: str) -> Signer:
    """The signer for ``purpose`` under the server's secret (``COMMERCE_SECRET_KEY``)."""
    return Signer(settings.secret_key, purpose)
