"""Staff accounts: created and changed by staff with MANAGE_STAFF, or by the CLI.

Who may grant what is decided by ``rules.grant_problems``; this module only loads the
accounts involved and writes the result.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from commerce.accounts.lookups import email_exists, email_taken
from commerce.accounts.passwords import hash_password
from commerce.accounts.permissions import Permission
from commerce.accounts.rules import (
    check_email,
    check_name,
    check_new_password,
    grant_problems,
    parse_permissions,
)
from commerce.accounts.viewer import Viewer
from commerce.db.database import Database
from commerce.db.models import User
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, Problems


def _known(names: Sequence[str]) -> frozenset[Permission]:
    values = {p.value for p in Permission}
    return frozenset(Permission(n) for n in names if n in values)


async def create_staff(db: Database, actor: Viewer, *, email: str, password: str,
                       first_name: str = "", last_name: str = "",
                       permissions: Sequence[Permission] = (), is_superuser: bool = False,
                       is_active: bool = True) -> int:
    problems = Problems()
    email = check_email(problems, email, ["email"])
    check_new_password(problems, password, ["password"])
    first_name = check_name(problems, first_name, ["firstName"])
    last_name = check_name(problems, last_name, ["lastName"])
    granted = frozenset(permissions)
    problems.items.extend(grant_problems(
        actor_superuser=actor.is_superuser, actor_permissions=actor.permissions,
        target_superuser=False, target_permissions=frozenset(),
        new_superuser=is_superuser, new_permissions=granted).items)
    problems.raise_if_any()
    password_hash = await asyncio.to_thread(hash_password, password)
    user = User(email=email, password_hash=password_hash, first_name=first_name,
                last_name=last_name, is_staff=True, is_superuser=is_superuser,
                is_active=is_active, permissions=sorted(p.value for p in granted))
    try:
        async with db.transaction() as session:
            if await email_exists(session, email):
                raise email_taken(["email"])
            session.add(user)
    except IntegrityError:
        raise email_taken(["email"]) from None
    return user.id


async def update_staff(db: Database, actor: Viewer, user_id: int, *, email: str | None = None,
                       password: str | None = None, first_name: str | None = None,
                       last_name: str | None = None,
                       permissions: Sequence[Permission] | None = None,
                       is_superuser: bool | None = None, is_active: bool | None = None) -> None:
    problems = Problems()
    values: dict[str, Any] = {}
    if email is not None:
        values["email"] = check_email(problems, email, ["email"])
    if password is not None:
        check_new_password(problems, password, ["password"])
    if first_name is not None:
        values["first_name"] = check_name(problems, first_name, ["firstName"])
    if last_name is not None:
        values["last_name"] = check_name(problems, last_name, ["lastName"])
    if user_id == actor.user_id and is_active is False:
        problems.add(ErrorCode.INVALID, "you cannot disable your own account", ["isActive"])
    problems.raise_if_any()
    if password is not None:
        values["password_hash"] = await asyncio.to_thread(hash_password, password)
    try:
        async with db.transaction() as session:
            target = (await session.execute(
                select(User.is_staff, User.is_superuser, User.permissions)
                .where(User.id == user_id).with_for_update())).first()
            if target is None or not target.is_staff:
                raise DomainError.one(ErrorCode.NOT_FOUND, "no such staff user", ["id"])
            current = _known(target.permissions)
            new = current if permissions is None else frozenset(permissions)
            grant_problems(
                actor_superuser=actor.is_superuser, actor_permissions=actor.permissions,
                target_superuser=target.is_superuser, target_permissions=current,
                new_superuser=bool(is_superuser) and not target.is_superuser,
                new_permissions=new).raise_if_any()
            if "email" in values and await email_exists(session, values["email"],
                                                        except_user=user_id):
                raise email_taken(["email"])
            if permissions is not None:
                values["permissions"] = sorted(p.value for p in new)
            if is_superuser is not None:
                values["is_superuser"] = is_superuser
            if is_active is not None:
                values["is_active"] = is_active
            if values:
                await session.execute(update(User).where(User.id == user_id).values(**values))
    except IntegrityError:
        raise email_taken(["email"]) from None


async def upsert_staff(db: Database, email: str, password: str, permissions: Sequence[str],
                       superuser: bool) -> str:
    """Create or update a staff account (``commerce create-staff``); returns a summary line.

    Raises ``ValueError`` with a readable message for a bad e-mail, password or permission.
    """
    problems = Problems()
    address = check_email(problems, email, ["email"])
    check_new_password(problems, password, ["password"])
    if problems:
        raise ValueError("; ".join(f"--{p.field[0] if p.field else 'value'}: {p.message}"
                                   for p in problems.items))
    granted = [p.value for p in parse_permissions(permissions)]
    password_hash = await asyncio.to_thread(hash_password, password)
    values = {"password_hash": password_hash, "is_staff": True, "is_superuser": superuser,
              "is_active": True, "permissions": granted}
    async with db.transaction() as session:
        existing = (await session.execute(
            select(User.id).where(User.email == address))).scalar_one_or_none()
        if existing is None:
            session.add(User(email=address, **values))
            verb = "created"
        else:
            await session.execute(update(User).where(User.id == existing).values(**values))
            verb = "updated"
    powers = "superuser" if superuser else (
        "permissions " + ", ".join(granted) if granted else "no permissions")
    return f"{verb} staff user {address} ({powers})"
