"""Cart and draft-order domain events, written to the outbox with the change.

Consumers: abandoned-cart e-mail, the conversion funnel, outbound webhooks. Each event says
what changed and carries the new values (line quantities: 0 = removed), so a consumer needs
no read of the cart, which may have changed again by the time it runs.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.models import Cart
from commerce.events.outbox import emit


def _header(cart: Cart) -> dict[str, Any]:
    return {"cart_id": cart.id, "kind": cart.kind, "channel": cart.channel,
            "user_id": cart.user_id}


def created_payload(cart_id: int, kind: str, channel: str, user_id: int | None,
                    email: str | None, attribution: dict[str, Any] | None,
                    quantities: dict[int, int]) -> dict[str, Any]:
    return {"cart_id": cart_id, "kind": kind, "channel": channel, "user_id": user_id,
            "email": email, "attribution": attribution or {},
            "lines": line_values(quantities)}


def line_values(quantities: dict[int, int]) -> list[dict[str, int]]:
    """Variant id -> quantity as the events' ``lines`` (sorted by variant)."""
    return [{"variant_id": v, "quantity": q} for v, q in sorted(quantities.items())]


async def cart_created(session: AsyncSession, cart: Cart, quantities: dict[int, int]) -> None:
    await emit(session, "cart.created", "Cart", cart.id, created_payload(
        cart.id, cart.kind, cart.channel, cart.user_id, cart.email, cart.attribution,
        quantities))


async def cart_updated(session: AsyncSession, cart: Cart, changed: str,
                       **values: Any) -> None:
    """``changed`` names what changed (lines, email, shipping_address, billing_address,
    shipping_method, discount_code, header); ``values`` are its new values."""
    await emit(session, "cart.updated", "Cart", cart.id, {
        **_header(cart), "changed": changed, **values})


async def cart_deleted(session: AsyncSession, cart: Cart) -> None:
    await emit(session, "cart.deleted", "Cart", cart.id, _header(cart))
