"""``SalesChannel`` and ``Attribution`` as the API shows them (carts and orders alike)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import strawberry

from commerce.shared import channels
from commerce.shared.channels import SalesChannel, attribution_from_json

# Registers the domain enum itself under its GraphQL name.
strawberry.enum(SalesChannel, name="SalesChannel",
                description="Where a cart or order came from; every channel shares one stock.")


@strawberry.type(description="Marketing attribution of a cart or order.")
class Attribution:
    utm_source: str
    utm_medium: str
    utm_campaign: str
    referrer: str
    partner_code: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Attribution:
        a = attribution_from_json(dict(data or {}))
        return cls(utm_source=a.utm_source, utm_medium=a.utm_medium,
                   utm_campaign=a.utm_campaign, referrer=a.referrer,
                   partner_code=a.partner_code)


@strawberry.input(description="Marketing attribution: UTM parameters, referrer, partner code.")
class AttributionInput:
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    referrer: str = ""
    partner_code: str = ""

    def to_data(self) -> channels.Attribution:
        return channels.Attribution(
            utm_source=self.utm_source, utm_medium=self.utm_medium,
            utm_campaign=self.utm_campaign, referrer=self.referrer,
            partner_code=self.partner_code)
