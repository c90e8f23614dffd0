"""Permission checks that need more than ``Context.require_staff`` (one permission)."""

from __future__ import annotations

from commerce.accounts.permissions import Permission
from commerce.accounts.viewer import Viewer
from commerce.api.graphql.context import Context
from commerce.shared.errors import AuthError


async def require_any(ctx: Context, *permissions: Permission) -> Viewer:
    """The viewer, who must hold at least one of ``permissions`` (top-level error if not)."""
    viewer = await ctx.require_user()
    if not any(viewer.has(p) for p in permissions):
        names = " or ".join(p.value for p in permissions)
        raise AuthError("FORBIDDEN", f"this needs the {names} permission")
    return viewer


async def can_any(ctx: Context, *permissions: Permission) -> bool:
    viewer = await ctx.viewer()
    return viewer is not None and any(viewer.has(p) for p in permissions)
