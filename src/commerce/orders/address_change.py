"""Changing a placed order's addresses, and what a new destination does to its totals.

Tax follows the shipping address (its country's rate, or its region's), so a new shipping
address can change what the order costs:

- While nothing has been paid, the order is re-taxed for the new destination: the lines'
  prices and discounts stay as bought, tax is computed again by the checkout's pricing rules
  (once on the summed base, split over lines and shipping by largest remainder), and the
  history records the old and new totals.
- Once money has been taken (or a payment is pending), a change that would move the order to
  another tax rate or out of its shipping method's zone is refused: the amount paid would no
  longer be the order's total. A correction within the same rate and zone is fine.

Shipping prices depend on the method, weight and order value, never on the address, so the
shipping charge stays while the order's method still serves the new destination. An unpaid
order sent where its method does not deliver is refused too, since nothing could price its
shipping (orders have no way to change method yet).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.cart.pricing import Breakdown, DiscountInput, DiscountKind, LineInput, TaxInput, price
from commerce.db.database import Database
from commerce.db.fetch import session_fetch
from commerce.db.models import Order, OrderLine
from commerce.events.outbox import emit
from commerce.orders.events import OrderEventType, add_event
from commerce.orders.locking import lock_order
from commerce.orders.places import shipping_key
from commerce.orders.search import search_text
from commerce.orders.state import FulfillmentStatus, OrderStatus, PaymentStatus
from commerce.shared.countries import country_name
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError
from commerce.shared.money import format_amount
from commerce.shared.percent import format_percent
from commerce.shipping.lookup import methods_for_country, tax_for

# Any of these means money was taken or may be about to be.
_MONEY_TAKEN = frozenset({PaymentStatus.PENDING, PaymentStatus.AUTHORIZED, PaymentStatus.PAID,
                          PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED})
_TOTALS = ("tax_rate_bp", "shipping", "shipping_tax", "tax", "included_tax", "total")


@dataclass(frozen=True, slots=True)
class _Retaxed:
    rate_bp: int
    breakdown: Breakdown
    line_ids: tuple[int, ...]
    in_zone: bool  # the order's shipping method delivers to the new address


def money_taken(order: Order) -> bool:
    return order.amount_paid > 0 or PaymentStatus(order.payment_status) in _MONEY_TAKEN


async def _retax(session: AsyncSession, order: Order, address: dict[str, Any],
                 prices_include_tax: bool) -> _Retaxed:
    fetch = session_fetch(session)
    country = str(address.get("country_code") or "")
    terms = await tax_for(fetch, country, str(address.get("country_area") or ""))
    if order.shipping_method_id is not None:
        in_zone = any(m.id == order.shipping_method_id
                      for m in await methods_for_country(fetch, country))
    else:  # the method was deleted since: only the same country is surely the same zone
        in_zone = country == (order.shipping_address or {}).get("country_code")
    lines = (await session.execute(
        select(OrderLine.id, OrderLine.unit_price, OrderLine.quantity, OrderLine.discount)
        .where(OrderLine.order_id == order.id).order_by(OrderLine.id))).all()
    # A fixed discount of the order's discount is split over the lines by the same largest
    # remainder as the original one, so the lines keep exactly the discounts they had.
    breakdown = price(
        [LineInput(str(line.id), line.unit_price, line.quantity) for line in lines],
        shipping=order.shipping,
        discount=DiscountInput(DiscountKind.FIXED_AMOUNT, order.discount)
        if order.discount else None,
        tax=TaxInput(terms.rate_bp, terms.applies_to_shipping, prices_include_tax)
        if terms else None)
    if breakdown.subtotal != order.subtotal or breakdown.discount != order.discount or \
            [p.discount for p in breakdown.lines] != [line.discount for line in lines]:
        raise RuntimeError(f"order {order.id}: its lines no longer add up to its amounts")
    return _Retaxed(terms.rate_bp if terms else 0, breakdown,
                    tuple(line.id for line in lines), in_zone)


def _totals(order: Order) -> dict[str, int]:
    return {name: int(getattr(order, name)) for name in _TOTALS}


def _summary(old: dict[str, int], new: dict[str, int], currency: str) -> str:
    parts = []
    if old["tax_rate_bp"] != new["tax_rate_bp"]:
        parts.append(f"tax rate {format_percent(old['tax_rate_bp'])} % → "
                     f"{format_percent(new['tax_rate_bp'])} %")
    for name in ("tax", "total"):
        parts.append(f"{name} {format_amount(old[name], currency)} → "
                     f"{format_amount(new[name], currency)}")
    return ", ".join(parts) + f" {currency}"


def _refuse_if_paid(order: Order, retaxed: _Retaxed, new: dict[str, int],
                    address: dict[str, Any]) -> None:
    if not money_taken(order):
        return
    where = country_name(str(address.get("country_code") or ""))
    if not retaxed.in_zone:
        raise DomainError.one(
            ErrorCode.INVALID_STATE,
            f"this order has been paid, and its shipping method {order.shipping_method_name!r} "
            f"does not deliver to {where}: a new zone would change what it costs. Refund "
            "and place a new order instead", ["shippingAddress", "countryCode"])
    if new != _totals(order):
        raise DomainError.one(
            ErrorCode.INVALID_STATE,
            "this order has been paid, and the new address is taxed differently ("
            f"{_summary(_totals(order), new, order.currency)}): the amount paid would no "
            "longer be its total. Refund and place a new order instead",
            ["shippingAddress", "countryArea"])


async def update_addresses(db: Database, order_id: int, *, actor_id: int | None,
                           shipping_address: dict[str, Any] | None,
                           billing_address: dict[str, Any] | None,
                           prices_include_tax: bool = False) -> None:
    """Change addresses while nothing has shipped (already validated by the caller)."""
    async with db.transaction() as session:
        order = await lock_order(session, order_id)
        if order.fulfillment_status != FulfillmentStatus.UNFULFILLED.value or \
                order.status in (OrderStatus.CANCELED.value, OrderStatus.COMPLETED.value):
            raise DomainError.one(ErrorCode.INVALID_STATE,
                                  "addresses can change only before anything ships")
        old = _totals(order)
        new = old
        retaxed: _Retaxed | None = None
        if shipping_address is not None:
            retaxed = await _retax(session, order, shipping_address, prices_include_tax)
            b = retaxed.breakdown
            new = {"tax_rate_bp": retaxed.rate_bp, "shipping": b.shipping,
                   "shipping_tax": b.shipping_tax, "tax": b.tax,
                   "included_tax": b.tax if prices_include_tax else 0, "total": b.total}
            _refuse_if_paid(order, retaxed, new, shipping_address)
            if not retaxed.in_zone:
                raise DomainError.one(
                    ErrorCode.SHIPPING_METHOD_NOT_AVAILABLE,
                    f"the order's shipping method {order.shipping_method_name!r} does not "
                    f"deliver to {country_name(str(shipping_address.get('country_code')))}",
                    ["shippingAddress", "countryCode"])
        changed = []
        if shipping_address is not None:
            order.shipping_address = shipping_address
            order.shipping_key = shipping_key(shipping_address)
            changed.append("shipping")
        if billing_address is not None:
            order.billing_address = billing_address
            changed.append("billing")
        recomputed = retaxed is not None and new != old
        if retaxed is not None and recomputed:
            for name, value in new.items():
                setattr(order, name, value)
            lines = {p.key: p for p in retaxed.breakdown.lines}
            for line in (await session.execute(select(OrderLine).where(
                    OrderLine.id.in_(retaxed.line_ids)))).scalars():
                line.tax, line.total = lines[str(line.id)].tax, lines[str(line.id)].total
        # Names on the addresses are searchable.
        order.search_text = search_text(order.number, order.email, order.shipping_address,
                                        order.billing_address)
        message = f"{' and '.join(changed)} address updated"
        data: dict[str, Any] = {"changed": changed}
        if recomputed:
            message += f"; totals recomputed: {_summary(old, new, order.currency)}"
            data |= {"currency": order.currency, "old_totals": old, "new_totals": new}
        await add_event(session, order_id, OrderEventType.ADDRESS_UPDATED, actor_id=actor_id,
                        message=message, data=data)
        await emit(session, "order.addresses_updated", "Order", order_id, {
            "order_id": order_id, "changed": changed,
            "shipping_address": order.shipping_address,
            "billing_address": order.billing_address,
            "currency": order.currency, "totals_recomputed": recomputed,
            "old_totals": old, "totals": _totals(order),
            "lines": [{"line_id": int(p.key), "tax": p.tax, "total": p.total}
                      for p in retaxed.breakdown.lines] if recomputed and retaxed else []})
