"""Keyset pagination cursors: the sort key of the last row seen, opaque to clients."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson


class InvalidCursorError(ValueError):
    """A cursor that was not issued by us for this ordering."""


def encode_cursor(sort: str, values: tuple[Any, ...]) -> str:
    raw = orjson.dumps([sort, *values])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str, arity: int) -> tuple[Any, ...]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        raise InvalidCursorError("malformed cursor") from None
    if not isinstance(data, list) or len(data) != arity + 1 or data[0] != sort:
        raise InvalidCursorError("cursor does not match this ordering")
    return tuple(data[1:])
