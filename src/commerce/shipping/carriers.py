"""The carriers we ship with: display names, public tracking-page URLs and tracking-number
sanity checks (pure; no I/O).

A tracking number is normalised once, when it enters the system (a shipment, a carrier
webhook, a staff entry): spaces and dashes are removed and letters upper-cased, so
``"1z 999-aa1 ..."`` and ``"1Z999AA1..."`` are the same shipment. It must then be 4-40
characters of ``[A-Z0-9]`` and, where the carrier's format is well known, match it:

- UPS: ``1Z`` + 16 letters/digits (the "1Z" number printed on every UPS label).
- FedEx: digits only, 12 (Express), 15 (Ground), 20 or 22 (Ground Economy / SmartPost)
  or 34 (the full Ground barcode).
- USPS: Intelligent Mail package barcode, 20-22 digits, optionally prefixed with its
  routing code (``420`` + a 5- or 9-digit ZIP); or a UPU S10 international number.
- DHL (Express): the 10-digit waybill number, or a piece id ``JD``/``JJD`` + digits.
- Canada Post: a 16-digit PIN (or 12/13-digit domestic numbers); or an S10 number.
- Royal Mail: an S10 number (e.g. ``AB123456785GB``; Tracked 24/48, Special Delivery).
- Other: the lenient rule only.

A UPU S10 number (two letters, eight digits, a check digit, a two-letter country) must
carry the right check digit: a one-character typo is caught at entry, not when a customer
clicks a dead link.

These rules are a *sanity check*, not proof the parcel exists. A number a carrier issues in
a format not listed here can still be entered with carrier OTHER (no tracking link).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from urllib.parse import quote

MIN_LENGTH = 4
MAX_LENGTH = 40

_STRIP = re.compile(r"[\s\-]+")
_LENIENT = re.compile(rf"[A-Z0-9]{{{MIN_LENGTH},{MAX_LENGTH}}}")
_S10 = re.compile(r"[A-Z]{2}[0-9]{9}[A-Z]{2}")
_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


class Carrier(StrEnum):
    """A carrier we can ship with. ``OTHER`` is any carrier without a known tracking page."""

    UPS = "UPS"
    FEDEX = "FEDEX"
    USPS = "USPS"
    DHL = "DHL"
    CANADA_POST = "CANADA_POST"
    ROYAL_MAIL = "ROYAL_MAIL"
    OTHER = "OTHER"

    @property
    def slug(self) -> str:
        """The carrier as it appears in a URL path: ``canada-post``."""
        return self.value.lower().replace("_", "-")


class InvalidTrackingNumber(ValueError):
    """The tracking number cannot be one of this carrier's (empty, bad characters, wrong
    length or format, bad check digit)."""


class UnknownCarrier(ValueError):
    """The name is none of ``Carrier``'s values or slugs."""


@dataclass(frozen=True, slots=True)
class CarrierInfo:
    """What we know about a carrier. ``tracking_url_template`` contains ``{number}`` (the
    URL-encoded normalised number) or is None when there is no public page to link to;
    ``formats`` are full-match patterns over the normalised number (empty: lenient only)."""

    carrier: Carrier
    name: str
    tracking_url_template: str | None
    formats: tuple[re.Pattern[str], ...] = ()
    s10: bool = False


def _p(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


CARRIERS: Mapping[Carrier, CarrierInfo] = MappingProxyType({
    Carrier.UPS: CarrierInfo(
        Carrier.UPS, "UPS",
        "https://www.ups.com/track?loc=en_US&tracknum={number}",
        (_p(r"1Z[0-9A-Z]{16}"),)),
    Carrier.FEDEX: CarrierInfo(
        Carrier.FEDEX, "FedEx",
        "https://www.fedex.com/fedextrack/?trknbr={number}",
        (_p(r"[0-9]{12}|[0-9]{15}|[0-9]{20}|[0-9]{22}|[0-9]{34}"),)),
    Carrier.USPS: CarrierInfo(
        Carrier.USPS, "USPS",
        "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
        (_p(r"(?:420[0-9]{5}(?:[0-9]{4})?)?[0-9]{20,22}"),), s10=True),
    Carrier.DHL: CarrierInfo(
        Carrier.DHL, "DHL Express",
        "https://www.dhl.com/global-en/home/tracking/tracking-express.html"
        "?submit=1&tracking-id={number}",
        (_p(r"[0-9]{10}"), _p(r"JJ?D[0-9]{9,21}"))),
    Carrier.CANADA_POST: CarrierInfo(
        Carrier.CANADA_POST, "Canada Post",
        "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor={number}",
        (_p(r"[0-9]{16}|[0-9]{12,13}"),), s10=True),
    Carrier.ROYAL_MAIL: CarrierInfo(
        Carrier.ROYAL_MAIL, "Royal Mail",
        "https://www.royalmail.com/track-your-item#/tracking-results/{number}",
        (), s10=True),
    Carrier.OTHER: CarrierInfo(Carrier.OTHER, "Other", None),
})


def carrier_info(carrier: Carrier) -> CarrierInfo:
    return CARRIERS[carrier]


def parse_carrier(name: str) -> Carrier:
    """``UPS``, ``ups``, ``CANADA_POST`` or ``canada-post`` -> the carrier; anything else
    raises ``UnknownCarrier``."""
    key = name.strip().upper().replace("-", "_")
    try:
        return Carrier(key)
    except ValueError:
        raise UnknownCarrier(f"unknown carrier {name!r}") from None


def s10_check_digit(serial: str) -> int:
    """The UPU S10 check digit of an 8-digit serial number."""
    if len(serial) != 8 or not serial.isascii() or not serial.isdigit():
        raise ValueError("an S10 serial number is 8 digits")
    remainder = sum(int(d) * w for d, w in zip(serial, _S10_WEIGHTS, strict=True)) % 11
    check = 11 - remainder
    return {10: 0, 11: 5}.get(check, check)


def _is_s10(number: str) -> bool:
    return (_S10.fullmatch(number) is not None
            and s10_check_digit(number[2:10]) == int(number[10]))


def normalise_tracking_number(carrier: Carrier, raw: str) -> str:
    """``raw`` without spaces or dashes, upper-cased, checked against ``carrier``'s format;
    raises ``InvalidTrackingNumber`` when it cannot be one of that carrier's numbers."""
    number = _STRIP.sub("", raw).upper()
    if not number.isascii() or _LENIENT.fullmatch(number) is None:
        raise InvalidTrackingNumber(
            f"a tracking number is {MIN_LENGTH}-{MAX_LENGTH} letters and digits")
    info = CARRIERS[carrier]
    if not info.formats and not info.s10:
        return number
    if any(p.fullmatch(number) for p in info.formats):
        return number
    if info.s10 and _S10.fullmatch(number):
        if _is_s10(number):
            return number
        raise InvalidTrackingNumber(f"{number} has a wrong check digit")
    raise InvalidTrackingNumber(f"{number} is not a {info.name} tracking number")


def is_valid_tracking_number(carrier: Carrier, raw: str) -> bool:
    try:
        normalise_tracking_number(carrier, raw)
    except InvalidTrackingNumber:
        return False
    return True


def tracking_url(carrier: Carrier, number: str) -> str | None:
    """The carrier's public tracking page for ``number`` (normalised and URL-encoded), or
    None for a carrier without one (``OTHER``). Raises ``InvalidTrackingNumber`` like
    ``normalise_tracking_number``."""
    normalised = normalise_tracking_number(carrier, number)
    template = CARRIERS[carrier].tracking_url_template
    if template is None:
        return None
    return template.format(number=quote(normalised, safe=""))
