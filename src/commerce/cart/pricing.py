"""Cart and order pricing: a pure function from lines, discount, shipping and tax to amounts.

Documented rules (all amounts integer minor units of one currency):

1. Line subtotal = unit price x quantity; subtotal = sum of line subtotals.
2. A percentage discount is ``subtotal x percent``, rounded once; a fixed discount is capped
   at the subtotal; either is split across lines by largest remainder, weighted by line
   subtotal, so line discounts sum exactly to the order discount. A free-shipping discount
   makes shipping 0 and leaves lines alone.
3. Tax is computed ONCE on the summed taxable base (lines after discount, plus shipping when
   the rate taxes shipping), rounded half away from zero, then split across lines (and
   shipping) by largest remainder weighted by their bases. Line taxes therefore sum exactly
   to the order tax, and the order is never off by accumulated per-line rounding.
4. Prices are tax-exclusive by default (tax is added). With tax-inclusive prices the tax is
   the part of the gross already inside the price: ``gross x rate / (1 + rate)``.
5. Total = subtotal - discount + shipping + tax (tax-exclusive) or
   subtotal - discount + shipping (tax-inclusive).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from commerce.shared.money import allocate
from commerce.shared.rounding import BASIS_POINTS, div_round


class DiscountKind(StrEnum):
    PERCENTAGE = "PERCENTAGE"  # value in basis points: 1500 = 15 %
    FIXED_AMOUNT = "FIXED_AMOUNT"  # value in minor units
    FREE_SHIPPING = "FREE_SHIPPING"


@dataclass(frozen=True, slots=True)
class LineInput:
    key: str
    unit_price: int
    quantity: int


@dataclass(frozen=True, slots=True)
class DiscountInput:
    kind: DiscountKind
    value: int = 0


@dataclass(frozen=True, slots=True)
class TaxInput:
    rate_bp: int  # basis points
    applies_to_shipping: bool = True
    prices_include_tax: bool = False


@dataclass(frozen=True, slots=True)
class LinePrice:
    key: str
    unit_price: int
    quantity: int
    subtotal: int
    discount: int
    tax: int
    total: int


@dataclass(frozen=True, slots=True)
class Breakdown:
    lines: tuple[LinePrice, ...]
    subtotal: int
    discount: int  # on lines
    shipping: int  # after any free-shipping discount
    shipping_discount: int
    shipping_tax: int
    tax: int  # lines + shipping
    total: int


def price(lines: Sequence[LineInput], *, shipping: int = 0,
          discount: DiscountInput | None = None, tax: TaxInput | None = None) -> Breakdown:
    if any(line.quantity < 0 or line.unit_price < 0 for line in lines) or shipping < 0:
        raise ValueError("prices, quantities and shipping must not be negative")
    subtotals = [line.unit_price * line.quantity for line in lines]
    subtotal = sum(subtotals)

    order_discount = 0
    shipping_discount = 0
    if discount is not None:
        if discount.kind is DiscountKind.PERCENTAGE:
            pct = min(max(discount.value, 0), BASIS_POINTS)
            order_discount = div_round(subtotal * pct, BASIS_POINTS)
        elif discount.kind is DiscountKind.FIXED_AMOUNT:
            order_discount = min(max(discount.value, 0), subtotal)
        else:
            shipping_discount = shipping
    line_discounts = allocate(order_discount, subtotals) if lines else []
    shipping_after = shipping - shipping_discount

    bases = [s - d for s, d in zip(subtotals, line_discounts, strict=True)]
    shipping_base = shipping_after if tax is not None and tax.applies_to_shipping else 0
    total_tax = 0
    if tax is not None and tax.rate_bp > 0:
        taxable = sum(bases) + shipping_base
        if tax.prices_include_tax:
            total_tax = div_round(taxable * tax.rate_bp, BASIS_POINTS + tax.rate_bp)
        else:
            total_tax = div_round(taxable * tax.rate_bp, BASIS_POINTS)
    split = allocate(total_tax, [*bases, shipping_base]) if (bases or shipping_base) else [0]
    line_taxes, shipping_tax = split[:-1], split[-1]

    added_tax = 0 if tax is not None and tax.prices_include_tax else 1
    priced = tuple(
        LinePrice(key=line.key, unit_price=line.unit_price, quantity=line.quantity,
                  subtotal=s, discount=d, tax=t, total=s - d + t * added_tax)
        for line, s, d, t in zip(lines, subtotals, line_discounts, line_taxes, strict=True)
    )
    return Breakdown(
        lines=priced, subtotal=subtotal, discount=order_discount, shipping=shipping_after,
        shipping_discount=shipping_discount, shipping_tax=shipping_tax, tax=total_tax,
        total=subtotal - order_discount + shipping_after + total_tax * added_tax,
    )
