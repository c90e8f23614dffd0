"""Visibility of accounts through ``node(id:)``: the same as through their own queries."""

from __future__ import annotations

from commerce.accounts.permissions import Permission
from commerce.api.graphql.accounts.types import Address, User
from commerce.api.graphql.context import Info


async def account_node(info: Info, type_name: str, pk: int) -> User | Address | None:
    """A user is visible to itself, to MANAGE_STAFF if staff, to MANAGE_CUSTOMERS if not;
    an address only to its owner. Anything else is null, as if it did not exist."""
    ctx = info.context
    viewer = await ctx.viewer()
    if viewer is None:
        return None
    if type_name == "Address":
        address = await ctx.loaders.address_by_id.load(pk)
        return address if address is not None and address.user_id == viewer.user_id else None
    user = await ctx.loaders.user_by_id.load(pk)
    if user is None or user.pk == viewer.user_id:
        return user
    needed = Permission.MANAGE_STAFF if user.is_staff else Permission.MANAGE_CUSTOMERS
    return user if viewer.has(needed) else None
