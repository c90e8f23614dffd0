"""``checkoutComplete``'s one entry point: a cart paying by card is placed once its payment
succeeded (``checkout.card``); any other cart by its pay-later method (``checkout.service``)."""

from __future__ import annotations

from commerce.accounts.viewer import Viewer
from commerce.checkout.card import complete_card_checkout
from commerce.checkout.service import PaysByCard, PlacedOrder, complete_checkout
from commerce.db.database import Database
from commerce.payments.gateways import gateway_for
from commerce.settings import Settings


async def complete(db: Database, cart_token: str, *, settings: Settings,
                   viewer: Viewer | None, payment_method: str | None,
                   client_address: str) -> PlacedOrder:
    """An explicit ``payment_method`` completes without the card payment (pay later)."""
    try:
        return await complete_checkout(db, cart_token, settings=settings, viewer=viewer,
                                       payment_method=payment_method,
                                       client_address=client_address)
    except PaysByCard:
        return await complete_card_checkout(db, gateway_for(settings), cart_token,
                                            settings=settings, viewer=viewer)
