"""Staff shipping and tax queries."""

from __future__ import annotations

import strawberry

from commerce.accounts.permissions import Permission
from commerce.api.graphql.context import Info
from commerce.api.graphql.pagination import After, Connection, First, bad_argument, connection
from commerce.api.graphql.permissions import require_any
from commerce.api.graphql.shipping.types import ShippingZone, TaxRate
from commerce.shared.pagination import PaginationError
from commerce.shipping import queries

# Who may read: those who manage them, and those whose work depends on them.
ZONE_READERS = (Permission.MANAGE_ORDERS, Permission.MANAGE_FULFILLMENT)
TAX_READERS = (Permission.MANAGE_ORDERS, Permission.MANAGE_ACCOUNTING)


@strawberry.type
class ShippingQuery:
    @strawberry.field(description="Shipping zones oldest first, with their methods and rates. "
                                  "Staff with MANAGE_ORDERS or MANAGE_FULFILLMENT. At most 100 "
                                  "per page.")
    async def shipping_zones(self, info: Info, first: First = 20,
                             after: After = None) -> Connection[ShippingZone]:
        await require_any(info.context, *ZONE_READERS)
        try:
            page = await queries.list_zones(info.context.reader, first=first, after=after)
        except PaginationError as exc:
            raise bad_argument(exc) from None
        return connection(page, ShippingZone.from_row)

    @strawberry.field(description="Tax rates by country, each country's own rate before its "
                                  "regions'. Staff with MANAGE_ORDERS or MANAGE_ACCOUNTING. At "
                                  "most 100 per page.")
    async def tax_rates(self, info: Info, first: First = 20,
                        after: After = None) -> Connection[TaxRate]:
        await require_any(info.context, *TAX_READERS)
        try:
            page = await queries.list_tax_rates(info.context.reader, first=first, after=after)
        except PaginationError as exc:
            raise bad_argument(exc) from None
        return connection(page, TaxRate.from_row)
