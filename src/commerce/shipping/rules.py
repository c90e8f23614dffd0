"""What staff may store as shipping zones, methods, rate bands and tax rates (pure checks).

Each ``check_*`` validates a whole record as it will be stored, reports every problem with
its path inside the mutation input, and returns the record cleaned (trimmed, upper-cased).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from commerce.catalog.rules import MAX_AMOUNT, MAX_WEIGHT_GRAMS, check_text
from commerce.shared.addresses import match_area
from commerce.shared.countries import country_name, is_country
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import Problems
from commerce.shared.unset import UNSET, Maybe

MAX_NAME = 250
MAX_DESCRIPTION = 1000
MAX_AREA = 128
MAX_DELIVERY_DAYS = 365
MAX_BANDS = 50
MAX_COUNTRIES = 300

Path = Sequence[str]


@dataclass(frozen=True, slots=True)
class ZoneData:
    name: str
    countries: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class ZoneChanges:
    name: Maybe[str] = UNSET
    countries: Maybe[Sequence[str]] = UNSET


@dataclass(frozen=True, slots=True)
class BandData:
    """A price band: weight [min, max) and/or order value [min, max); None = open."""

    price: int
    min_weight_grams: int | None = None
    max_weight_grams: int | None = None
    min_order_value: int | None = None
    max_order_value: int | None = None


@dataclass(frozen=True, slots=True)
class MethodData:
    zone_id: int
    name: str
    description: str = ""
    min_delivery_days: int = 1
    max_delivery_days: int = 5
    free_over: int | None = None
    is_active: bool = True
    rates: Sequence[BandData] = ()


@dataclass(frozen=True, slots=True)
class MethodChanges:
    """Fields left UNSET stay; ``rates`` given replaces every band of the method."""

    zone_id: Maybe[int] = UNSET
    name: Maybe[str] = UNSET
    description: Maybe[str] = UNSET
    min_delivery_days: Maybe[int] = UNSET
    max_delivery_days: Maybe[int] = UNSET
    free_over: Maybe[int | None] = UNSET
    is_active: Maybe[bool] = UNSET
    rates: Maybe[Sequence[BandData]] = UNSET


@dataclass(frozen=True, slots=True)
class TaxRateData:
    country_code: str
    rate_bp: int
    country_area: str = ""  # "" = the whole country
    applies_to_shipping: bool = True
    name: str = ""


@dataclass(frozen=True, slots=True)
class TaxRateChanges:
    country_code: Maybe[str] = UNSET
    rate_bp: Maybe[int] = UNSET
    country_area: Maybe[str] = UNSET
    applies_to_shipping: Maybe[bool] = UNSET
    name: Maybe[str] = UNSET


def check_country(problems: Problems, code: str, path: Path) -> str:
    code = code.strip().upper()
    if not is_country(code):
        problems.add(ErrorCode.INVALID, f"{code or 'blank'} is not an ISO 3166-1 alpha-2 "
                     "country code such as \"US\"", path)
    return code


def check_zone(problems: Problems, data: ZoneData) -> ZoneData:
    name = check_text(problems, data.name, ["name"], max_length=MAX_NAME, required=True)
    if len(data.countries) > MAX_COUNTRIES:
        problems.add(ErrorCode.INVALID, f"at most {MAX_COUNTRIES} countries", ["countries"])
    countries: list[str] = []
    for i, raw in enumerate(data.countries):
        code = check_country(problems, raw, ["countries", str(i)])
        if code in countries:
            problems.add(ErrorCode.DUPLICATE, f"{code} is listed twice", ["countries", str(i)])
        else:
            countries.append(code)
    return ZoneData(name=name, countries=countries)


def _range(problems: Problems, low: int | None, high: int | None, limit: int,
           path: Path, low_name: str, high_name: str) -> None:
    for value, name in ((low, low_name), (high, high_name)):
        if value is not None and not 0 <= value <= limit:
            problems.add(ErrorCode.INVALID, f"must be between 0 and {limit}", [*path, name])
    if low is not None and high is not None and low >= high:
        problems.add(ErrorCode.INVALID, f"must be greater than {low_name}", [*path, high_name])


def check_band(problems: Problems, band: BandData, path: Path) -> None:
    if not 0 <= band.price <= MAX_AMOUNT:
        problems.add(ErrorCode.INVALID, "is out of range", [*path, "price"])
    _range(problems, band.min_weight_grams, band.max_weight_grams, MAX_WEIGHT_GRAMS, path,
           "minWeightGrams", "maxWeightGrams")
    _range(problems, band.min_order_value, band.max_order_value, MAX_AMOUNT, path,
           "minOrderValue", "maxOrderValue")


def check_method(problems: Problems, data: MethodData) -> MethodData:
    name = check_text(problems, data.name, ["name"], max_length=MAX_NAME, required=True)
    description = check_text(problems, data.description, ["description"],
                             max_length=MAX_DESCRIPTION)
    if not 0 <= data.min_delivery_days <= MAX_DELIVERY_DAYS:
        problems.add(ErrorCode.INVALID, f"must be between 0 and {MAX_DELIVERY_DAYS}",
                     ["minDeliveryDays"])
    if not 0 <= data.max_delivery_days <= MAX_DELIVERY_DAYS:
        problems.add(ErrorCode.INVALID, f"must be between 0 and {MAX_DELIVERY_DAYS}",
                     ["maxDeliveryDays"])
    elif data.max_delivery_days < data.min_delivery_days:
        problems.add(ErrorCode.INVALID, "must not be less than minDeliveryDays",
                     ["maxDeliveryDays"])
    if data.free_over is not None and not 0 <= data.free_over <= MAX_AMOUNT:
        problems.add(ErrorCode.INVALID, "is out of range", ["freeOver"])
    if len(data.rates) > MAX_BANDS:
        problems.add(ErrorCode.INVALID, f"at most {MAX_BANDS} rates per method", ["rates"])
    for i, band in enumerate(data.rates):
        check_band(problems, band, ["rates", str(i)])
    return replace(data, name=name, description=description)


def check_tax_rate(problems: Problems, data: TaxRateData) -> TaxRateData:
    country = check_country(problems, data.country_code, ["countryCode"])
    area = check_text(problems, data.country_area, ["countryArea"], max_length=MAX_AREA)
    if area and is_country(country) and len(area) <= MAX_AREA:
        # Stored as the area's key, the form addresses are normalised to, so they match.
        key = match_area(country, area)
        if key is None:
            problems.add(ErrorCode.INVALID, f"{area!r} is not a region of "
                         f"{country_name(country)} that addresses can name", ["countryArea"])
        area = key or area
    area = area.upper()
    if not 0 <= data.rate_bp <= 10_000:
        problems.add(ErrorCode.INVALID, "must be between 0 and 100", ["rate"])
    name = check_text(problems, data.name, ["name"], max_length=MAX_NAME)
    return replace(data, country_code=country, country_area=area, name=name)
