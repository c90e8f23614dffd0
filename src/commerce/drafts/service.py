"""Draft order use cases: staff build a manual order, then complete it into a real order.

A draft is a ``carts`` row of kind DRAFT, so it is priced by the same quote as a cart and
completed by the same checkout (same validation, allocation and idempotency rules). Each use
case is one write transaction that locks the draft first (``FOR UPDATE`` on PostgreSQL; SQLite's
``BEGIN IMMEDIATE`` holds the write lock), so an edit and a completion serialize: the edit
either lands before the order is priced or finds the draft completed (CART_COMPLETED).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.accounts.rules import check_email
from commerce.accounts.viewer import Viewer
from commerce.cart.events import cart_created, cart_deleted, cart_updated
from commerce.cart.quote import CartView, quote
from commerce.cart.rules import MAX_CODE_LENGTH, LineRequest, check_quantity, merge_additions
from commerce.checkout.service import PlacedOrder, complete_checkout
from commerce.db.database import Database
from commerce.db.fetch import session_fetch
from commerce.db.models import Address, Cart, CartLine, Product, ProductVariant, User
from commerce.discounts.rules import normalise_code
from commerce.drafts.rules import (
    DraftLine,
    DraftLineChange,
    check_channel,
    check_note,
    check_override,
)
from commerce.settings import Settings
from commerce.shared.addresses import AddressData, clean_address
from commerce.shared.channels import SalesChannel
from commerce.shared.clock import utcnow
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, Problem, Problems
from commerce.shared.unset import UNSET, Maybe

KIND = "DRAFT"


@dataclass(frozen=True, slots=True)
class DraftFields:
    """The draft's header. UNSET keeps a value; None clears it."""

    customer_id: Maybe[int | None] = UNSET
    email: Maybe[str | None] = UNSET
    shipping_address: Maybe[AddressData | None] = UNSET
    billing_address: Maybe[AddressData | None] = UNSET
    shipping_method_id: Maybe[int | None] = UNSET
    discount_code: Maybe[str | None] = UNSET
    customer_note: Maybe[str] = UNSET


async def create_draft(db: Database, *, staff_id: int, channel: SalesChannel,
                       header: DraftFields, lines: Sequence[DraftLine],
                       settings: Settings) -> int:
    """Create a draft (optionally with lines); returns its id."""
    problems = Problems()
    check_channel(problems, channel, ["channel"])
    values = _clean_header(problems, header)
    async with db.transaction() as session:
        now = utcnow()
        # >= 128 random bits, like a cart's, although only staff ever reach a draft.
        cart = Cart(token=secrets.token_urlsafe(24), kind=KIND, channel=channel.value,
                    created_by_id=staff_id, attribution={}, created_at=now, updated_at=now)
        await _apply_header(session, problems, cart, header, values)
        planned = await _plan_lines(session, problems, lines, {}, "lines")
        problems.raise_if_any()
        session.add(cart)
        await session.flush()
        await _write_lines(session, cart.id, planned, {})
        await _check_choices(session, cart, header, settings)
        await cart_created(session, cart, planned.quantities)
        return cart.id


async def update_draft(db: Database, draft_id: int, header: DraftFields, *,
                       settings: Settings) -> None:
    problems = Problems()
    values = _clean_header(problems, header)
    async with db.transaction() as session:
        cart = await _open_draft(session, draft_id)
        await _apply_header(session, problems, cart, header, values)
        problems.raise_if_any()
        cart.updated_at = utcnow()
        await session.flush()
        await _check_choices(session, cart, header, settings)
        await cart_updated(session, cart, "header", **_header_values(cart))


async def add_lines(db: Database, draft_id: int, lines: Sequence[DraftLine]) -> None:
    """Add variants; one already on the draft gets more units (and the new price, if set)."""
    if not lines:
        raise DomainError.one(ErrorCode.REQUIRED, "give at least one line", ["lines"])
    problems = Problems()
    async with db.transaction() as session:
        cart = await _open_draft(session, draft_id)
        held = {row.variant_id: (row.id, row.quantity) for row in (await session.execute(
            select(CartLine.id, CartLine.variant_id, CartLine.quantity)
            .where(CartLine.cart_id == cart.id))).all()}
        planned = await _plan_lines(session, problems, lines,
                                    {v: q for v, (_, q) in held.items()}, "lines")
        problems.raise_if_any()
        await _write_lines(session, cart.id, planned, {v: i for v, (i, _) in held.items()})
        cart.updated_at = utcnow()
        await cart_updated(session, cart, "lines", lines=[
            _line_value(v, q, planned.prices.get(v)) for v, q in sorted(
                planned.quantities.items())])


async def update_lines(db: Database, draft_id: int, changes: Sequence[DraftLineChange]) -> None:
    """Set quantities (0 removes a line) and set or remove price overrides."""
    if not changes:
        raise DomainError.one(ErrorCode.REQUIRED, "give at least one line", ["lines"])
    problems = Problems()
    async with db.transaction() as session:
        cart = await _open_draft(session, draft_id)
        current = {row.id: row for row in (await session.execute(
            select(CartLine.id, CartLine.variant_id, CartLine.quantity, CartLine.price_override,
                   CartLine.override_reason).where(CartLine.cart_id == cart.id))).all()}
        rows: dict[int, dict[str, Any]] = {}
        for index, change in enumerate(changes):
            path = ["lines", str(index)]
            line = current.get(change.line_id)
            if line is None:
                problems.add(ErrorCode.NOT_FOUND, "no such line on this draft", [*path, "lineId"])
                continue
            if change.line_id in rows:
                problems.add(ErrorCode.DUPLICATE, "this line is named more than once",
                             [*path, "lineId"])
                continue
            row = {"id": line.id, "quantity": line.quantity,
                   "price_override": line.price_override,
                   "override_reason": line.override_reason}
            if change.quantity is not None and check_quantity(
                    problems, change.quantity, [*path, "quantity"], allow_zero=True):
                row["quantity"] = change.quantity
            _change_override(problems, row, change, path)
            rows[change.line_id] = row
        problems.raise_if_any()
        removed = [r["id"] for r in rows.values() if r["quantity"] == 0]
        kept = [r for r in rows.values() if r["quantity"] > 0]
        if removed:
            await session.execute(delete(CartLine).where(CartLine.id.in_(removed)))
        if kept:
            await session.execute(update(CartLine), kept)
        cart.updated_at = utcnow()
        await cart_updated(session, cart, "lines", lines=sorted((_line_value(
            current[r["id"]].variant_id, r["quantity"], (r["price_override"],
                                                          r["override_reason"]))
            for r in rows.values()), key=lambda line: int(line["variant_id"] or 0)))


async def remove_lines(db: Database, draft_id: int, line_ids: Sequence[int]) -> None:
    if not line_ids:
        raise DomainError.one(ErrorCode.REQUIRED, "give at least one line ID", ["lineIds"])
    async with db.transaction() as session:
        cart = await _open_draft(session, draft_id)
        present = {row.id: row.variant_id for row in (await session.execute(
            select(CartLine.id, CartLine.variant_id).where(CartLine.cart_id == cart.id)))}
        problems = Problems()
        for index, line_id in enumerate(line_ids):
            if line_id not in present:
                problems.add(ErrorCode.NOT_FOUND, "no such line on this draft",
                             ["lineIds", str(index)])
        problems.raise_if_any()
        await session.execute(delete(CartLine).where(CartLine.id.in_(set(line_ids))))
        cart.updated_at = utcnow()
        await cart_updated(session, cart, "lines", lines=[
            _line_value(present[i], 0, None) for i in sorted(set(line_ids))])


async def delete_draft(db: Database, draft_id: int) -> None:
    """Throw away an open draft (a completed one is the history of its order)."""
    async with db.transaction() as session:
        cart = await _open_draft(session, draft_id)
        await session.execute(delete(CartLine).where(CartLine.cart_id == cart.id))
        await session.execute(delete(Cart).where(Cart.id == cart.id))
        await cart_deleted(session, cart)


async def complete_draft(db: Database, draft_id: int, *, settings: Settings, viewer: Viewer,
                         payment_method: str) -> PlacedOrder:
    """Place the draft's order under the checkout's rules, with ``viewer`` (staff) as the
    actor of its PLACED event. Like a checkout, completing it again (a retry after a lost
    answer, or a concurrent double click) returns the same order with ``created=False``.

    Not fraud-screened (``complete_checkout`` screens only shopper carts): staff took this
    order themselves and vouch for the buyer."""
    reader = db.reader()  # a plain read: no write lock just to find the token
    try:
        token = await reader.scalar(select(Cart.token).where(Cart.id == draft_id,
                                                             Cart.kind == KIND))
    finally:
        await reader.close()
    if token is None:
        raise _not_found()
    try:
        placed = await complete_checkout(db, token, settings=settings, viewer=viewer,
                                         payment_method=payment_method, kind=KIND)
    except DomainError as exc:
        raise DomainError([_renamed(p) for p in exc.problems]) from None
    return placed


def _line_value(variant_id: int, quantity: int, price: tuple[int | None, str] | None
                ) -> dict[str, int | str | None]:
    """A draft line in an event: its quantity (0 = removed) and any staff price override."""
    override, reason = price or (None, "")
    return {"variant_id": variant_id, "quantity": quantity, "unit_price_override": override,
            "override_reason": reason}


def _header_values(cart: Cart) -> dict[str, Any]:
    return {"email": cart.email, "shipping_address": cart.shipping_address,
            "billing_address": cart.billing_address,
            "shipping_method_id": cart.shipping_method_id, "discount_code": cart.discount_code,
            "customer_note": cart.customer_note}


def _not_found() -> DomainError:
    return DomainError.one(ErrorCode.NOT_FOUND, "no such draft order", ["id"])


def _completed() -> DomainError:
    return DomainError.one(ErrorCode.CART_COMPLETED,
                           "this draft has been completed and can no longer change", ["id"])


def _renamed(problem: Problem) -> Problem:
    """Checkout names the cart ``cartId``; a draft's input calls it ``id``."""
    if problem.field == ("cartId",):
        return Problem(problem.code, problem.message.replace("cart", "draft order"), ("id",))
    return problem


async def _open_draft(session: AsyncSession, draft_id: int) -> Cart:
    """The draft, locked for this transaction; it must exist and not be completed."""
    statement = select(Cart).where(Cart.id == draft_id, Cart.kind == KIND)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    cart = (await session.execute(statement)).scalar_one_or_none()
    if cart is None:
        raise _not_found()
    if cart.completed_at is not None:
        raise _completed()
    return cart


def _address(problems: Problems, address: AddressData | None, path: str
             ) -> dict[str, Any] | None:
    return None if address is None else asdict(clean_address(address, problems, [path]))


def _clean_header(problems: Problems, header: DraftFields) -> dict[str, Any]:
    """Validated column values for the header fields given (no I/O)."""
    values: dict[str, Any] = {}
    if header.email is not UNSET:
        values["email"] = None if header.email is None else check_email(
            problems, header.email, ["email"])
    if header.shipping_address is not UNSET:
        values["shipping_address"] = _address(problems, header.shipping_address,
                                              "shippingAddress")
    if header.billing_address is not UNSET:
        values["billing_address"] = _address(problems, header.billing_address,
                                             "billingAddress")
    if header.shipping_method_id is not UNSET:
        values["shipping_method_id"] = header.shipping_method_id
    if header.discount_code is not UNSET:
        code = normalise_code(header.discount_code or "")
        if len(code) > MAX_CODE_LENGTH:
            problems.add(ErrorCode.DISCOUNT_CODE_INVALID, "no code is that long",
                         ["discountCode"])
        values["discount_code"] = code or None
    if header.customer_note is not UNSET:
        values["customer_note"] = check_note(problems, header.customer_note, ["customerNote"])
    return values


async def _apply_header(session: AsyncSession, problems: Problems, cart: Cart,
                        header: DraftFields, values: dict[str, Any]) -> None:
    """Set the header; a newly chosen customer fills in what was not given: their e-mail
    and their default addresses (where the draft has none yet)."""
    if header.customer_id is not UNSET:
        # Look the customer up before touching the row: autoflush must never write an
        # unknown user id (a foreign-key error instead of a NOT_FOUND problem).
        if header.customer_id is not None:
            customer = (await session.execute(select(User.email, User.is_staff).where(
                User.id == header.customer_id))).first()
            if customer is None or customer.is_staff:
                problems.add(ErrorCode.NOT_FOUND, "no such customer", ["customerId"])
                return
            await _fill_from_customer(session, cart, header, values, customer.email)
        cart.user_id = header.customer_id
    for name, value in values.items():
        setattr(cart, name, value)


async def _fill_from_customer(session: AsyncSession, cart: Cart, header: DraftFields,
                              values: dict[str, Any], email: str) -> None:
    assert isinstance(header.customer_id, int)
    if header.email is UNSET:
        values["email"] = email
    book = (await session.execute(select(Address).where(
        Address.user_id == header.customer_id,
        or_(Address.is_default_shipping, Address.is_default_billing)))).scalars().all()
    names = [f.name for f in fields(AddressData)]
    for address in book:
        data = {n: getattr(address, n) for n in names}
        if address.is_default_shipping and header.shipping_address is UNSET \
                and cart.shipping_address is None:
            values["shipping_address"] = data
        if address.is_default_billing and header.billing_address is UNSET \
                and cart.billing_address is None:
            values["billing_address"] = data


@dataclass(frozen=True, slots=True)
class _Planned:
    quantities: dict[int, int]  # variant id -> quantity after the change
    prices: dict[int, tuple[int | None, str]]  # variant id -> (override, reason) to set


async def _plan_lines(session: AsyncSession, problems: Problems, lines: Sequence[DraftLine],
                      held: dict[int, int], path: str) -> _Planned:
    quantities = merge_additions(problems, [LineRequest(line.variant_id, line.quantity)
                                            for line in lines], held, path)
    prices: dict[int, tuple[int | None, str]] = {}
    for index, line in enumerate(lines):
        if line.unit_price is not None or line.reason:
            reason = check_override(problems, line.unit_price, line.reason, [path, str(index)])
            prices[line.variant_id] = (line.unit_price, reason)  # the last one given wins
    ids = {line.variant_id for line in lines}
    found = {row.id: row for row in (await session.execute(
        select(ProductVariant.id, Product.status, Product.name)
        .join(Product, Product.id == ProductVariant.product_id)
        .where(ProductVariant.id.in_(ids)))).all()} if ids else {}
    for index, line in enumerate(lines):
        row = found.get(line.variant_id)
        field = [path, str(index), "variantId"]
        if row is None:
            problems.add(ErrorCode.NOT_FOUND, "no such product variant", field)
        elif row.status != "ACTIVE":
            problems.add(ErrorCode.PRODUCT_UNAVAILABLE, f"{row.name} is not for sale", field)
    return _Planned(quantities, prices)


async def _write_lines(session: AsyncSession, cart_id: int, planned: _Planned,
                       line_ids: dict[int, int]) -> None:
    """Insert new lines and update existing ones (``line_ids``: variant id -> line id)."""
    now = utcnow()
    inserts, updates = [], []
    for variant_id, quantity in planned.quantities.items():
        row: dict[str, Any] = {"quantity": quantity}
        if variant_id in planned.prices:
            row["price_override"], row["override_reason"] = planned.prices[variant_id]
        if variant_id in line_ids:
            updates.append({"id": line_ids[variant_id], **row})
        else:
            inserts.append({"cart_id": cart_id, "variant_id": variant_id, "created_at": now,
                            "price_override": None, "override_reason": "", **row})
    for row in updates:  # rows differ in which columns they set, so one statement each
        await session.execute(update(CartLine).where(CartLine.id == row.pop("id"))
                              .values(**row))
    if inserts:
        await session.execute(insert(CartLine), inserts)


def _change_override(problems: Problems, row: dict[str, Any], change: DraftLineChange,
                     path: list[str]) -> None:
    if change.unit_price is UNSET:
        if change.reason is None:
            return
        if row["price_override"] is None:
            problems.add(ErrorCode.INVALID, "this line has no price override; give a unitPrice",
                         [*path, "priceOverrideReason"])
            return
        row["override_reason"] = check_override(problems, row["price_override"], change.reason,
                                                path)
    elif change.unit_price is None:
        row["price_override"], row["override_reason"] = None, ""
        check_override(problems, None, change.reason, path)
    else:
        row["override_reason"] = check_override(problems, change.unit_price, change.reason,
                                                path)
        row["price_override"] = change.unit_price


async def _check_choices(session: AsyncSession, cart: Cart, header: DraftFields,
                         settings: Settings) -> None:
    """A shipping method or discount code chosen now must apply to the draft as it stands."""
    method_chosen = header.shipping_method_id is not UNSET and cart.shipping_method_id
    code_chosen = header.discount_code is not UNSET and cart.discount_code
    if not method_chosen and not code_chosen:
        return
    problems = Problems()
    if method_chosen and not cart.shipping_address:
        problems.add(ErrorCode.SHIPPING_ADDRESS_REQUIRED, "give a shipping address first",
                     ["shippingMethodId"])
    view = CartView(id=cart.id, email=cart.email, shipping_address=cart.shipping_address,
                    shipping_method_id=cart.shipping_method_id, discount_code=cart.discount_code)
    q = await quote(session_fetch(session), view, currency=settings.currency,
                    prices_include_tax=settings.prices_include_tax, now=utcnow())
    if method_chosen and cart.shipping_address and q.shipping is None:
        problems.add(ErrorCode.SHIPPING_METHOD_NOT_AVAILABLE,
                     "this method does not deliver this draft to its address; choose one of "
                     "availableShippingMethods", ["shippingMethodId"])
    if code_chosen and q.discount_error is not None:
        problems.add(q.discount_error[0], q.discount_error[1], ["discountCode"])
    problems.raise_if_any()
