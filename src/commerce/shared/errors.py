"""Domain errors: plain exceptions with a stable code, mapped to ``UserError`` by the API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from commerce.shared.error_codes import ErrorCode


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input; ``field`` is the path inside the mutation's input."""

    code: ErrorCode
    message: str
    field: tuple[str, ...] | None = None


class DomainError(Exception):
    """An expected failure of a use case; carries one or more problems."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)

    @classmethod
    def one(cls, code: ErrorCode, message: str, field: Sequence[str] | None = None) -> DomainError:
        return cls([Problem(code, message, tuple(field) if field is not None else None)])


@dataclass(slots=True)
class Problems:
    """Collects validation problems so a use case can report all of them at once."""

    items: list[Problem] = field(default_factory=list)

    def add(self, code: ErrorCode, message: str, field: Sequence[str] | None = None) -> None:
        self.items.append(Problem(code, message, tuple(field) if field is not None else None))

    def raise_if_any(self) -> None:
        if self.items:
            raise DomainError(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


class AuthError(Exception):
    """Authentication/authorization failure; becomes a top-level error."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class RateLimitedError(Exception):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
