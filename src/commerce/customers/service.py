"""Staff use cases on customer accounts: notes, profile changes, enabling and disabling."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.accounts.lookups import email_exists, email_taken
from commerce.accounts.rules import check_email, check_name
from commerce.db.database import Database
from commerce.db.models import AuthToken, CustomerNote, User
from commerce.shared.clock import utcnow
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, Problems

MAX_NOTE = 5000


def _check_text(problems: Problems, raw: str, field: str, *, required: bool) -> str:
    text = raw.strip()
    if required and not text:
        problems.add(ErrorCode.REQUIRED, "write something", [field])
    elif len(text) > MAX_NOTE:
        problems.add(ErrorCode.INVALID, f"must be at most {MAX_NOTE} characters", [field])
    return text


async def _lock_customer(session: AsyncSession, customer_id: int, field: str) -> None:
    """The customer's row, locked; staff accounts are not customers (NOT_FOUND)."""
    statement = select(User.is_staff).where(User.id == customer_id)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    row = (await session.execute(statement)).first()
    if row is None or row.is_staff:
        raise DomainError.one(ErrorCode.NOT_FOUND, "no such customer", [field])


async def add_note(db: Database, customer_id: int, *, author_id: int, message: str) -> int:
    """Append a staff note to the customer's record; returns the note's id."""
    problems = Problems()
    text = _check_text(problems, message, "message", required=True)
    problems.raise_if_any()
    async with db.transaction() as session:
        await _lock_customer(session, customer_id, "customerId")
        note_id: int = (await session.execute(
            insert(CustomerNote).values(user_id=customer_id, author_id=author_id,
                                        message=text, created_at=utcnow())
            .returning(CustomerNote.id))).scalar_one()
    return note_id


async def update_customer(db: Database, customer_id: int, *, email: str | None = None,
                          first_name: str | None = None, last_name: str | None = None,
                          is_active: bool | None = None, note: str | None = None) -> None:
    """Change a customer's profile or status. Disabling signs the customer out everywhere:
    every live token is revoked, so re-enabling does not bring old sessions back."""
    problems = Problems()
    values: dict[str, Any] = {}
    if email is not None:
        values["email"] = check_email(problems, email, ["email"])
    if first_name is not None:
        values["first_name"] = check_name(problems, first_name, ["firstName"])
    if last_name is not None:
        values["last_name"] = check_name(problems, last_name, ["lastName"])
    if note is not None:
        values["note"] = _check_text(problems, note, "note", required=False)
    if is_active is not None:
        values["is_active"] = is_active
    problems.raise_if_any()
    try:
        async with db.transaction() as session:
            await _lock_customer(session, customer_id, "id")
            if "email" in values and await email_exists(session, values["email"],
                                                        except_user=customer_id):
                raise email_taken(["email"])
            if values:
                await session.execute(update(User).where(User.id == customer_id)
                                      .values(**values))
            if is_active is False:
                await session.execute(
                    update(AuthToken)
                    .where(AuthToken.user_id == customer_id, AuthToken.revoked_at.is_(None))
                    .values(revoked_at=utcnow()))
    except IntegrityError:
        # Two staff giving two customers the same address at once: the unique index decides.
        raise email_taken(["email"]) from None
