"""Completing a checkout: one transaction that validates, prices, allocates and places the order.

Idempotent: the cart row is locked first (``FOR UPDATE`` on PostgreSQL; SQLite's write
transaction holds the database lock), so a second completion of the same cart — sequential or
concurrent — waits, sees the cart completed and returns the same order. ``orders.cart_id`` is
unique as well, so the database refuses a second order even if that reasoning were wrong.
Everything (order, lines, allocations, discount use, history, outbox event) commits together
or not at all.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, insert, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.accounts.viewer import Viewer
from commerce.cart.queries import reachable_carts
from commerce.cart.quote import CartView, Quote, QuoteLine, load_lines, quote
from commerce.db.counters import next_value
from commerce.db.database import Database
from commerce.db.fetch import session_fetch
from commerce.db.models import (
    Cart,
    DiscountCode,
    DiscountUsage,
    Order,
    OrderAllocation,
    OrderLine,
    OrderRisk,
    OrderTrackingEvent,
    Payment,
)
from commerce.events.outbox import emit_many
from commerce.fraud.risk import RiskLevel
from commerce.fraud.screening import (
    NOT_ACCEPTED_MESSAGE,
    RiskStatus,
    ScreenedOrder,
    enforce_high_risk,
    screen_new_order,
)
from commerce.inventory.allocation import Demand, InsufficientStock, allocate
from commerce.orders.events import OrderEventType, add_event
from commerce.orders.places import shipping_key
from commerce.orders.search import search_text
from commerce.payments.gateways import gateway_for
from commerce.settings import Settings
from commerce.shared.addresses import AddressData, clean_address
from commerce.shared.clock import utcnow
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, Problems
from commerce.tracking.log import placed_entry

# What checkoutComplete takes without a card gateway; CARD goes through checkoutPaymentCreate.
PAYMENT_METHODS = ("BANK_TRANSFER", "CASH_ON_DELIVERY")
CARD = "CARD"
ORDER_NUMBER_START = 1001


class PaysByCard(DomainError):
    """The cart pays by card: ``checkout.completion`` takes the card path instead (found
    under the cart's lock, so the common pay-later checkout pays no extra statement)."""

    def __init__(self) -> None:
        super().__init__(DomainError.one(
            ErrorCode.PAYMENT_NOT_COMPLETED,
            "this cart pays by card: start the payment with checkoutPaymentCreate, pay, then "
            "complete the checkout", ["cartId"]).problems)


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    order_id: int
    token: str
    created: bool  # False when the cart had already been completed


async def complete_checkout(db: Database, cart_token: str, *, settings: Settings,
                            viewer: Viewer | None = None, payment_method: str | None = None,
                            kind: str = "CART", system: bool = False,
                            client_address: str = "") -> PlacedOrder:
    """Place the order of the cart with this token. ``viewer`` must be able to reach the cart
    (``cart.queries.reachable_carts``: another customer's cart is NOT_FOUND), unless
    ``system`` says the caller acts for the cart's owner without one (the demo seed).
    ``client_address`` is the shopper's IP address (fraud screening), "" when unknown.

    A shopper's order (kind CART; not a staff draft) is fraud-screened in the same
    transaction: MEDIUM risk places it on hold for staff (the shopper sees a placed order);
    HIGH risk cancels it after the commit, stock released and money returned, and raises
    ORDER_NOT_ACCEPTED with a neutral message (so does completing that cart again)."""
    reachable = true() if system else reachable_carts(viewer)
    async with db.transaction() as session:
        cart = await lock_cart(session, cart_token, kind, reachable)
        if cart.completed_at is not None:
            placed, rejected = await completed_order(session, cart.id)
        else:
            now = utcnow()
            lines = await load_lines(session_fetch(session), cart.id)
            q = await quote(session_fetch(session), cart_view(cart), currency=settings.currency,
                            prices_include_tax=settings.prices_include_tax, now=now,
                            lines=lines)
            method = payment_method or cart.payment_method or "BANK_TRANSFER"
            if method == CARD and kind == "CART":
                raise PaysByCard()
            validate(cart, q, method)
            placed, rejected = await place_order(
                session, cart, lines, q, method, viewer=viewer, settings=settings, now=now,
                client_address=client_address)
    return await after_placing(db, placed, rejected, settings)


async def completed_order(session: AsyncSession, cart_id: int) -> tuple[PlacedOrder, bool]:
    """The order of a completed cart, and whether screening rejected it (HIGH risk)."""
    existing = (await session.execute(
        select(Order.id, Order.token, OrderRisk.status)
        .outerjoin(OrderRisk, OrderRisk.order_id == Order.id)
        .where(Order.cart_id == cart_id))).one()
    return (PlacedOrder(existing.id, existing.token, created=False),
            existing.status == RiskStatus.CANCELED)


async def after_placing(db: Database, placed: PlacedOrder, rejected: bool,
                        settings: Settings) -> PlacedOrder:
    """After the commit: a HIGH-risk order is canceled (stock back, money returned) and the
    shopper is told nothing that helps a fraudster. Canceling may call the card gateway,
    which must not run under the cart's lock; repeating it is harmless."""
    if rejected:
        await enforce_high_risk(db, placed.order_id, gateway=gateway_for(settings))
        raise DomainError.one(ErrorCode.ORDER_NOT_ACCEPTED, NOT_ACCEPTED_MESSAGE)
    return placed


def _ip(client_address: str) -> str:
    """The address as ``ipaddress`` prints it (as the blocklist stores it), else as given."""
    try:
        return str(ipaddress.ip_address(client_address.strip()))
    except ValueError:
        return client_address.strip()[:64]


async def place_order(session: AsyncSession, cart: Cart, lines: list[QuoteLine], q: Quote,
                      method: str, *, viewer: Viewer | None, settings: Settings,
                      now: datetime, client_address: str = "",
                      link_payment: Callable[[int], Awaitable[Payment]] | None = None
                      ) -> tuple[PlacedOrder, bool]:
    """Insert the order of a validated, locked cart, allocate its stock, count its discount
    use, screen it for fraud, number it, record it and mark the cart completed; returns the
    order and whether screening rejected it (HIGH risk: the caller cancels it after commit,
    see ``after_placing``). ``link_payment`` (card checkout) attaches the payment to the new
    order before screening, which looks at the card. Raises DomainError (e.g.
    INSUFFICIENT_STOCK) and the caller's transaction rolls back."""
    order_id, token, line_ids = await _insert_order(session, cart, q, method, viewer,
                                                    settings, now, _ip(client_address))
    # First, so that what placing records next (payment, hold) follows PLACED in the log.
    entry, tracked = placed_entry(session, order_id, order_status="OPEN", occurred_at=now,
                                  message="Order placed")
    await session.execute(insert(OrderTrackingEvent).values(**entry))
    await emit_many(session, [tracked])  # queued only: the outbox is one INSERT at commit
    await _allocate(session, order_id, cart.id, lines, line_ids, viewer, now)
    if q.discount is not None:
        await _use_discount(session, q, order_id, cart.email or "")
    await add_event(session, order_id, OrderEventType.PLACED,
                    actor_id=viewer.user_id if viewer else None,
                    message=f"Order placed ({method.replace('_', ' ').lower()})",
                    data={"total": q.breakdown.total, "currency": q.currency})
    card = await link_payment(order_id) if link_payment is not None else None
    # Draft orders completed by staff are not screened: staff took the order themselves
    # and vouch for the buyer. Screened before the order number: that lock lasts to commit.
    high = False
    if cart.kind == "CART":
        known = _screened(order_id, cart, q, viewer, _ip(client_address), card)
        risk = await screen_new_order(session, order_id, settings=settings, now=now,
                                      known=known)
        high = risk.level is RiskLevel.HIGH
    number = await _number_order(session, order_id, cart)
    await emit_many(session, [
        ("order.placed", "Order", order_id,
         _placed_payload(order_id, number, cart, q, method, viewer, settings)),
        ("cart.completed", "Cart", cart.id,
         {"cart_id": cart.id, "kind": cart.kind, "channel": cart.channel,
          "user_id": cart.user_id, "order_id": order_id})])
    cart.completed_at = now
    return PlacedOrder(order_id, token, created=True), high


def _screened(order_id: int, cart: Cart, q: Quote, viewer: Viewer | None,
              client_address: str, card: Payment | None) -> ScreenedOrder:
    """The new order as screening sees it, from what placing it already holds (the same
    values ``_insert_order`` wrote)."""
    return ScreenedOrder(
        id=order_id, email=(cart.email or "").lower(), user_id=_customer_id(cart, viewer),
        cart_id=cart.id, client_address=client_address,
        shipping_key=shipping_key(cart.shipping_address), total=q.breakdown.total,
        currency=q.currency, status="OPEN", shipping_address=cart.shipping_address,
        billing_address=cart.billing_address or cart.shipping_address,
        card_fingerprint=None if card is None else card.card_fingerprint,
        processor_risk_level="" if card is None else card.processor_risk_level,
        processor_risk_score=None if card is None else card.processor_risk_score,
        cvc_check="" if card is None else card.cvc_check,
        postal_check="" if card is None else card.postal_check)


def _customer_id(cart: Cart, viewer: Viewer | None) -> int | None:
    return cart.user_id or (viewer.user_id if viewer and not viewer.is_staff else None)


def _placed_payload(order_id: int, number: str, cart: Cart, q: Quote, method: str,
                    viewer: Viewer | None, settings: Settings) -> dict[str, object]:
    """Everything a consumer (ledger, e-mail, webhooks) needs, amounts in minor units."""
    b = q.breakdown
    priced = {p.key: p for p in b.lines}
    return {
        "order_id": order_id, "number": number, "cart_id": cart.id,
        "user_id": _customer_id(cart, viewer), "email": (cart.email or "").lower(),
        "channel": cart.channel, "attribution": cart.attribution or {},
        "actor_id": viewer.user_id if viewer else None, "payment_method": method,
        "currency": q.currency, "subtotal": b.subtotal, "discount": b.discount,
        "shipping": b.shipping, "shipping_discount": b.shipping_discount,
        "shipping_tax": b.shipping_tax, "tax": b.tax,
        "included_tax": b.tax if settings.prices_include_tax else 0, "total": b.total,
        "tax_rate_bp": q.tax.rate_bp if q.tax else 0,
        "discount_code": q.discount.code if q.discount else None,
        "lines": [{"variant_id": line.variant_id, "sku": line.sku,
                   "quantity": line.quantity, "unit_price": line.unit_price,
                   "subtotal": priced[str(line.line_id)].subtotal,
                   "discount": priced[str(line.line_id)].discount,
                   "tax": priced[str(line.line_id)].tax,
                   "total": priced[str(line.line_id)].total} for line in q.lines],
    }


async def lock_cart(session: AsyncSession, token: str, kind: str,
                    reachable: ColumnElement[bool], *, cart_id: int | None = None) -> Cart:
    """The cart, locked for the rest of the transaction; by ``cart_id`` instead of the token
    when the caller found it through its payment (webhooks)."""
    match = Cart.id == cart_id if cart_id is not None else Cart.token == token
    statement = select(Cart).where(match, Cart.kind == kind, reachable)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    cart = (await session.execute(statement)).scalar_one_or_none()
    if cart is None:
        raise DomainError.one(ErrorCode.NOT_FOUND, "no such cart", ["cartId"])
    return cart


def cart_view(cart: Cart) -> CartView:
    return CartView(id=cart.id, email=cart.email, shipping_address=cart.shipping_address,
                    shipping_method_id=cart.shipping_method_id,
                    discount_code=cart.discount_code)


def validate(cart: Cart, q: Quote, payment_method: str, *, card: bool = False) -> None:
    """Everything an order needs; ``card`` when the card checkout is placing it (CARD is
    accepted only there)."""
    problems = Problems()
    if not q.lines:
        problems.add(ErrorCode.CART_EMPTY, "the cart has no lines")
    if not cart.email:
        problems.add(ErrorCode.EMAIL_REQUIRED, "give an e-mail address for the order")
    if not cart.shipping_address:
        problems.add(ErrorCode.SHIPPING_ADDRESS_REQUIRED, "give a shipping address")
    else:
        _recheck_address(problems, cart.shipping_address)
    if cart.shipping_method_id is None:
        problems.add(ErrorCode.SHIPPING_METHOD_REQUIRED, "choose a shipping method")
    elif q.shipping is None and cart.shipping_address:
        problems.add(ErrorCode.SHIPPING_METHOD_NOT_AVAILABLE,
                     "the chosen shipping method does not deliver this cart to this address; "
                     "choose one of availableShippingMethods")
    if q.discount_error is not None:
        problems.add(q.discount_error[0], q.discount_error[1])
    for index, line in enumerate(q.lines):
        if not line.product_active:
            problems.add(ErrorCode.PRODUCT_UNAVAILABLE,
                         f"{line.product_name} is no longer for sale; remove it",
                         ["lines", str(index)])
    if payment_method not in (*PAYMENT_METHODS, *((CARD,) if card else ())):
        problems.add(ErrorCode.INVALID,
                     f"payment method must be one of {', '.join(PAYMENT_METHODS)}",
                     ["paymentMethod"])
    problems.raise_if_any()


def _recheck_address(problems: Problems, stored: dict[str, Any]) -> None:
    """An address is checked when it is set, but a cart saved before a check existed (or
    before the address data changed) may hold one that no longer passes, e.g. an unknown
    area that would find no regional tax rate. Taxes depend on it, so check it again."""
    found = Problems()
    clean_address(AddressData(**{f.name: stored.get(f.name, "") or ""
                                 for f in fields(AddressData)}), found)
    if found:
        first = found.items[0]
        where = first.field[-1] if first.field else "address"
        problems.add(ErrorCode.INVALID,
                     f"the cart's shipping address is no longer valid ({where}: "
                     f"{first.message}); set it again with cartShippingAddressUpdate",
                     ["cartId"])


async def _insert_order(session: AsyncSession, cart: Cart, q: Quote, payment_method: str,
                        viewer: Viewer | None, settings: Settings, now: datetime,
                        client_address: str = "") -> tuple[int, str, dict[int, int]]:
    """Insert the order and its lines; returns (order id, token, variant id -> line id).

    The order gets its number last (``_number_order``): the counter's row is one lock every
    checkout needs, so taking it here would make all checkouts queue behind each other for
    the whole allocation; taken just before commit, it is held only for the commit.
    """
    token = secrets.token_urlsafe(24)  # 192 bits
    # Unique (it holds the token) and never committed: _number_order replaces it.
    number = f"~{token[:31]}"
    b = q.breakdown
    email = (cart.email or "").lower()
    user_id = _customer_id(cart, viewer)
    order_id = (await session.execute(insert(Order).values(
        number=number, token=token, cart_id=cart.id, user_id=user_id, email=email,
        channel=cart.channel, payment_method=payment_method, currency=q.currency,
        subtotal=b.subtotal, discount=b.discount, shipping=b.shipping,
        shipping_tax=b.shipping_tax, tax=b.tax,
        included_tax=b.tax if settings.prices_include_tax else 0, total=b.total,
        tax_rate_bp=q.tax.rate_bp if q.tax else 0,
        shipping_method_id=q.shipping.method_id if q.shipping else None,
        shipping_method_name=q.shipping.name if q.shipping else "",
        shipping_address=cart.shipping_address,
        billing_address=cart.billing_address or cart.shipping_address,
        discount_code=q.discount.code if q.discount else None,
        customer_note=cart.customer_note, attribution=cart.attribution or {},
        search_text="", client_address=client_address,
        shipping_key=shipping_key(cart.shipping_address),
        created_at=now, updated_at=now,
        tracking_version=1,  # its PLACED entry, inserted by place_order
    ).returning(Order.id))).scalar_one()
    priced = {p.key: p for p in b.lines}
    inserted = await session.execute(
        insert(OrderLine).returning(OrderLine.variant_id, OrderLine.id,
                                    sort_by_parameter_order=True), [
        {"order_id": order_id, "variant_id": line.variant_id,
         "product_name": line.product_name, "variant_name": line.variant_name,
         "sku": line.sku, "quantity": line.quantity, "unit_price": line.unit_price,
         "subtotal": priced[str(line.line_id)].subtotal,
         "discount": priced[str(line.line_id)].discount,
         "tax": priced[str(line.line_id)].tax, "total": priced[str(line.line_id)].total,
         "price_override_reason": line.override_reason,
         "track_inventory": line.track_inventory}
        for line in q.lines
    ])
    return order_id, token, {row.variant_id: row.id for row in inserted}


async def _number_order(session: AsyncSession, order_id: int, cart: Cart) -> str:
    """Give the order its gap-free number: the last lock the checkout takes (see above)."""
    number = str(await next_value(session, "order_number", ORDER_NUMBER_START))
    await session.execute(update(Order).where(Order.id == order_id).values(
        number=number, search_text=search_text(
            number, (cart.email or "").lower(), cart.shipping_address,
            cart.billing_address or cart.shipping_address)))
    return number


def stock_demands(lines: Sequence[QuoteLine]) -> list[Demand]:
    """What a cart's lines ask of stock (for ``allocate`` and ``reservations.reserve``)."""
    return [Demand(line.variant_id, line.quantity, backorder=line.allow_backorder)
            for line in lines if line.track_inventory]


def insufficient_stock_error(exc: InsufficientStock, lines: Sequence[QuoteLine]) -> DomainError:
    """The shopper's INSUFFICIENT_STOCK problems, one per short line, at ``lines.<index>``."""
    by_variant = {line.variant_id: (i, line) for i, line in enumerate(lines)}
    problems = Problems()
    for shortage in exc.shortages:
        index, line = by_variant[shortage.variant_id]
        problems.add(ErrorCode.INSUFFICIENT_STOCK,
                     f"only {shortage.available} of {line.product_name} ({line.sku}) "
                     f"available; the cart asks for {shortage.requested}",
                     ["lines", str(index)])
    return DomainError(problems.items)


async def _allocate(session: AsyncSession, order_id: int, cart_id: int, lines: list[QuoteLine],
                    line_ids: dict[int, int], viewer: Viewer | None, now: datetime) -> None:
    """Units reserved for this cart (card payment in progress) are its to take, and are
    consumed; units other carts hold live are not available."""
    try:
        takes = await allocate(session, stock_demands(lines), order_id=order_id,
                               actor_id=viewer.user_id if viewer else None, cart_id=cart_id,
                               now=now)
    except InsufficientStock as exc:
        raise insufficient_stock_error(exc, lines) from None
    if not takes:
        return
    await session.execute(insert(OrderAllocation), [
        {"order_line_id": line_ids[t.variant_id], "stock_id": t.stock_id, "quantity": t.quantity}
        for t in takes])


async def _use_discount(session: AsyncSession, q: Quote, order_id: int, email: str) -> None:
    """Count the use atomically: the conditional update fails once the limit is reached."""
    assert q.discount is not None
    terms = q.discount
    used = (await session.execute(
        update(DiscountCode)
        .where(DiscountCode.id == terms.id, DiscountCode.is_active.is_(True),
               (DiscountCode.usage_limit.is_(None))
               | (DiscountCode.times_used < DiscountCode.usage_limit))
        .values(times_used=DiscountCode.times_used + 1)
        .returning(DiscountCode.id))).first()
    if used is None:
        raise DomainError.one(ErrorCode.DISCOUNT_CODE_USED_UP,
                              f"the code {terms.code} has been used up")
    if terms.usage_limit_per_customer is not None:
        # The update above holds the code's row lock, so this count cannot race.
        uses = (await session.execute(
            select(func.count()).select_from(DiscountUsage).where(
                DiscountUsage.discount_id == terms.id, DiscountUsage.email == email.lower())
        )).scalar_one()
        if uses >= terms.usage_limit_per_customer:
            raise DomainError.one(ErrorCode.DISCOUNT_CODE_USED_UP,
                                  f"you have already used the code {terms.code} the maximum "
                                  "number of times")
    await session.execute(insert(DiscountUsage).values(
        discount_id=terms.id, order_id=order_id, email=email.lower()))


def address_json(address: object) -> dict[str, object]:
    """Addresses are stored on carts and orders as their snake_case fields."""
    return asdict(address)  # type: ignore[call-overload, no-any-return]
