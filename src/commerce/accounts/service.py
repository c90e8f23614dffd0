"""Account use cases: register, sign in and out, profile and password.

Address and staff use cases live in ``addresses.py`` and ``staff.py``; ``upsert_staff`` is
re-exported here for the CLI. Argon2 hashing is slow on purpose, so it runs in a worker
thread (argon2-cffi releases the GIL) and never inside a write transaction, which would hold
SQLite's single write lock for the duration.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from commerce.accounts import throttle
from commerce.accounts.lookups import email_exists, email_taken
from commerce.accounts.passwords import hash_password, needs_rehash, verify_password
from commerce.accounts.rules import check_email, check_name, check_new_password, normalise_email
from commerce.accounts.staff import create_staff, update_staff, upsert_staff
from commerce.accounts.tokens import hash_token, new_token
from commerce.db.database import Database
from commerce.db.models import AuthToken, User
from commerce.settings import Settings
from commerce.shared.clock import utcnow
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, Problems

__all__ = [
    "IssuedToken", "change_password", "create_staff", "create_token",
    "register_customer", "revoke_token", "update_me", "update_staff", "upsert_staff",
]

_BAD_CREDENTIALS = "the e-mail address or password is wrong"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    user_id: int
    expires_at: datetime


async def register_customer(db: Database, *, email: str, password: str, first_name: str = "",
                            last_name: str = "") -> int:
    problems = Problems()
    email = check_email(problems, email, ["email"])
    check_new_password(problems, password, ["password"])
    first_name = check_name(problems, first_name, ["firstName"])
    last_name = check_name(problems, last_name, ["lastName"])
    problems.raise_if_any()
    password_hash = await asyncio.to_thread(hash_password, password)
    user = User(email=email, password_hash=password_hash, first_name=first_name,
                last_name=last_name, is_staff=False, is_superuser=False, is_active=True,
                permissions=[])
    try:
        async with db.transaction() as session:
            if await email_exists(session, email):
                raise email_taken(["email"])
            session.add(user)
    except IntegrityError:  # a concurrent registration won the unique index
        raise email_taken(["email"]) from None
    return user.id


async def create_token(db: Database, email: str, password: str, client_ip: str,
                       settings: Settings) -> IssuedToken:
    """Sign in: check the password (throttled, see ``throttle``) and issue a bearer token."""
    address = normalise_email(email)
    limits = throttle.sign_in_limits(address, client_ip, settings)
    now = utcnow()
    async with db.transaction() as session:
        attempt_ids = await throttle.record_attempt(session, db.dialect, limits, settings, now)
        user = (await session.execute(
            select(User.id, User.password_hash, User.is_active).where(User.email == address)
        )).first()
    # An unknown address is verified against a dummy hash, so it takes as long as a real one.
    valid = await asyncio.to_thread(verify_password, user.password_hash if user else None,
                                    password)
    if user is None or not valid:
        raise DomainError.one(ErrorCode.INVALID_CREDENTIALS, _BAD_CREDENTIALS)
    if not user.is_active:
        raise DomainError.one(ErrorCode.ACCOUNT_DISABLED, "this account has been disabled")
    token = new_token()
    expires_at = now + timedelta(hours=settings.token_ttl_hours)
    rehashed = (await asyncio.to_thread(hash_password, password)
                if needs_rehash(user.password_hash) else None)
    async with db.transaction() as session:
        session.add(AuthToken(user_id=user.id, token_hash=hash_token(token), created_at=now,
                              expires_at=expires_at))
        await throttle.forgive(session, attempt_ids, address, client_ip)
        if rehashed is not None:
            await session.execute(update(User).where(User.id == user.id)
                                  .values(password_hash=rehashed))
    return IssuedToken(token=token, user_id=user.id, expires_at=expires_at)


async def revoke_token(db: Database, user_id: int, token_id: int, *, all_tokens: bool) -> int:
    """Revoke the current token, or every live token of the user. Returns how many."""
    statement = (update(AuthToken)
                 .where(AuthToken.user_id == user_id, AuthToken.revoked_at.is_(None))
                 .values(revoked_at=utcnow()))
    if not all_tokens:
        statement = statement.where(AuthToken.id == token_id)
    async with db.transaction() as session:
        result = await session.execute(statement)
    return int(result.rowcount)  # type: ignore[attr-defined]


async def update_me(db: Database, user_id: int, *, email: str | None = None,
                    first_name: str | None = None, last_name: str | None = None) -> None:
    problems = Problems()
    values: dict[str, str] = {}
    if email is not None:
        values["email"] = check_email(problems, email, ["email"])
    if first_name is not None:
        values["first_name"] = check_name(problems, first_name, ["firstName"])
    if last_name is not None:
        values["last_name"] = check_name(problems, last_name, ["lastName"])
    problems.raise_if_any()
    if not values:
        return
    try:
        async with db.transaction() as session:
            if "email" in values and await email_exists(session, values["email"],
                                                         except_user=user_id):
                raise email_taken(["email"])
            await session.execute(update(User).where(User.id == user_id).values(**values))
    except IntegrityError:
        raise email_taken(["email"]) from None


async def change_password(db: Database, user_id: int, token_id: int, *, old_password: str,
                          new_password: str, client_ip: str, settings: Settings) -> None:
    """Change the password and revoke every other token of the user.

    Checking the old password is a password guess like any sign-in (a stolen token must not
    become an unthrottled oracle), so it is throttled the same way.
    """
    problems = Problems()
    check_new_password(problems, new_password, ["newPassword"])
    problems.raise_if_any()
    now = utcnow()
    async with db.transaction() as session:
        row = (await session.execute(
            select(User.email, User.password_hash).where(User.id == user_id))).one()
        attempt_ids = await throttle.record_attempt(
            session, db.dialect, throttle.sign_in_limits(row.email, client_ip, settings),
            settings, now)
    if not await asyncio.to_thread(verify_password, row.password_hash, old_password):
        raise DomainError.one(ErrorCode.PASSWORD_INCORRECT, "the current password is wrong",
                              ["oldPassword"])
    new_hash = await asyncio.to_thread(hash_password, new_password)
    async with db.transaction() as session:
        # Only if nobody changed the password meanwhile (the old one was checked against it).
        changed = await session.execute(
            update(User).where(User.id == user_id, User.password_hash == row.password_hash)
            .values(password_hash=new_hash))
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            raise DomainError.one(ErrorCode.PASSWORD_INCORRECT,
                                  "the password was changed meanwhile; try again",
                                  ["oldPassword"])
        await session.execute(
            update(AuthToken)
            .where(AuthToken.user_id == user_id, AuthToken.id != token_id,
                   AuthToken.revoked_at.is_(None))
            .values(revoked_at=now))
        await throttle.forgive(session, attempt_ids, row.email, client_ip)
