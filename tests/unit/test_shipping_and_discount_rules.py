"""What staff may store as shipping zones, methods, bands, tax rates and discount codes."""

from __future__ import annotations

from datetime import UTC, datetime

from commerce.cart.pricing import DiscountKind
from commerce.discounts.validation import DiscountData, check_discount, value_text
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import Problems
from commerce.shipping.rules import (
    BandData,
    MethodData,
    TaxRateData,
    ZoneData,
    check_method,
    check_tax_rate,
    check_zone,
)


def _fields(problems: Problems) -> dict[tuple[str, ...] | None, ErrorCode]:
    return {p.field: p.code for p in problems.items}


def test_zone_countries_are_cleaned_and_every_bad_one_is_reported() -> None:
    problems = Problems()
    clean = check_zone(problems, ZoneData(name=" Europe ", countries=["de", " FR", "XX", "DE"]))
    assert clean.name == "Europe"
    assert list(clean.countries) == ["DE", "FR", "XX"]
    assert _fields(problems) == {("countries", "2"): ErrorCode.INVALID,
                                 ("countries", "3"): ErrorCode.DUPLICATE}


def test_a_zone_needs_a_name() -> None:
    problems = Problems()
    check_zone(problems, ZoneData(name="  ", countries=[]))
    assert _fields(problems) == {("name",): ErrorCode.REQUIRED}


def test_a_method_reports_delivery_days_free_over_and_each_bad_band_at_once() -> None:
    problems = Problems()
    check_method(problems, MethodData(
        zone_id=1, name="Standard", min_delivery_days=5, max_delivery_days=2, free_over=-1,
        rates=[BandData(price=500, min_weight_grams=0, max_weight_grams=1000),
               BandData(price=-1, min_weight_grams=1000, max_weight_grams=1000),
               BandData(price=900, min_order_value=5000, max_order_value=100)]))
    assert _fields(problems) == {
        ("maxDeliveryDays",): ErrorCode.INVALID, ("freeOver",): ErrorCode.INVALID,
        ("rates", "1", "price"): ErrorCode.INVALID,
        ("rates", "1", "maxWeightGrams"): ErrorCode.INVALID,
        ("rates", "2", "maxOrderValue"): ErrorCode.INVALID,
    }


def test_open_ended_bands_are_fine() -> None:
    problems = Problems()
    check_method(problems, MethodData(zone_id=1, name="Express", rates=[
        BandData(price=0), BandData(price=100, min_weight_grams=500),
        BandData(price=100, max_order_value=10_000)]))
    assert not problems


def test_a_tax_rate_upper_cases_country_and_region_and_bounds_the_rate() -> None:
    problems = Problems()
    clean = check_tax_rate(problems, TaxRateData(country_code="us", country_area=" ca ",
                                                 rate_bp=725))
    assert (clean.country_code, clean.country_area) == ("US", "CA")
    assert not problems
    check_tax_rate(problems, TaxRateData(country_code="ZZ", rate_bp=10_001))
    assert _fields(problems) == {("countryCode",): ErrorCode.INVALID,
                                 ("rate",): ErrorCode.INVALID}


def test_a_discount_value_is_read_by_its_kind() -> None:
    problems = Problems()
    percentage = check_discount(problems, DiscountData(
        code=" welcome10 ", kind=DiscountKind.PERCENTAGE, value="12.5"), currency="USD")
    fixed = check_discount(problems, DiscountData(
        code="SUMMER5", kind=DiscountKind.FIXED_AMOUNT, value="5.00"), currency="USD")
    free = check_discount(problems, DiscountData(
        code="FREESHIP", kind=DiscountKind.FREE_SHIPPING), currency="USD")
    assert not problems
    assert (percentage["code"], percentage["value"]) == ("WELCOME10", 1250)
    assert (fixed["value"], free["value"]) == (500, 0)
    assert value_text(DiscountKind.PERCENTAGE, 1250, "USD") == "12.5"
    assert value_text(DiscountKind.FIXED_AMOUNT, 500, "USD") == "5.00"


def test_a_discount_reports_every_problem_at_once() -> None:
    problems = Problems()
    check_discount(problems, DiscountData(
        code="no spaces", kind=DiscountKind.PERCENTAGE, value="8.875",
        starts_at=datetime(2025, 2, 1, tzinfo=UTC), ends_at=datetime(2025, 1, 1, tzinfo=UTC),
        usage_limit=0, usage_limit_per_customer=-1), currency="USD")
    assert _fields(problems) == {
        ("code",): ErrorCode.INVALID, ("value",): ErrorCode.INVALID,
        ("endsAt",): ErrorCode.INVALID, ("usageLimit",): ErrorCode.INVALID,
        ("usageLimitPerCustomer",): ErrorCode.INVALID}


def test_a_discount_needs_the_value_its_kind_asks_for() -> None:
    for kind, value, code in ((DiscountKind.PERCENTAGE, None, ErrorCode.REQUIRED),
                              (DiscountKind.PERCENTAGE, "0", ErrorCode.INVALID),
                              (DiscountKind.FIXED_AMOUNT, "1.234", ErrorCode.INVALID),
                              (DiscountKind.FIXED_AMOUNT, "0", ErrorCode.INVALID),
                              (DiscountKind.FREE_SHIPPING, "1", ErrorCode.INVALID)):
        problems = Problems()
        check_discount(problems, DiscountData(code="X", kind=kind, value=value),
                       currency="USD")
        assert _fields(problems) == {("value",): code}, (kind, value)


def test_a_usage_limit_cannot_go_below_the_uses_already_counted() -> None:
    problems = Problems()
    check_discount(problems, DiscountData(code="X", kind=DiscountKind.FREE_SHIPPING,
                                          usage_limit=3), currency="USD", times_used=4)
    assert _fields(problems) == {("usageLimit",): ErrorCode.INVALID}
