"""A cart's quote: its lines, shipping options, discount, tax, totals and stock warnings.

Used by the API to show a cart and by checkout to price the order, so both agree to the unit.
A quote never fails because stock moved or a code expired: those become warnings and
problems that the storefront can show, and that checkout turns into errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from commerce.cart.pricing import Breakdown, DiscountKind, LineInput, TaxInput, price
from commerce.catalog.queries import available_column
from commerce.db.fetch import Fetch
from commerce.db.models import CartLine, DiscountCode, DiscountUsage, Product, ProductVariant
from commerce.discounts.rules import DiscountTerms, discount_problem, normalise_code
from commerce.shared.error_codes import ErrorCode
from commerce.shipping.lookup import ShippingOption, TaxTerms, methods_for_country, options, tax_for


@dataclass(frozen=True, slots=True)
class CartView:
    """The cart fields a quote depends on."""

    id: int
    email: str | None
    shipping_address: dict[str, Any] | None
    shipping_method_id: int | None
    discount_code: str | None


@dataclass(frozen=True, slots=True)
class QuoteLine:
    line_id: int
    variant_id: int
    product_id: int
    product_name: str
    product_active: bool
    variant_name: str
    sku: str
    quantity: int
    unit_price: int
    catalog_price: int
    override_reason: str
    weight_grams: int
    track_inventory: bool
    allow_backorder: bool
    available: int

    @property
    def limited(self) -> bool:
        """Whether stock limits how many can be bought."""
        return self.track_inventory and not self.allow_backorder


@dataclass(frozen=True, slots=True)
class LineWarning:
    line_id: int
    variant_id: int
    code: ErrorCode
    message: str
    quantity_available: int


@dataclass(frozen=True, slots=True)
class Quote:
    currency: str
    lines: tuple[QuoteLine, ...]
    breakdown: Breakdown
    weight_grams: int
    shipping_options: tuple[ShippingOption, ...]
    shipping: ShippingOption | None  # the selected method, when it is still available
    discount: DiscountTerms | None  # applied
    discount_error: tuple[ErrorCode, str] | None  # why the cart's code is not applied
    tax: TaxTerms | None
    warnings: tuple[LineWarning, ...]


_LINES = (
    select(CartLine.id.label("line_id"), CartLine.cart_id, CartLine.quantity,
           CartLine.price_override, CartLine.override_reason, ProductVariant.id.label("variant_id"),
           ProductVariant.product_id, ProductVariant.name.label("variant_name"),
           ProductVariant.sku, ProductVariant.price_amount, ProductVariant.weight_grams,
           ProductVariant.track_inventory, ProductVariant.allow_backorder,
           Product.name.label("product_name"), Product.status,
           # The cart's own reservations are its to take, so they count as available to it.
           available_column(excluding_cart=CartLine.cart_id))
    .join(ProductVariant, ProductVariant.id == CartLine.variant_id)
    .join(Product, Product.id == ProductVariant.product_id)
    .order_by(CartLine.id)
)


def line_from_row(row: Any) -> QuoteLine:
    override = row.price_override
    return QuoteLine(
        line_id=row.line_id, variant_id=row.variant_id, product_id=row.product_id,
        product_name=row.product_name, product_active=row.status == "ACTIVE",
        variant_name=row.variant_name, sku=row.sku, quantity=row.quantity,
        unit_price=row.price_amount if override is None else override,
        catalog_price=row.price_amount, override_reason=row.override_reason or "",
        weight_grams=row.weight_grams or 0, track_inventory=row.track_inventory,
        allow_backorder=row.allow_backorder, available=max(int(row.available), 0))


async def load_lines(fetch: Fetch, cart_id: int) -> list[QuoteLine]:
    return [line_from_row(r) for r in await fetch(_LINES.where(CartLine.cart_id == cart_id))]


async def load_discount(fetch: Fetch, code: str, email: str | None
                        ) -> tuple[DiscountTerms | None, int]:
    """The code's terms (None if no such code) and how often ``email`` has used it."""
    # Columns, not the entity: over a request reader (Core) an entity select yields plain
    # column rows, so ``rows[0][0]`` would be the id rather than a DiscountCode.
    rows = await fetch(select(*DiscountCode.__table__.columns)
                       .where(DiscountCode.code == normalise_code(code)))
    if not rows:
        return None, 0
    d = rows[0]
    terms = DiscountTerms(
        id=d.id, code=d.code, kind=DiscountKind(d.kind), value=d.value, starts_at=d.starts_at,
        ends_at=d.ends_at, min_subtotal=d.min_subtotal, usage_limit=d.usage_limit,
        usage_limit_per_customer=d.usage_limit_per_customer, times_used=d.times_used,
        is_active=d.is_active)
    uses = 0
    if email and terms.usage_limit_per_customer is not None:
        counted = await fetch(select(func.count()).select_from(DiscountUsage).where(
            DiscountUsage.discount_id == d.id, DiscountUsage.email == email.lower()))
        uses = int(counted[0][0])
    return terms, uses


def warnings_for(lines: list[QuoteLine]) -> list[LineWarning]:
    found = []
    for line in lines:
        if not line.product_active:
            found.append(LineWarning(line.line_id, line.variant_id,
                                     ErrorCode.PRODUCT_UNAVAILABLE,
                                     f"{line.product_name} is no longer for sale", 0))
        elif line.limited and line.available == 0:
            found.append(LineWarning(line.line_id, line.variant_id, ErrorCode.OUT_OF_STOCK,
                                     f"{line.product_name} ({line.sku}) is out of stock", 0))
        elif line.limited and line.available < line.quantity:
            found.append(LineWarning(
                line.line_id, line.variant_id, ErrorCode.INSUFFICIENT_STOCK,
                f"only {line.available} of {line.product_name} ({line.sku}) left",
                line.available))
    return found


async def quote(fetch: Fetch, cart: CartView, *, currency: str, prices_include_tax: bool,
                now: datetime, lines: list[QuoteLine] | None = None,
                with_tax: bool = True) -> Quote:
    """``with_tax=False`` skips the tax lookup when only availability and amounts before
    tax matter (validating a shipping method or a code), saving a statement."""
    if lines is None:
        lines = await load_lines(fetch, cart.id)
    inputs = [LineInput(str(line.line_id), line.unit_price, line.quantity) for line in lines]
    subtotal = sum(i.unit_price * i.quantity for i in inputs)
    weight = sum(line.weight_grams * line.quantity for line in lines)

    discount: DiscountTerms | None = None
    discount_error: tuple[ErrorCode, str] | None = None
    if cart.discount_code:
        terms, uses = await load_discount(fetch, cart.discount_code, cart.email)
        if terms is None:
            discount_error = (ErrorCode.DISCOUNT_CODE_INVALID,
                              f"the code {normalise_code(cart.discount_code)} is not valid")
        else:
            discount_error = discount_problem(terms, now=now, subtotal=subtotal,
                                              currency=currency, customer_uses=uses)
            discount = terms if discount_error is None else None

    # Shipping thresholds and bands look at the value after discount.
    before_shipping = price(inputs, discount=discount.pricing if discount else None)
    order_value = before_shipping.subtotal - before_shipping.discount
    address = cart.shipping_address or {}
    country = str(address.get("country_code") or "")
    available_options: list[ShippingOption] = []
    tax: TaxTerms | None = None
    if country:
        methods = await methods_for_country(fetch, country)
        available_options = options(methods, weight_grams=weight, order_value=order_value)
        if with_tax:
            tax = await tax_for(fetch, country, str(address.get("country_area") or ""))
    selected = next((o for o in available_options if o.method_id == cart.shipping_method_id),
                    None)
    breakdown = price(
        inputs, shipping=selected.price if selected else 0,
        discount=discount.pricing if discount else None,
        tax=TaxInput(tax.rate_bp, tax.applies_to_shipping, prices_include_tax) if tax else None)
    return Quote(
        currency=currency, lines=tuple(lines), breakdown=breakdown, weight_grams=weight,
        shipping_options=tuple(available_options), shipping=selected, discount=discount,
        discount_error=discount_error, tax=tax, warnings=tuple(warnings_for(lines)))
