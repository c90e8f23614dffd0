"""Account object types and the shared ``Address``/``AddressInput``, built from rows."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from commerce.accounts.permissions import Permission
from commerce.api.graphql.context import Info
from commerce.api.graphql.node import Node
from commerce.shared.addresses import AddressData
from commerce.shared.countries import country_name
from commerce.shared.ids import encode_id

if TYPE_CHECKING:
    from commerce.api.graphql.orders.types import OrderConnection

strawberry.enum(Permission, name="Permission", description="A named staff permission.")


@strawberry.type(description="A postal address. Used by accounts, carts and orders alike.")
class Address(Node):
    id: strawberry.ID
    first_name: str
    last_name: str
    company: str
    street_address_1: str
    street_address_2: str
    city: str
    postal_code: str
    country_code: str = strawberry.field(description="ISO 3166-1 alpha-2, e.g. \"US\".")
    country_area: str = strawberry.field(description="State, province or region.")
    phone: str
    pk: strawberry.Private[int]
    user_id: strawberry.Private[int | None]
    is_default_shipping: strawberry.Private[bool]
    is_default_billing: strawberry.Private[bool]

    @classmethod
    def from_row(cls, row: Any) -> Address:
        return cls(
            id=strawberry.ID(encode_id("Address", row.id)), first_name=row.first_name,
            last_name=row.last_name, company=row.company,
            street_address_1=row.street_address_1, street_address_2=row.street_address_2,
            city=row.city, postal_code=row.postal_code, country_code=row.country_code,
            country_area=row.country_area, phone=row.phone, pk=row.id,
            user_id=getattr(row, "user_id", None),
            is_default_shipping=getattr(row, "is_default_shipping", False),
            is_default_billing=getattr(row, "is_default_billing", False),
        )

    @strawberry.field(description="The country's English name.")
    def country_name(self) -> str:
        return country_name(self.country_code)


@strawberry.input(description="A postal address, validated against Google's address "
                              "metadata for its country: the fields the country requires, its "
                              "areas and its postal code format.")
class AddressInput:
    first_name: str
    last_name: str
    street_address_1: str
    city: str
    country_code: str = strawberry.field(description="ISO 3166-1 alpha-2, e.g. \"US\".")
    company: str = ""
    street_address_2: str = ""
    postal_code: str = ""
    country_area: str = strawberry.field(
        default="", description="State, province or region, by code or name (\"CA\" or "
                                "\"California\"); stored as its code. Required where the "
                                "country's addresses name one; an unknown one is an error.")
    phone: str = ""

    def to_data(self) -> AddressData:
        return AddressData(
            first_name=self.first_name, last_name=self.last_name,
            street_address_1=self.street_address_1, city=self.city,
            country_code=self.country_code, company=self.company,
            street_address_2=self.street_address_2, postal_code=self.postal_code,
            country_area=self.country_area, phone=self.phone)


@strawberry.type(description="A customer or staff account.")
class User(Node):
    id: strawberry.ID
    email: str
    first_name: str
    last_name: str
    is_staff: bool
    is_active: bool
    is_superuser: bool = strawberry.field(description="Staff only: holds every permission.")
    permissions: list[Permission] = strawberry.field(
        description="Staff permissions; empty for customers.")
    date_joined: datetime
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> User:
        known = {p.value for p in Permission}
        return cls(
            id=strawberry.ID(encode_id("User", row.id)), email=row.email,
            first_name=row.first_name, last_name=row.last_name, is_staff=row.is_staff,
            is_active=row.is_active, is_superuser=row.is_superuser,
            permissions=[Permission(p) for p in sorted(row.permissions) if p in known],
            date_joined=row.created_at, pk=row.id,
        )

    @strawberry.field(graphql_type=list[Address], description="The address book, oldest first.")
    def addresses(self, info: Info) -> Awaitable[list[Address]]:
        return info.context.loaders.addresses_by_user_id.load(self.pk)

    @strawberry.field
    async def default_shipping_address(self, info: Info) -> Address | None:
        addresses = await info.context.loaders.addresses_by_user_id.load(self.pk)
        return next((a for a in addresses if a.is_default_shipping), None)

    @strawberry.field
    async def default_billing_address(self, info: Info) -> Address | None:
        addresses = await info.context.loaders.addresses_by_user_id.load(self.pk)
        return next((a for a in addresses if a.is_default_billing), None)

    @strawberry.field(description="Orders placed by this account, newest first: your own, or "
                                  "a customer's for staff with MANAGE_ORDERS or MANAGE_CUSTOMERS.")
    async def orders(self, info: Info, first: int | None = 20, after: str | None = None
                     ) -> Annotated[OrderConnection,
                                    strawberry.lazy("commerce.api.graphql.orders.types")]:
        from commerce.api.graphql.orders.queries import orders_of_user  # imports this module

        return await orders_of_user(info, self.pk, first, after)
