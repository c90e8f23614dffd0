"""Cart use cases: create a cart, change its lines, contact details, shipping and discount.

A cart is reached by its token (>= 128 random bits; the API's cart ID encodes it) and by who
is asking: a guest cart by whoever holds the token, a signed-in customer's cart only by that
customer (and staff with MANAGE_ORDERS). Every use case takes the ``viewer`` and locks the cart
through ``cart.queries.reachable_carts``, so another customer's cart is NOT_FOUND here exactly
as it is null in ``cart(id)``.

Each use case is one write transaction. The cart row is locked first (``FOR UPDATE`` on
PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` holds the write lock), so a change and a checkout
of the same cart serialize: a change either lands before the order is priced or finds the
cart completed (CART_COMPLETED). Draft orders (kind DRAFT) are not carts here.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.accounts.rules import check_email
from commerce.accounts.viewer import Viewer
from commerce.cart.events import cart_updated, created_payload, line_values
from commerce.cart.queries import reachable_carts
from commerce.cart.quote import CartView, Quote, quote
from commerce.cart.rules import (
    MAX_CODE_LENGTH,
    MAX_CODES,
    LineChange,
    LineRequest,
    check_quantity,
    merge_additions,
)
from commerce.catalog.visibility import sees_every_product
from commerce.db.database import Database
from commerce.db.fetch import session_fetch
from commerce.db.models import Cart, CartLine, Product, ProductVariant
from commerce.discounts.rules import normalise_code
from commerce.events.outbox import emit
from commerce.settings import Settings
from commerce.shared.addresses import AddressData, clean_address
from commerce.shared.channels import Attribution, SalesChannel, clean_attribution
from commerce.shared.clock import utcnow
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, Problems

CART_ID_FIELD = "cartId"


@dataclass(frozen=True, slots=True)
class NewCart:
    lines: Sequence[LineRequest] = ()
    email: str | None = None
    shipping_address: AddressData | None = None
    billing_address: AddressData | None = None
    channel: SalesChannel = SalesChannel.WEB
    attribution: Attribution = field(default_factory=Attribution)


def new_token() -> str:
    return secrets.token_urlsafe(24)  # 192 bits


async def create_cart(db: Database, data: NewCart, *, viewer: Viewer | None = None) -> str:
    """Create a cart; returns its token. A signed-in customer's cart is attached to them."""
    problems = Problems()
    customer = viewer if viewer is not None and not viewer.is_staff else None
    email = None
    if data.email is not None:
        email = check_email(problems, data.email, ["email"])
    elif customer is not None:
        email = customer.email
    shipping = _address(problems, data.shipping_address, "shippingAddress")
    billing = _address(problems, data.billing_address, "billingAddress")
    attribution = clean_attribution(data.attribution, problems, ["attribution"])
    quantities = merge_additions(problems, data.lines, {})
    async with db.transaction() as session:
        await _check_variants(session, problems, data.lines, viewer)
        problems.raise_if_any()
        token = new_token()
        now = utcnow()
        cart_id = (await session.execute(insert(Cart).values(
            token=token, kind="CART", user_id=customer.user_id if customer else None,
            email=email, channel=data.channel.value, shipping_address=shipping,
            billing_address=billing, attribution=attribution, created_at=now, updated_at=now,
        ).returning(Cart.id))).scalar_one()
        if quantities:
            await session.execute(insert(CartLine), [
                {"cart_id": cart_id, "variant_id": v, "quantity": q, "created_at": now}
                for v, q in quantities.items()])
        await emit(session, "cart.created", "Cart", cart_id, created_payload(
            cart_id, "CART", data.channel.value, customer.user_id if customer else None,
            email, attribution, quantities))
    return token


async def add_lines(db: Database, token: str, lines: Sequence[LineRequest], *,
                    viewer: Viewer | None = None) -> None:
    """Add variants; one already in the cart gets its quantity increased."""
    problems = Problems()
    if not lines:
        raise DomainError.one(ErrorCode.REQUIRED, "give at least one line", ["lines"])
    async with db.transaction() as session:
        cart = await _open_cart(session, token, viewer)
        held = {row.variant_id: (row.id, row.quantity) for row in (await session.execute(
            select(CartLine.id, CartLine.variant_id, CartLine.quantity)
            .where(CartLine.cart_id == cart.id))).all()}
        quantities = merge_additions(problems, lines, {v: q for v, (_, q) in held.items()})
        await _check_variants(session, problems, lines, viewer)
        problems.raise_if_any()
        now = utcnow()
        updates = [{"id": held[v][0], "quantity": q} for v, q in quantities.items() if v in held]
        inserts = [{"cart_id": cart.id, "variant_id": v, "quantity": q, "created_at": now}
                   for v, q in quantities.items() if v not in held]
        if updates:
            await session.execute(update(CartLine), updates)
        if inserts:
            await session.execute(insert(CartLine), inserts)
        cart.updated_at = now
        await cart_updated(session, cart, "lines", lines=line_values(quantities))


async def update_lines(db: Database, token: str, changes: Sequence[LineChange], *,
                       viewer: Viewer | None = None) -> None:
    """Set line quantities; 0 removes a line. A product no longer for sale may only shrink."""
    problems = Problems()
    if not changes:
        raise DomainError.one(ErrorCode.REQUIRED, "give at least one line", ["lines"])
    async with db.transaction() as session:
        cart = await _open_cart(session, token, viewer)
        current = {row.id: row for row in (await session.execute(
            select(CartLine.id, CartLine.variant_id, CartLine.quantity, Product.status,
                   Product.name)
            .join(ProductVariant, ProductVariant.id == CartLine.variant_id)
            .join(Product, Product.id == ProductVariant.product_id)
            .where(CartLine.cart_id == cart.id))).all()}
        seen: set[int] = set()
        for index, change in enumerate(changes):
            line = current.get(change.line_id)
            if line is None:
                problems.add(ErrorCode.NOT_FOUND, "no such line in this cart",
                             ["lines", str(index), "id"])
                continue
            if change.line_id in seen:
                problems.add(ErrorCode.DUPLICATE, "this line is named more than once",
                             ["lines", str(index), "id"])
                continue
            seen.add(change.line_id)
            quantity_field = ["lines", str(index), "quantity"]
            if check_quantity(problems, change.quantity, quantity_field, allow_zero=True) and \
                    line.status != "ACTIVE" and change.quantity > line.quantity:
                problems.add(ErrorCode.PRODUCT_UNAVAILABLE,
                             f"{line.name} is no longer for sale", quantity_field)
        problems.raise_if_any()
        removed = [c.line_id for c in changes if c.quantity == 0]
        kept = [{"id": c.line_id, "quantity": c.quantity} for c in changes if c.quantity > 0]
        if removed:
            await session.execute(delete(CartLine).where(CartLine.id.in_(removed)))
        if kept:
            await session.execute(update(CartLine), kept)
        cart.updated_at = utcnow()
        await cart_updated(session, cart, "lines", lines=line_values(
            {current[c.line_id].variant_id: c.quantity for c in changes}))


async def remove_lines(db: Database, token: str, line_ids: Sequence[int], *,
                       viewer: Viewer | None = None) -> None:
    if not line_ids:
        raise DomainError.one(ErrorCode.REQUIRED, "give at least one line ID", ["lineIds"])
    async with db.transaction() as session:
        cart = await _open_cart(session, token, viewer)
        present = {row.id: row.variant_id for row in (await session.execute(
            select(CartLine.id, CartLine.variant_id).where(CartLine.cart_id == cart.id)))}
        problems = Problems()
        for index, line_id in enumerate(line_ids):
            if line_id not in present:
                problems.add(ErrorCode.NOT_FOUND, "no such line in this cart",
                             ["lineIds", str(index)])
        problems.raise_if_any()
        await session.execute(delete(CartLine).where(CartLine.id.in_(set(line_ids))))
        cart.updated_at = utcnow()
        await cart_updated(session, cart, "lines",
                           lines=line_values({present[i]: 0 for i in line_ids}))


async def update_email(db: Database, token: str, email: str, *,
                       viewer: Viewer | None = None) -> None:
    problems = Problems()
    cleaned = check_email(problems, email, ["email"])
    problems.raise_if_any()
    async with db.transaction() as session:
        cart = await _open_cart(session, token, viewer)
        cart.email = cleaned
        cart.updated_at = utcnow()
        await cart_updated(session, cart, "email", email=cleaned)


async def update_shipping_address(db: Database, token: str, address: AddressData | None,
                                  *, viewer: Viewer | None = None) -> None:
    """Set (or with None clear) the address. A chosen shipping method is kept; if it does
    not serve the new address the cart shows no shipping method and checkout refuses."""
    problems = Problems()
    cleaned = _address(problems, address, "shippingAddress")
    problems.raise_if_any()
    async with db.transaction() as session:
        cart = await _open_cart(session, token, viewer)
        cart.shipping_address = cleaned
        cart.updated_at = utcnow()
        await cart_updated(session, cart, "shipping_address", shipping_address=cleaned)


async def update_billing_address(db: Database, token: str, address: AddressData | None,
                                 *, viewer: Viewer | None = None) -> None:
    problems = Problems()
    cleaned = _address(problems, address, "billingAddress")
    problems.raise_if_any()
    async with db.transaction() as session:
        cart = await _open_cart(session, token, viewer)
        cart.billing_address = cleaned
        cart.updated_at = utcnow()
        await cart_updated(session, cart, "billing_address", billing_address=cleaned)


async def update_shipping_method(db: Database, token: str, method_id: int | None, *,
                                 settings: Settings, viewer: Viewer | None = None) -> None:
    """Choose one of the methods the cart's quote offers (None clears the choice)."""
    field_path = ["shippingMethodId"]
    async with db.transaction() as session:
        cart = await _open_cart(session, token, viewer)
        if method_id is not None:
            if not cart.shipping_address:
                raise DomainError.one(ErrorCode.SHIPPING_ADDRESS_REQUIRED,
                                      "give a shipping address first", field_path)
            q = await _quote(session, cart, settings)
            if all(o.method_id != method_id for o in q.shipping_options):
                raise DomainError.one(
                    ErrorCode.SHIPPING_METHOD_NOT_AVAILABLE,
                    "this method does not deliver this cart to its address; choose one of "
                    "availableShippingMethods", field_path)
        cart.shipping_method_id = method_id
        cart.updated_at = utcnow()
        await cart_updated(session, cart, "shipping_method", shipping_method_id=method_id)


async def update_discount_codes(db: Database, token: str, codes: Sequence[str], *,
                                settings: Settings, viewer: Viewer | None = None) -> None:
    """Apply a code (at most one per cart) or, with no codes, remove it.

    A code that cannot be used now is refused and not stored. One that stops applying later
    (expired, subtotal fell) stays on the cart and the cart says why (``discount_error``).
    """
    if len(codes) > MAX_CODES:
        raise DomainError.one(ErrorCode.INVALID,
                              f"a cart takes at most {MAX_CODES} discount code", ["codes"])
    code = normalise_code(codes[0]) if codes else None
    if code is not None and not code:
        raise DomainError.one(ErrorCode.REQUIRED, "enter a code", ["codes", "0"])
    if code is not None and len(code) > MAX_CODE_LENGTH:
        raise DomainError.one(ErrorCode.DISCOUNT_CODE_INVALID,
                              f"the code {code[:MAX_CODE_LENGTH]}... is not valid",
                              ["codes", "0"])
    async with db.transaction() as session:
        cart = await _open_cart(session, token, viewer)
        if code is not None:
            q = await _quote(session, cart, settings, discount_code=code)
            if q.discount_error is not None:
                raise DomainError.one(q.discount_error[0], q.discount_error[1], ["codes", "0"])
        cart.discount_code = code
        cart.updated_at = utcnow()
        await cart_updated(session, cart, "discount_code", discount_code=code)


async def _open_cart(session: AsyncSession, token: str, viewer: Viewer | None) -> Cart:
    """The cart, locked for this transaction; it must exist, be reachable by ``viewer`` (else
    it is NOT_FOUND, as in ``cart(id)``) and not be completed."""
    statement = select(Cart).where(Cart.token == token, Cart.kind == "CART",
                                   reachable_carts(viewer))
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    cart = (await session.execute(statement)).scalar_one_or_none()
    if cart is None:
        raise DomainError.one(ErrorCode.NOT_FOUND, "no such cart", [CART_ID_FIELD])
    if cart.completed_at is not None:
        raise DomainError.one(ErrorCode.CART_COMPLETED,
                              "this cart has been checked out and can no longer change; "
                              "start a new cart", [CART_ID_FIELD])
    return cart


def _address(problems: Problems, address: AddressData | None, path: str
             ) -> dict[str, Any] | None:
    if address is None:
        return None
    return asdict(clean_address(address, problems, [path]))


async def _check_variants(session: AsyncSession, problems: Problems,
                          requests: Sequence[LineRequest], viewer: Viewer | None) -> None:
    """Every requested variant exists and its product is for sale (one statement). A variant
    of a product the viewer may not see (``catalog.visibility``) does not exist for them: its
    product's name must not leak through the error."""
    ids = {r.variant_id for r in requests}
    if not ids:
        return
    found = {row.id: row for row in (await session.execute(
        select(ProductVariant.id, Product.status, Product.name)
        .join(Product, Product.id == ProductVariant.product_id)
        .where(ProductVariant.id.in_(ids)))).all()}
    reported: set[int] = set()
    for index, request in enumerate(requests):
        row = found.get(request.variant_id)
        if request.variant_id in reported:
            continue
        field_path = ["lines", str(index), "variantId"]
        if row is None or (row.status != "ACTIVE" and not sees_every_product(viewer)):
            problems.add(ErrorCode.NOT_FOUND, "no such product variant", field_path)
        elif row.status != "ACTIVE":
            problems.add(ErrorCode.PRODUCT_UNAVAILABLE, f"{row.name} is not for sale",
                         field_path)
        else:
            continue
        reported.add(request.variant_id)


async def _quote(session: AsyncSession, cart: Cart, settings: Settings, *,
                 discount_code: str | None = None, now: datetime | None = None) -> Quote:
    view = CartView(id=cart.id, email=cart.email, shipping_address=cart.shipping_address,
                    shipping_method_id=cart.shipping_method_id,
                    discount_code=cart.discount_code)
    if discount_code is not None:
        view = replace(view, discount_code=discount_code)
    # Used to validate a method or a code: neither depends on tax.
    return await quote(session_fetch(session), view, currency=settings.currency,
                       prices_include_tax=settings.prices_include_tax, now=now or utcnow(),
                       with_tax=False)
