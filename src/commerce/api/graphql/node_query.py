"""``node(id:)``: any object by its global ID, with the same visibility as its own query."""

from __future__ import annotations

from typing import Annotated

import strawberry

from commerce.accounts.permissions import Permission
from commerce.api.graphql.accounts.nodes import account_node
from commerce.api.graphql.context import Info
from commerce.api.graphql.discounts.nodes import discount_node
from commerce.api.graphql.drafts.nodes import draft_node
from commerce.api.graphql.node import Node
from commerce.api.graphql.permissions import can_any
from commerce.api.graphql.shipping import nodes as shipping_nodes
from commerce.shared.ids import InvalidIdError, decode_id


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Fetch any object by its ID; null when it is not visible.")
    async def node(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="A global ID as returned in any `id` field.")]) -> Node | None:
        try:
            type_name, raw_pk = decode_id(str(id))
            pk = int(raw_pk)
        except (InvalidIdError, ValueError):
            return None
        loaders = info.context.loaders
        # Products, variants and orders: their loaders filter by the viewer.
        if type_name == "Product":
            return await loaders.product_by_id.load(pk)
        if type_name == "ProductVariant":
            return await loaders.variant_by_id.load(pk)
        if type_name == "Category":
            return await loaders.category_by_id.load(pk)
        if type_name == "Collection":
            return await loaders.collection_by_id.load(pk)
        if type_name == "Warehouse":
            if not await can_any(info.context, Permission.MANAGE_INVENTORY,
                                 Permission.MANAGE_CATALOG):
                return None
            return await loaders.warehouse_by_id.load(pk)
        if type_name in ("User", "Address"):
            return await account_node(info, type_name, pk)
        if type_name == "Order":
            return await loaders.order_by_id.load(pk)
        if type_name in shipping_nodes.TYPES:
            return await shipping_nodes.shipping_node(info, type_name, pk)
        if type_name == "DiscountCode":
            return await discount_node(info, pk)
        if type_name == "Customer":
            if not await info.context.can(Permission.MANAGE_CUSTOMERS):
                return None
            return await loaders.customer_by_id.load(pk)
        if type_name == "Fulfillment":
            if not await info.context.can(Permission.MANAGE_FULFILLMENT):
                return None
            return await loaders.fulfillment_by_id.load(pk)
        if type_name == "Return":
            found = await loaders.return_by_id.load(pk)
            # Staff handling returns, or whoever may read its order (its customer).
            if found is None or await info.context.can(Permission.MANAGE_RETURNS):
                return found
            return found if await loaders.order_by_id.load(found.order_pk) else None
        if type_name == "DraftOrder":
            return await draft_node(info, pk)
        return None
