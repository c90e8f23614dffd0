"""``SalesChannel`` and ``Attribution`` as the API shows them (carts and orders alike)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import strawberry

from commerce.api.graphql.descriptions import describe_values
from commerce.shared import channels
from commerce.shared.channels import SalesChannel, attribution_from_json

# Registers the domain enum itself under its GraphQL name.
strawberry.enum(SalesChannel, name="SalesChannel",
                description="Where a cart or order came from; every channel shares one stock.")
describe_values(SalesChannel, {
    SalesChannel.WEB: "The web storefront (the default).",
    SalesChannel.MOBILE: "The mobile app.",
    SalesChannel.PHONE: "Taken by staff over the phone.",
    SalesChannel.EMAIL: "Taken by staff from an e-mail.",
    SalesChannel.IN_STORE: "Sold in a shop (point of sale).",
    SalesChannel.MARKETPLACE: "Imported from a marketplace.",
})


@strawberry.type(description="Marketing attribution of a cart or order.")
class Attribution:
    utm_source: str = strawberry.field(description="`utm_source`; empty when not recorded.")
    utm_medium: str = strawberry.field(description="`utm_medium`; empty when not recorded.")
    utm_campaign: str = strawberry.field(description="`utm_campaign`; empty when not recorded.")
    referrer: str = strawberry.field(description="Referring URL; empty when not recorded.")
    partner_code: str = strawberry.field(
        description="Code of the referring partner or affiliate; empty when not recorded.")

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Attribution:
        a = attribution_from_json(dict(data or {}))
        return cls(utm_source=a.utm_source, utm_medium=a.utm_medium,
                   utm_campaign=a.utm_campaign, referrer=a.referrer,
                   partner_code=a.partner_code)


@strawberry.input(description="Marketing attribution: UTM parameters, referrer, partner code.")
class AttributionInput:
    utm_source: str = strawberry.field(
        default="", description="`utm_source`, at most 250 characters; trimmed.")
    utm_medium: str = strawberry.field(
        default="", description="`utm_medium`, at most 250 characters; trimmed.")
    utm_campaign: str = strawberry.field(
        default="", description="`utm_campaign`, at most 250 characters; trimmed.")
    referrer: str = strawberry.field(
        default="", description="Referring URL, at most 2000 characters; trimmed.")
    partner_code: str = strawberry.field(
        default="", description="Partner or affiliate code, at most 64 characters; trimmed.")

    def to_data(self) -> channels.Attribution:
        return channels.Attribution(
            utm_source=self.utm_source, utm_medium=self.utm_medium,
            utm_campaign=self.utm_campaign, referrer=self.referrer,
            partner_code=self.partner_code)
