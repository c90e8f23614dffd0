"""Staff fraud queries (MANAGE_ORDERS): the review queue and the blocklist."""

from __future__ import annotations

from typing import Annotated

import strawberry

from commerce.accounts.permissions import Permission
from commerce.api.graphql.context import Info
from commerce.api.graphql.fraud.types import BlocklistEntry
from commerce.api.graphql.orders.types import Order, OrderConnection, prefetch_orders
from commerce.api.graphql.pagination import After, Connection, First, bad_argument, connection
from commerce.api.graphql.prefetch import connection_nodes
from commerce.fraud import queries as fraud
from commerce.fraud.signals import BlocklistKind
from commerce.shared.pagination import PaginationError


@strawberry.type
class FraudQuery:
    @strawberry.field(description="Orders held for fraud review (risk IN_REVIEW, order "
                                  "ON_HOLD), oldest first: decide each with "
                                  "`orderRiskApprove` or `orderRiskReject`. Needs "
                                  "MANAGE_ORDERS. At most 100 per page.")
    async def fraud_review_queue(self, info: Info, first: First = 20,
                                 after: After = None) -> OrderConnection:
        ctx = info.context
        await ctx.require_staff(Permission.MANAGE_ORDERS)
        try:
            page = await fraud.review_queue(ctx.reader, first=first, after=after)
        except PaginationError as exc:
            raise bad_argument(exc) from None
        result = OrderConnection.of(connection(page, Order.from_row))
        await prefetch_orders(info, result.nodes, connection_nodes(info))
        return result

    @strawberry.field(description="Blocklist entries, newest first. Needs MANAGE_ORDERS.")
    async def blocklist_entries(self, info: Info, first: First = 20, after: After = None,
                                kind: Annotated[BlocklistKind | None, strawberry.argument(
                                    description="Only entries of this kind.")] = None,
                                ) -> Connection[BlocklistEntry]:
        ctx = info.context
        await ctx.require_staff(Permission.MANAGE_ORDERS)
        try:
            page = await fraud.blocklist_entries(ctx.reader, kind=kind, first=first,
                                                 after=after)
        except PaginationError as exc:
            raise bad_argument(exc) from None
        return connection(page, BlocklistEntry.from_row)
