"""Small lookups shared by the account use cases, run inside their unit of work."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.models import User
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError


def email_taken(field: Sequence[str]) -> DomainError:
    return DomainError.one(ErrorCode.DUPLICATE, "an account with this e-mail already exists",
                           field)


async def email_exists(session: AsyncSession, email: str, except_user: int | None = None
                       ) -> bool:
    statement = select(User.id).where(User.email == email)
    if except_user is not None:
        statement = statement.where(User.id != except_user)
    return (await session.execute(statement.limit(1))).first() is not None
