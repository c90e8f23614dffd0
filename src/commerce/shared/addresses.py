"""Postal addresses: one shape and one set of rules, shared by accounts, cart and orders.

Pure: no I/O. ``clean_address`` trims and normalises the fields and reports every problem
into a ``Problems`` collector, naming each field by its API input name under ``path``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

from commerce.shared.countries import POSTAL_CODE_FORMATS, POSTAL_CODE_OPTIONAL, is_country
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import Problems


@dataclass(frozen=True, slots=True)
class AddressData:
    first_name: str
    last_name: str
    street_address_1: str
    city: str
    country_code: str
    company: str = ""
    street_address_2: str = ""
    postal_code: str = ""
    country_area: str = ""
    phone: str = ""


# attribute -> (input field name, maximum length, required). Lengths match the columns.
_FIELDS: dict[str, tuple[str, int, bool]] = {
    "first_name": ("firstName", 128, True),
    "last_name": ("lastName", 128, True),
    "company": ("company", 256, False),
    "street_address_1": ("streetAddress1", 256, True),
    "street_address_2": ("streetAddress2", 256, False),
    "city": ("city", 256, True),
    "postal_code": ("postalCode", 32, False),
    "country_code": ("countryCode", 2, True),
    "country_area": ("countryArea", 128, False),
    "phone": ("phone", 32, False),
}

# Generic shape where we know no exact format: letters, digits, space or hyphen, 2-12 long.
_GENERIC_POSTAL_CODE = re.compile(r"[A-Z0-9][A-Z0-9 -]{0,10}[A-Z0-9]")
_PHONE = re.compile(r"\+?[0-9 ()./-]+")
_MIN_PHONE_DIGITS = 5
_MAX_PHONE_DIGITS = 15  # E.164
_SPACES = re.compile(r"\s+")


def normalise_postal_code(raw: str) -> str:
    return _SPACES.sub(" ", raw.strip()).upper()


def postal_code_problem(country_code: str, postal_code: str) -> str | None:
    """Why ``postal_code`` (already normalised) is unacceptable for the country, or None."""
    if not postal_code:
        if country_code in POSTAL_CODE_OPTIONAL:
            return None
        return f"a postal code is required for {country_code}"
    pattern = POSTAL_CODE_FORMATS.get(country_code)
    if pattern is not None:
        if not re.fullmatch(pattern, postal_code):
            return f"{postal_code!r} is not a valid postal code for {country_code}"
        return None
    if not _GENERIC_POSTAL_CODE.fullmatch(postal_code):
        return f"{postal_code!r} is not a valid postal code"
    return None


def phone_problem(phone: str) -> str | None:
    if not phone:
        return None
    digits = sum(ch.isdigit() for ch in phone)
    if not _PHONE.fullmatch(phone) or not _MIN_PHONE_DIGITS <= digits <= _MAX_PHONE_DIGITS:
        return "enter a phone number of 5-15 digits, optionally starting with +"
    return None


def clean_address(data: AddressData, problems: Problems, path: Sequence[str] = ()
                  ) -> AddressData:
    """Return ``data`` trimmed and normalised; add every problem found to ``problems``."""
    values = {f.name: _SPACES.sub(" ", getattr(data, f.name).strip()) for f in fields(data)}
    values["country_code"] = values["country_code"].upper()
    values["postal_code"] = normalise_postal_code(values["postal_code"])
    base = tuple(path)
    for attr, (name, max_length, required) in _FIELDS.items():
        value = values[attr]
        if required and not value:
            problems.add(ErrorCode.REQUIRED, "this field is required", (*base, name))
        elif len(value) > max_length:
            problems.add(ErrorCode.INVALID, f"must be at most {max_length} characters",
                         (*base, name))
    country = values["country_code"]
    if country and not is_country(country):
        problems.add(ErrorCode.INVALID,
                     f"{country!r} is not an ISO 3166-1 alpha-2 country code",
                     (*base, "countryCode"))
    elif country:
        message = postal_code_problem(country, values["postal_code"])
        if message is not None:
            code = ErrorCode.REQUIRED if not values["postal_code"] else ErrorCode.INVALID
            problems.add(code, message, (*base, "postalCode"))
    message = phone_problem(values["phone"])
    if message is not None:
        problems.add(ErrorCode.INVALID, message, (*base, "phone"))
    return replace(data, **values)
