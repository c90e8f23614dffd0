"""Countries come from pycountry's ISO 3166-1 data; codes are exact upper-case alpha-2."""

from __future__ import annotations

import pycountry

from commerce.shared.countries import country_name, is_country


def test_every_iso_3166_1_country_is_a_country() -> None:
    codes = [c.alpha_2 for c in pycountry.countries]
    assert len(codes) >= 249
    assert all(is_country(code) for code in codes)


def test_codes_have_names_and_unknown_codes_are_not_countries() -> None:
    assert country_name("DE") == "Germany"
    assert country_name("BO") == "Bolivia"  # the common name, not "..., Plurinational State of"
    assert country_name("QQ") == "QQ"
    assert is_country("GB") and not is_country("UK") and not is_country("us")
    assert not is_country("USA") and not is_country("")
