"""Reading back what a mutation wrote, past this request's loader caches."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from strawberry.dataloader import DataLoader

from commerce.api.graphql.accounts.types import Address, User
from commerce.api.graphql.context import Context


def forget(loader: DataLoader[Any, Any], key: Any) -> None:
    with suppress(KeyError):  # strawberry's cache raises for a key it never loaded
        loader.clear(key)


async def fresh_user(ctx: Context, pk: int) -> User | None:
    """The user as committed, not as a query earlier in this request may have cached it."""
    forget(ctx.loaders.user_by_id, pk)
    forget(ctx.loaders.addresses_by_user_id, pk)
    return await ctx.loaders.user_by_id.load(pk)


async def fresh_address(ctx: Context, user_id: int, address_id: int) -> Address | None:
    forget(ctx.loaders.addresses_by_user_id, user_id)
    book = await ctx.loaders.addresses_by_user_id.load(user_id)
    return next((a for a in book if a.pk == address_id), None)
