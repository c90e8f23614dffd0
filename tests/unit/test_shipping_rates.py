from __future__ import annotations

from commerce.shipping.rates import RateBand, method_price

BANDS = [RateBand(500, max_weight_grams=1000), RateBand(900, min_weight_grams=1000,
                                                        max_weight_grams=5000)]


def test_the_weight_band_sets_the_price() -> None:
    assert method_price(BANDS, weight_grams=999, order_value=0) == 500
    assert method_price(BANDS, weight_grams=1000, order_value=0) == 900


def test_a_cart_outside_every_band_cannot_use_the_method() -> None:
    assert method_price(BANDS, weight_grams=5000, order_value=0) is None


def test_orders_over_the_threshold_ship_free() -> None:
    assert method_price(BANDS, weight_grams=100, order_value=5000, free_over=5000) == 0
    assert method_price(BANDS, weight_grams=100, order_value=4999, free_over=5000) == 500


def test_order_value_bands_and_the_cheapest_match() -> None:
    bands = [RateBand(1000), RateBand(300, min_order_value=2000)]
    assert method_price(bands, weight_grams=0, order_value=1999) == 1000
    assert method_price(bands, weight_grams=0, order_value=2000) == 300
