"""Cart read side: a cart by its token, and its quote (everything the cart shows).

Who may reach a cart (``reachable_carts``): a guest cart (no owner) whoever holds its token;
a customer's cart only that customer, and staff with MANAGE_ORDERS. Anyone else, signed in or
not, finds no such cart, even holding the token: a customer's cart carries their e-mail and
addresses, and a leaked ID (a shared link, a log line) must not expose them. The use cases
lock carts through the same clause, so reads and changes agree.

A cart costs a constant number of statements whatever its size: one for the cart row, then
``cart.quote`` (lines with stock, the discount code, shipping methods, tax rate).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Row, bindparam, select

from commerce.accounts.access import owned_by_viewer
from commerce.accounts.permissions import Permission
from commerce.accounts.viewer import Viewer
from commerce.cart.quote import CartView, Quote, quote
from commerce.db.fetch import Fetch
from commerce.db.models import Cart
from commerce.settings import Settings
from commerce.shared.clock import utcnow

CART_COLUMNS = (
    Cart.id, Cart.token, Cart.user_id, Cart.email, Cart.channel, Cart.shipping_address,
    Cart.billing_address, Cart.shipping_method_id, Cart.discount_code, Cart.attribution,
    Cart.completed_at, Cart.created_at, Cart.updated_at,
)
# Drafts (staff's working copies of manual orders) share the table but are not carts.
_CART_BY_TOKEN = select(*CART_COLUMNS).where(Cart.token == bindparam("token"),
                                             Cart.kind == "CART")


def reachable_carts(viewer: Viewer | None) -> ColumnElement[bool]:
    """The carts ``viewer`` may read or change, given the token (see the module docstring)."""
    return owned_by_viewer(Cart.user_id, viewer, staff=[Permission.MANAGE_ORDERS], unowned=True)


async def cart_by_token(fetch: Fetch, token: str, viewer: Viewer | None) -> Row[Any] | None:
    """The cart with this token, or None when there is none or ``viewer`` may not reach it."""
    rows = await fetch(_CART_BY_TOKEN.where(reachable_carts(viewer)).params(token=token))
    return rows[0] if rows else None


def cart_view(row: Any) -> CartView:
    return CartView(id=row.id, email=row.email, shipping_address=row.shipping_address,
                    shipping_method_id=row.shipping_method_id, discount_code=row.discount_code)


async def cart_quote(fetch: Fetch, row: Any, settings: Settings) -> Quote:
    return await quote(fetch, cart_view(row), currency=settings.currency,
                       prices_include_tax=settings.prices_include_tax, now=utcnow())
