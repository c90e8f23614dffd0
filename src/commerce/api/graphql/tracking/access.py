"""Who may follow an order's tracking: whoever may read the order (DESIGN §4)."""

from __future__ import annotations

from commerce.accounts.permissions import Permission
from commerce.api.graphql.context import Context
from commerce.shared.errors import AuthError
from commerce.shared.ids import InvalidIdError, decode_int_id
from commerce.tracking import queries as tracking

NOT_YOURS = "you may not follow this order"


async def followable_order(ctx: Context, order_id: str) -> int:
    """The order's pk when the viewer may read it: its owner, staff with MANAGE_ORDERS
    (the owner-filtered loader), or the guest holding its token. Anything else, an unknown
    order included, is FORBIDDEN: the answer must not tell whether the order exists."""
    if await ctx.signed_out():
        raise AuthError("UNAUTHENTICATED", "the token is invalid or expired: sign in again")
    try:
        pk = decode_int_id(order_id, "Order")
    except InvalidIdError:
        raise AuthError("FORBIDDEN", NOT_YOURS) from None
    if await ctx.loaders.order_by_id.load(pk) is not None:
        return pk
    if ctx.order_token and await tracking.order_id_for_token(ctx.reader, ctx.order_token) == pk:
        return pk
    raise AuthError("FORBIDDEN", NOT_YOURS)


async def require_dashboard(ctx: Context) -> None:
    await ctx.require_staff(Permission.MANAGE_ORDERS)


def resume_version(since_version: int | None, last_event_id: str | None) -> int | None:
    """Where a stream resumes: ``sinceVersion``, else an SSE ``Last-Event-ID`` that is a
    whole number (anything else is ignored: a fresh stream with a snapshot)."""
    if since_version is not None:
        return max(since_version, 0)
    if last_event_id is None:
        return None
    text = last_event_id.strip()
    if not text.isdigit() or len(text) > 12:
        return None
    return int(text)
