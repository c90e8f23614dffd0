"""Payload errors (``UserError``) and the mapping from domain errors."""

from __future__ import annotations

from collections.abc import Sequence

import strawberry

from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, Problem

# strawberry.enum registers ErrorCode itself under the GraphQL name UserErrorCode.
strawberry.enum(ErrorCode, name="UserErrorCode",
                description="Why a mutation did not do what was asked.")


@strawberry.type(description="An expected failure a person can act on.")
class UserError:
    code: ErrorCode
    message: str
    field: list[str] | None = strawberry.field(
        default=None, description="Path inside the mutation's input, e.g. [\"lines\", \"0\"]."
    )


def user_errors(problems: Sequence[Problem]) -> list[UserError]:
    return [
        UserError(code=p.code, message=p.message,
                  field=list(p.field) if p.field is not None else None)
        for p in problems
    ]


def from_domain(error: DomainError) -> list[UserError]:
    return user_errors(error.problems)


def invalid_id(field: str, message: str) -> list[UserError]:
    return [UserError(code=ErrorCode.INVALID, message=message, field=[field])]
