"""Address rules (pure): required fields, countries, postal codes, phone numbers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from commerce.shared.addresses import AddressData, clean_address, postal_code_problem
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import Problems

US = AddressData(first_name=" Ann ", last_name="Lee", street_address_1="1 Main   St",
                 city="Springfield", country_code="us", postal_code=" 12345-6789 ",
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
    assert cleaned.postal_code == "12345-6789"


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


@pytest.mark.parametrize("country", ["HK", "IE", "AE"])
def test_a_postal_code_is_optional_where_countries_do_not_use_them(country: str) -> None:
    assert problems_of(replace(US, country_code=country, postal_code="")) == {}


@pytest.mark.parametrize(("country", "code", "ok"), [
    ("US", "12345", True), ("US", "1234", False), ("US", "ABCDE", False),
    ("GB", "SW1A 1AA", True), ("GB", "sw1a1aa", True), ("GB", "12345", False),
    ("CA", "K1A 0B1", True), ("CA", "K1A0B1", True), ("CA", "12345", False),
    ("DE", "10115", True), ("NL", "1012 AB", True), ("PL", "00-950", True),
    ("MX", "06600", True), ("MX", "!!", False),
])
def test_postal_codes_are_checked_against_the_country_format(country: str, code: str,
                                                              ok: bool) -> None:
    problems = Problems()
    clean_address(replace(US, country_code=country, postal_code=code), problems)
    assert (not problems) is ok


def test_a_postal_code_problem_names_the_country() -> None:
    assert postal_code_problem("US", "") == "a postal code is required for US"


@pytest.mark.parametrize(("phone", "ok"), [
    ("", True), ("+44 20 7946 0958", True), ("020-7946-0958", True),
    ("12", False), ("call me", False), ("+1234567890123456", False),
])
def test_phone_numbers_need_5_to_15_digits(phone: str, ok: bool) -> None:
    assert (("address", "phone") not in problems_of(replace(US, phone=phone))) is ok


def test_overlong_fields_are_rejected() -> None:
    assert problems_of(replace(US, city="x" * 257)) == {("address", "city"): ErrorCode.INVALID}
