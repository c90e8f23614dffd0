"""Staff discount code queries."""

from __future__ import annotations

from typing import Annotated

import strawberry

from commerce.accounts.permissions import Permission
from commerce.api.graphql.context import Info
from commerce.api.graphql.discounts.types import DiscountCode
from commerce.api.graphql.pagination import After, Connection, First, bad_argument, connection
from commerce.api.graphql.permissions import require_any
from commerce.discounts import queries
from commerce.shared.clock import utcnow
from commerce.shared.pagination import PaginationError

# Order staff see codes too: they apply them to draft orders and answer customers about them.
READERS = (Permission.MANAGE_CATALOG, Permission.MANAGE_ORDERS)


@strawberry.input(description="Conditions discount codes must meet; all given must hold.")
class DiscountCodeFilter:
    search: str | None = strawberry.field(default=None, description="Part of the code.")
    active: bool | None = strawberry.field(
        default=None, description="true: usable now (active, in its window, not used up); "
                                  "false: the others.")


@strawberry.type
class DiscountQuery:
    @strawberry.field(description="Discount codes in alphabetical order. Staff with "
                                  "MANAGE_CATALOG or MANAGE_ORDERS. At most 100 per page.")
    async def discount_codes(self, info: Info, first: First = 20, after: After = None,
                             filter: Annotated[DiscountCodeFilter | None, strawberry.argument(
                                 description="Conditions the codes must meet.")] = None,
                             ) -> Connection[DiscountCode]:
        await require_any(info.context, *READERS)
        flt = filter or DiscountCodeFilter()
        try:
            page = await queries.list_discounts(
                info.context.reader, queries.DiscountFilter(flt.search, flt.active),
                now=utcnow(), first=first, after=after)
        except PaginationError as exc:
            raise bad_argument(exc) from None
        return connection(page, DiscountCode.from_row)
