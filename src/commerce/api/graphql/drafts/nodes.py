"""Visibility of drafts through ``node(id:)``: staff with MANAGE_ORDERS, like draftOrder."""

from __future__ import annotations

from commerce.accounts.permissions import Permission
from commerce.api.graphql.context import Info
from commerce.api.graphql.drafts.types import DraftOrder


async def draft_node(info: Info, pk: int) -> DraftOrder | None:
    if not await info.context.can(Permission.MANAGE_ORDERS):
        return None
    return await info.context.loaders.draft_order_by_id.load(pk)
