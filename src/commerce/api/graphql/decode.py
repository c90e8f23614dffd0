"""Turning mutation input values into domain values, with errors that name the field.

Each helper raises ``DomainError`` (code INVALID, ``field`` = path inside ``input``), which
the resolver returns as payload ``errors`` like any other expected failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError
from commerce.shared.ids import InvalidIdError, decode_int_id
from commerce.shared.money import MoneyError, parse_amount


def pk(global_id: str, type_name: str, field: Sequence[str]) -> int:
    try:
        return decode_int_id(str(global_id), type_name)
    except InvalidIdError as exc:
        raise DomainError.one(ErrorCode.INVALID, str(exc), field) from None


def optional_pk(global_id: str | None, type_name: str, field: Sequence[str]) -> int | None:
    return None if global_id is None else pk(global_id, type_name, field)


def money(amount: str, currency: str, field: Sequence[str]) -> int:
    try:
        minor = parse_amount(amount, currency)
    except MoneyError as exc:
        raise DomainError.one(ErrorCode.INVALID, str(exc), field) from None
    if minor < 0:
        raise DomainError.one(ErrorCode.INVALID, "must not be negative", field)
    return minor


def optional_money(amount: str | None, currency: str, field: Sequence[str]) -> int | None:
    return None if amount is None else money(amount, currency, field)


def optional_instant(moment: datetime | None, field: Sequence[str]) -> datetime | None:
    """An instant with its offset; a date-time without one is ambiguous (whose midnight?)
    and is refused rather than guessed."""
    if moment is not None and (moment.tzinfo is None or moment.utcoffset() is None):
        raise DomainError.one(ErrorCode.INVALID,
                              "give a time zone offset, e.g. 2026-12-01T00:00:00Z", field)
    return moment
