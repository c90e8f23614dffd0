"""``AddressDetails``: an address stored on a cart or an order, as the API shows it.

Accounts' ``Address`` is a Node backed by an address-book row (it has an ID you can update
or delete). Carts and orders keep their addresses as plain snapshots (the snake_case fields
of ``shared.addresses.AddressData`` in a JSON column), which have no identity of their own,
so they get this non-Node type with the same fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import strawberry

from commerce.shared.countries import country_name


@strawberry.type(description="A postal address stored on a cart or an order (a snapshot, "
                             "not an address-book entry).")
class AddressDetails:
    first_name: str = strawberry.field(description="Given name.")
    last_name: str = strawberry.field(description="Family name.")
    company: str = strawberry.field(description="Company name; may be empty.")
    street_address_1: str = strawberry.field(description="First street line.")
    street_address_2: str = strawberry.field(description="Second street line; may be empty.")
    city: str = strawberry.field(description="City or town.")
    postal_code: str = strawberry.field(
        description="Postal or ZIP code, upper-case; empty in countries without them.")
    country_code: str = strawberry.field(description="ISO 3166-1 alpha-2, e.g. \"US\".")
    country_area: str = strawberry.field(description="State, province or region.")
    phone: str = strawberry.field(description="Phone number; may be empty.")
    country_name: str = strawberry.field(description="The country's English name.")

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> AddressDetails | None:
        """From a stored ``dataclasses.asdict(AddressData)``; None for no address."""
        if not data:
            return None

        def text(key: str) -> str:
            return str(data.get(key) or "")

        code = text("country_code")
        return cls(
            first_name=text("first_name"), last_name=text("last_name"), company=text("company"),
            street_address_1=text("street_address_1"),
            street_address_2=text("street_address_2"), city=text("city"),
            postal_code=text("postal_code"), country_code=code,
            country_area=text("country_area"), phone=text("phone"),
            country_name=country_name(code) if code else "")
