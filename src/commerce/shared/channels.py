"""Sales channels and marketing attribution, recorded on every cart and copied to its order.

Pure: no I/O. Orders from every channel share one stock; the channel and the attribution
(UTM parameters, referrer, partner code) feed revenue-by-source reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from enum import StrEnum

from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import Problems


class SalesChannel(StrEnum):
    WEB = "WEB"  # web storefront (the default)
    MOBILE = "MOBILE"  # mobile app
    PHONE = "PHONE"  # taken by staff over the phone
    EMAIL = "EMAIL"  # taken by staff from an e-mail
    IN_STORE = "IN_STORE"  # point of sale
    MARKETPLACE = "MARKETPLACE"  # imported from a marketplace


@dataclass(frozen=True, slots=True)
class Attribution:
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    referrer: str = ""
    partner_code: str = ""


# attribute -> (input field name, maximum length)
_LIMITS: dict[str, tuple[str, int]] = {
    "utm_source": ("utmSource", 250),
    "utm_medium": ("utmMedium", 250),
    "utm_campaign": ("utmCampaign", 250),
    "referrer": ("referrer", 2000),
    "partner_code": ("partnerCode", 64),
}


def clean_attribution(data: Attribution, problems: Problems, path: Sequence[str] = ()
                      ) -> dict[str, str]:
    """The values to store: trimmed, only those given (so "no attribution" is ``{}``)."""
    cleaned: dict[str, str] = {}
    for f in fields(data):
        name, limit = _LIMITS[f.name]
        value = str(getattr(data, f.name)).strip()
        if len(value) > limit:
            problems.add(ErrorCode.INVALID, f"must be at most {limit} characters",
                         (*path, name))
        elif any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
            problems.add(ErrorCode.INVALID, "must not contain control characters",
                         (*path, name))
        elif value:
            cleaned[f.name] = value
    return cleaned


def attribution_from_json(data: dict[str, object] | None) -> Attribution:
    data = data or {}
    return Attribution(**{f.name: str(data.get(f.name) or "") for f in fields(Attribution)})
