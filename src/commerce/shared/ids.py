"""Global object IDs: base64url of "<Type>:<pk>", opaque to clients."""

from __future__ import annotations

import base64
import binascii


class InvalidIdError(ValueError):
    """An ID that is malformed or names another type."""


def encode_id(type_name: str, pk: int | str) -> str:
    raw = f"{type_name}:{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_id(global_id: str) -> tuple[str, str]:
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        raw = base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidIdError(f"{global_id!r} is not a valid ID") from None
    type_name, sep, pk = raw.partition(":")
    if not sep or not type_name or not pk:
        raise InvalidIdError(f"{global_id!r} is not a valid ID")
    return type_name, pk


def decode_int_id(global_id: str, expected_type: str) -> int:
    """Decode an ID that must belong to ``expected_type`` and carry an integer key."""
    type_name, pk = decode_id(global_id)
    if type_name != expected_type:
        raise InvalidIdError(f"{global_id!r} is not a {expected_type} ID")
    try:
        return int(pk)
    except ValueError:
        raise InvalidIdError(f"{global_id!r} is not a valid ID") from None
