"""Shipping method prices by weight band and/or order value (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RateBand:
    """A price that applies when the cart's weight and value fall inside the band.

    Bounds are inclusive at the minimum and exclusive at the maximum; ``None`` is open.
    """

    price: int
    min_weight_grams: int | None = None
    max_weight_grams: int | None = None
    min_order_value: int | None = None
    max_order_value: int | None = None

    def matches(self, weight_grams: int, order_value: int) -> bool:
        return (
            (self.min_weight_grams is None or weight_grams >= self.min_weight_grams)
            and (self.max_weight_grams is None or weight_grams < self.max_weight_grams)
            and (self.min_order_value is None or order_value >= self.min_order_value)
            and (self.max_order_value is None or order_value < self.max_order_value)
        )


def method_price(bands: Sequence[RateBand], *, weight_grams: int, order_value: int,
                 free_over: int | None = None) -> int | None:
    """The method's price for this cart, or None when no band covers it (not offered).

    ``order_value`` is the subtotal after discounts. A cart at or over ``free_over`` ships
    free. When several bands match, the cheapest wins.
    """
    if free_over is not None and order_value >= free_over:
        return 0
    prices = [band.price for band in bands if band.matches(weight_grams, order_value)]
    return min(prices) if prices else None
