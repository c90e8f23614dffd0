"""Return queries: the staff queue (MANAGE_RETURNS) and a customer's own returns
(``User.returns``, i.e. ``me { returns }``)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from commerce.accounts.permissions import Permission
from commerce.api.graphql.context import Info
from commerce.api.graphql.pagination import After, First, bad_argument, connection
from commerce.api.graphql.returns.types import Return, ReturnConnection
from commerce.returns import queries
from commerce.returns.rules import ReturnStatus
from commerce.shared.pagination import PaginationError


@strawberry.input(description="Which returns to list.")
class ReturnFilter:
    status: ReturnStatus | None = strawberry.field(
        default=None, description="Only returns in this status (e.g. REQUESTED: requests "
                                  "waiting for a decision).")


async def returns_page(info: Info, *, status: ReturnStatus | None, user_id: int | None,
                       first: int | None, after: str | None) -> ReturnConnection:
    try:
        page = await queries.return_page(info.context.reader,
                                         status=status.value if status else None,
                                         user_id=user_id, first=first, after=after)
    except PaginationError as exc:
        raise bad_argument(exc) from None
    return ReturnConnection.of(connection(page, Return.from_row))


async def returns_of_user(info: Info, user_id: int, first: int | None, after: str | None
                          ) -> ReturnConnection:
    """``User.returns``: a customer's own, or any customer's for MANAGE_RETURNS staff."""
    viewer = await info.context.viewer()
    if viewer is None or viewer.user_id != user_id:
        await info.context.require_staff(Permission.MANAGE_RETURNS)
    return await returns_page(info, status=None, user_id=user_id, first=first, after=after)


@strawberry.type
class ReturnsQuery:
    @strawberry.field(description="Returns oldest first: the staff's return queue. Needs "
                                  "MANAGE_RETURNS. At most 100 per page.")
    async def returns(self, info: Info, first: First = 20, after: After = None,
                      filter: Annotated[ReturnFilter | None, strawberry.argument(
                          description="Which returns to list.")] = None,
                      ) -> ReturnConnection:
        await info.context.require_staff(Permission.MANAGE_RETURNS)
        return await returns_page(info, status=filter.status if filter else None,
                                  user_id=None, first=first, after=after)
