"""``node(id:)`` for discount codes: readers of ``discountCodes`` only."""

from __future__ import annotations

from commerce.api.graphql.context import Info
from commerce.api.graphql.discounts.queries import READERS
from commerce.api.graphql.discounts.types import DiscountCode
from commerce.api.graphql.permissions import can_any


async def discount_node(info: Info, pk: int) -> DiscountCode | None:
    if not await can_any(info.context, *READERS):
        return None
    return await info.context.loaders.discount_code_by_id.load(pk)
