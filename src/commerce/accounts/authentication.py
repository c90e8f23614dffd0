"""Resolve a bearer token to a ``Viewer`` (one indexed query)."""

from __future__ import annotations

from sqlalchemy import select

from commerce.accounts.permissions import Permission
from commerce.accounts.tokens import hash_token
from commerce.accounts.viewer import Viewer
from commerce.db.database import Reader
from commerce.db.models import AuthToken, User
from commerce.shared.clock import utcnow

_VIEWER_BY_TOKEN = (
    select(User.id, User.email, User.is_staff, User.is_superuser, User.permissions,
           AuthToken.id.label("token_id"), AuthToken.expires_at, AuthToken.revoked_at)
    .join(AuthToken, AuthToken.user_id == User.id)
    .where(User.is_active.is_(True))
)


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def viewer_for_token(reader: Reader, token: str) -> Viewer | None:
    row = await reader.first(_VIEWER_BY_TOKEN.where(AuthToken.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    known = {p.value for p in Permission}
    return Viewer(
        user_id=row.id,
        email=row.email,
        is_staff=row.is_staff,
        is_superuser=row.is_superuser,
        permissions=frozenset(Permission(p) for p in row.permissions if p in known),
        token_id=row.token_id,
    )
