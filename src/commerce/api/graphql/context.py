"""The per-request context: settings, database reader, viewer and loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import strawberry

from commerce.accounts.authentication import bearer_token, viewer_for_token
from commerce.accounts.permissions import Permission
from commerce.accounts.viewer import Viewer
from commerce.db.database import Database, Reader
from commerce.settings import Settings
from commerce.shared.errors import AuthError

if TYPE_CHECKING:
    from commerce.api.graphql.loaders import Loaders

_UNSET: Any = object()


@dataclass(eq=False)
class Context:
    settings: Settings
    db: Database
    reader: Reader
    request_id: str
    client_ip: str
    # The Authorization header; over WebSocket, the one connection_init carried.
    authorization: str | None = None
    # A guest's order token presented by the transport (a WebSocket's connection_init
    # ``{"orderToken": ...}``, an SSE request's ``orderToken`` parameter): it grants reading
    # that one order's tracking, like ``orderByToken``.
    order_token: str | None = None
    # The SSE ``Last-Event-ID`` header a reconnecting EventSource sends (the last event's
    # ``id:``, i.e. a tracking version); subscriptions that resume use it when no
    # ``sinceVersion`` argument is given.
    last_event_id: str | None = None
    _viewer: Any = field(default=_UNSET, repr=False)

    @cached_property
    def loaders(self) -> Loaders:
        from commerce.api.graphql.loaders import Loaders  # imports the API types

        return Loaders(self.reader, self.viewer)

    def _token(self) -> str | None:
        return bearer_token(self.authorization)

    async def viewer(self) -> Viewer | None:
        """The signed-in user, or None (no token, or a token that is invalid or expired)."""
        if self._viewer is _UNSET:
            token = self._token()
            self._viewer = None if token is None else await viewer_for_token(self.reader, token)
        viewer: Viewer | None = self._viewer
        return viewer

    async def signed_out(self) -> bool:
        """A token was presented but signs nobody in now (revoked, expired, or the account
        disabled). Long-lived transports ask before each subscription event."""
        return self._token() is not None and await self.viewer() is None

    async def require_user(self) -> Viewer:
        viewer = await self.viewer()
        if viewer is None:
            message = ("the token is invalid or expired" if self._token()
                       else "sign in first: send Authorization: Bearer <token>")
            raise AuthError("UNAUTHENTICATED", message)
        return viewer

    async def require_staff(self, permission: Permission) -> Viewer:
        viewer = await self.require_user()
        if not viewer.has(permission):
            raise AuthError("FORBIDDEN", f"this needs the {permission.value} permission")
        return viewer

    async def can(self, permission: Permission) -> bool:
        viewer = await self.viewer()
        return viewer is not None and viewer.has(permission)


Info = strawberry.Info[Context, None]
