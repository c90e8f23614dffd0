"""``node(id:)`` for shipping zones, methods and tax rates: readers of their queries only."""

from __future__ import annotations

from commerce.api.graphql.context import Info
from commerce.api.graphql.node import Node
from commerce.api.graphql.permissions import can_any
from commerce.api.graphql.shipping.queries import TAX_READERS, ZONE_READERS

TYPES = ("ShippingZone", "ShippingMethod", "TaxRate")


async def shipping_node(info: Info, type_name: str, pk: int) -> Node | None:
    loaders = info.context.loaders
    if type_name == "TaxRate":
        return await loaders.tax_rate_by_id.load(pk) \
            if await can_any(info.context, *TAX_READERS) else None
    if not await can_any(info.context, *ZONE_READERS):
        return None
    if type_name == "ShippingZone":
        return await loaders.shipping_zone_by_id.load(pk)
    return await loaders.shipping_method_by_id.load(pk)
