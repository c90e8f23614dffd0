"""Turning unique-constraint races into the same payload error a pre-check would give."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError


@contextmanager
def unique_violations(message: str, field: Sequence[str] | None = None) -> Iterator[None]:
    """Wrap a whole transaction: a concurrent writer that took the same unique value wins,
    and this caller gets DUPLICATE instead of an internal error."""
    try:
        yield
    except IntegrityError as exc:
        text = str(exc.orig).lower()
        if "unique" not in text and "duplicate" not in text:
            raise
        raise DomainError.one(ErrorCode.DUPLICATE, message, field) from None
