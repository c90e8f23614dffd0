"""ISO 3166-1 countries, from pycountry (the Debian iso-codes data), not a hand-kept table.

Pure lookups over packaged data; no network. Codes are exact upper-case alpha-2 codes
(pycountry itself matches case-insensitively; callers upper-case user input first).
"""

from __future__ import annotations

from functools import cache

import pycountry


@cache
def _name(code: str) -> str | None:
    if len(code) != 2 or not code.isalpha() or not code.isupper():
        return None
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return None
    # "Bolivia" reads better than "Bolivia, Plurinational State of" where iso-codes has it.
    return str(getattr(country, "common_name", None) or country.name)


def is_country(code: str) -> bool:
    """Whether ``code`` is an assigned ISO 3166-1 alpha-2 code ("GB" yes; "UK", "us" no)."""
    return _name(code) is not None


def country_name(code: str) -> str:
    """The country's English name; the code itself for a code that is not a country."""
    return _name(code) or code
