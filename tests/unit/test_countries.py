"""The country table is the full ISO 3166-1 alpha-2 list and the postal rules refer to it."""

from __future__ import annotations

from commerce.shared.countries import (
    COUNTRIES,
    POSTAL_CODE_FORMATS,
    POSTAL_CODE_OPTIONAL,
    country_name,
    is_country,
)


def test_the_table_holds_every_iso_3166_1_country() -> None:
    assert len(COUNTRIES) == 249
    assert all(len(code) == 2 and code.isalpha() and code.isupper() for code in COUNTRIES)


def test_postal_code_rules_only_name_real_countries() -> None:
    assert set(POSTAL_CODE_OPTIONAL) <= set(COUNTRIES)
    assert set(POSTAL_CODE_FORMATS) <= set(COUNTRIES)
    assert not set(POSTAL_CODE_OPTIONAL) & set(POSTAL_CODE_FORMATS)


def test_codes_have_names_and_unknown_codes_are_not_countries() -> None:
    assert country_name("DE") == "Germany"
    assert is_country("GB") and not is_country("UK") and not is_country("us")
