"""Address rules (pure): required fields, countries, areas, postal codes, phone numbers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from commerce.shared.addresses import (
    AddressData,
    clean_address,
    match_area,
    normalise,
    postal_code_problem,
)
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import Problems

US = AddressData(first_name=" Ann ", last_name="Lee", street_address_1="1 Main   St",
                 city="Springfield", country_code="us", country_area="il",
                 postal_code=" 62701-6789 ",
                 phone="+1 (555) 010-0000")


def problems_of(data: AddressData) -> dict[tuple[str, ...], ErrorCode]:
    problems = Problems()
    clean_address(data, problems, ["address"])
    return {p.field or (): p.code for p in problems.items}


def test_a_valid_address_is_trimmed_and_normalised() -> None:
    problems = Problems()
    cleaned = clean_address(US, problems)
    assert not problems
    assert cleaned.first_name == "Ann"
    assert cleaned.street_address_1 == "1 Main St"
    assert cleaned.country_code == "US"
    assert cleaned.country_area == "IL"
    assert cleaned.postal_code == "62701-6789"


def test_every_missing_required_field_is_reported_at_once() -> None:
    empty = AddressData(first_name="", last_name=" ", street_address_1="", city="",
                        country_code="")
    assert problems_of(empty) == {
        ("address", "firstName"): ErrorCode.REQUIRED,
        ("address", "lastName"): ErrorCode.REQUIRED,
        ("address", "streetAddress1"): ErrorCode.REQUIRED,
        ("address", "city"): ErrorCode.REQUIRED,
        ("address", "countryCode"): ErrorCode.REQUIRED,
    }


@pytest.mark.parametrize("code", ["XX", "UK", "USA", "1A"])
def test_a_country_code_must_be_a_real_iso_3166_alpha_2_code(code: str) -> None:
    assert ("address", "countryCode") in problems_of(replace(US, country_code=code))


def test_a_postal_code_is_required_where_countries_use_them() -> None:
    assert problems_of(replace(US, postal_code="")) == {
        ("address", "postalCode"): ErrorCode.REQUIRED}


@pytest.mark.parametrize(("country", "area", "city"), [
    ("HK", "Kowloon", "Kowloon Tong"), ("IE", "", "Dublin"), ("AE", "Dubai", "Dubai")])
def test_a_postal_code_is_optional_where_countries_do_not_use_them(country: str, area: str,
                                                                    city: str) -> None:
    assert problems_of(replace(US, country_code=country, country_area=area, city=city,
                               postal_code="")) == {}


@pytest.mark.parametrize(("given", "stored"), [
    ("California", "CA"), ("california", "CA"), ("ca", "CA"), (" CA ", "CA"),
    ("new   york", "NY"), ("District of Columbia", "DC"),
])
def test_a_us_state_is_stored_as_its_code_however_it_was_written(given: str,
                                                                  stored: str) -> None:
    problems = Problems()
    postal_code = {"CA": "94103", "NY": "10001", "DC": "20001"}[stored]
    cleaned = clean_address(replace(US, country_area=given, postal_code=postal_code), problems)
    assert not problems
    assert cleaned.country_area == stored


@pytest.mark.parametrize("area", ["XX", "Californa", "Bavaria"])
def test_an_unknown_area_is_an_error_on_the_area_field(area: str) -> None:
    problems = Problems()
    clean_address(replace(US, country_area=area), problems, ["shippingAddress"])
    assert [(p.code, p.field) for p in problems.items] == [
        (ErrorCode.INVALID, ("shippingAddress", "countryArea"))]
    assert "not a state of United States" in problems.items[0].message


def test_a_country_that_needs_an_area_reports_a_missing_one() -> None:
    assert problems_of(replace(US, country_area="")) == {
        ("address", "countryArea"): ErrorCode.REQUIRED}


def test_canadian_provinces_are_normalised_too() -> None:
    problems = Problems()
    cleaned = clean_address(replace(US, country_code="CA", country_area="Ontario",
                                    postal_code="k1a 0b1"), problems)
    assert not problems
    assert (cleaned.country_area, cleaned.postal_code) == ("ON", "K1A 0B1")


def test_countries_without_areas_in_their_addresses_drop_the_area() -> None:
    problems = Problems()
    cleaned = clean_address(replace(US, country_code="DE", country_area="Berlin",
                                    postal_code="10115"), problems)
    assert not problems
    assert cleaned.country_area == ""


@pytest.mark.parametrize(("country", "area", "code", "ok"), [
    ("US", "IL", "62701", True), ("US", "IL", "1234", False), ("US", "IL", "ABCDE", False),
    ("US", "CA", "10001", False),  # a New York ZIP code is not a Californian one
    ("GB", "", "SW1A 1AA", True), ("GB", "", "sw1a1aa", True), ("GB", "", "12345", False),
    ("CA", "ON", "K1A 0B1", True), ("CA", "ON", "K1A0B1", True), ("CA", "ON", "12345", False),
    ("DE", "", "10115", True), ("NL", "", "1012 AB", True), ("PL", "", "00-950", True),
    ("MX", "CDMX", "06600", True), ("MX", "CDMX", "!!", False),
])
def test_postal_codes_are_checked_against_the_country_format(country: str, area: str,
                                                              code: str, ok: bool) -> None:
    problems = Problems()
    clean_address(replace(US, country_code=country, country_area=area, postal_code=code),
                  problems)
    assert (not problems) is ok, problems.items
    if not ok:
        assert {p.field for p in problems.items} == {("postalCode",)}


def test_a_postal_code_problem_names_the_country_and_gives_examples() -> None:
    assert postal_code_problem("US", "") == "a ZIP code is required for US"
    message = postal_code_problem("US", "10001", "CA")
    assert message is not None and "US-CA" in message and "90000" in message


def test_areas_match_by_code_or_name_and_unknown_ones_do_not() -> None:
    assert match_area("US", "california") == "CA"
    assert match_area("US", "") == ""
    assert match_area("US", "XX") is None
    assert match_area("DE", "Bayern") is None  # German addresses name no state
    assert match_area("QQ", "CA") is None


@pytest.mark.parametrize(("phone", "ok"), [
    ("", True), ("+44 20 7946 0958", True), ("020-7946-0958", True),
    ("12", False), ("call me", False), ("+1234567890123456", False),
])
def test_phone_numbers_need_5_to_15_digits(phone: str, ok: bool) -> None:
    assert (("address", "phone") not in problems_of(replace(US, phone=phone))) is ok


def test_overlong_fields_are_rejected_without_reaching_the_cache() -> None:
    cached = normalise.cache_info().currsize
    assert problems_of(replace(US, city="x" * 257)) == {("address", "city"): ErrorCode.INVALID}
    assert problems_of(replace(US, street_address_2="y" * 100_000)) == {
        ("address", "streetAddress2"): ErrorCode.INVALID}
    assert normalise.cache_info().currsize == cached
