"""Account test helpers: users and tokens written straight to the database.

Argon2 is slow by design (~0.1 s a hash), so each distinct password is hashed once per test
session, and tokens for tests that are not about signing in are inserted directly.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import timedelta

from commerce.accounts.passwords import hash_password
from commerce.accounts.permissions import Permission
from commerce.accounts.tokens import hash_token, new_token
from commerce.db.database import Database
from commerce.db.models import AuthToken, User
from commerce.shared.clock import utcnow

PASSWORD = "correct-horse"


@functools.cache
def password_hash(password: str) -> str:
    return hash_password(password)


async def make_user(db: Database, email: str = "ann@example.com", *,
                    password: str = PASSWORD, staff: bool = False, superuser: bool = False,
                    permissions: Sequence[Permission] = (), active: bool = True,
                    first_name: str = "Ann", last_name: str = "Lee") -> int:
    async with db.transaction() as session:
        user = User(email=email, password_hash=password_hash(password), first_name=first_name,
                    last_name=last_name, is_staff=staff or superuser or bool(permissions),
                    is_superuser=superuser,
                    is_active=active, permissions=sorted(p.value for p in permissions))
        session.add(user)
    return user.id


async def make_token(db: Database, user_id: int) -> str:
    token = new_token()
    async with db.transaction() as session:
        session.add(AuthToken(user_id=user_id, token_hash=hash_token(token),
                              expires_at=utcnow() + timedelta(hours=1)))
    return token


async def user_with_token(db: Database, email: str = "ann@example.com", **kwargs: object
                          ) -> tuple[int, str]:
    user_id = await make_user(db, email, **kwargs)  # type: ignore[arg-type]
    return user_id, await make_token(db, user_id)
