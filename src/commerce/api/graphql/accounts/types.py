"""Account object types and the shared ``Address``/``AddressInput``, built from rows."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from commerce.accounts.permissions import Permission
from commerce.api.graphql.context import Info
from commerce.api.graphql.descriptions import describe_values
from commerce.api.graphql.node import Node
from commerce.api.graphql.pagination import After, First
from commerce.shared.addresses import AddressData
from commerce.shared.countries import country_name
from commerce.shared.ids import encode_id

if TYPE_CHECKING:
    from commerce.api.graphql.orders.types import OrderConnection
    from commerce.api.graphql.returns.types import ReturnConnection

strawberry.enum(Permission, name="Permission", description="A named staff permission.")
describe_values(Permission, {
    Permission.MANAGE_CATALOG: "Products, variants, categories, collections, discount codes; "
                               "sees draft products and cost prices.",
    Permission.MANAGE_INVENTORY: "Warehouses, stock levels and the stock journal.",
    Permission.MANAGE_ORDERS: "Orders, draft orders, shipping zones and tax rates; sees every "
                              "cart and order.",
    Permission.MANAGE_CUSTOMERS: "Customer records and notes, and customers' orders.",
    Permission.MANAGE_PAYMENTS: "Record payments and refunds on orders "
                                "(`orderPaymentRecord`, `paymentRefund`).",
    Permission.MANAGE_FULFILLMENT: "Fulfillment (reserved for the fulfillment area); reads "
                                  "shipping zones.",
    Permission.MANAGE_RETURNS: "Returns and exchanges (reserved for the returns area).",
    Permission.MANAGE_ACCOUNTING: "The books (reserved for the accounting area); reads tax "
                                 "rates.",
    Permission.MANAGE_SUPPORT: "Support tickets (reserved for the support area).",
    Permission.VIEW_REPORTS: "Dashboards and reports (reserved for the analytics area).",
    Permission.MANAGE_STAFF: "Staff accounts and their permissions.",
})


@strawberry.type(description="A postal address. Used by accounts, carts and orders alike.")
class Address(Node):
    id: strawberry.ID
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
    first_name: str = strawberry.field(description="Given name, 1-128 characters.")
    last_name: str = strawberry.field(description="Family name, 1-128 characters.")
    street_address_1: str = strawberry.field(description="First street line, 1-256 characters.")
    city: str = strawberry.field(description="City or town, 1-256 characters.")
    country_code: str = strawberry.field(description="ISO 3166-1 alpha-2, e.g. \"US\".")
    company: str = strawberry.field(
        default="", description="Company name, at most 256 characters.")
    street_address_2: str = strawberry.field(
        default="", description="Second street line, at most 256 characters.")
    postal_code: str = strawberry.field(
        default="", description="Postal or ZIP code, at most 32 characters; checked against the "
                                "country's (and area's) format and stored upper-case.")
    country_area: str = strawberry.field(
        default="", description="State, province or region, by code or name (\"CA\" or "
                                "\"California\"); stored as its code. Required where the "
                                "country's addresses name one; an unknown one is an error.")
    phone: str = strawberry.field(
        default="", description="Phone number: digits with an optional leading +, spaces and "
                                "()./-, 5-15 digits; empty for none.")

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
    email: str = strawberry.field(
        description="E-mail address, lower-case; unique. Used to sign in.")
    first_name: str = strawberry.field(description="Given name; may be empty.")
    last_name: str = strawberry.field(description="Family name; may be empty.")
    is_staff: bool = strawberry.field(description="Whether this is a staff account.")
    is_active: bool = strawberry.field(
        description="Whether the account may sign in; disabled accounts cannot.")
    is_superuser: bool = strawberry.field(description="Staff only: holds every permission.")
    permissions: list[Permission] = strawberry.field(
        description="Staff permissions; empty for customers.")
    date_joined: datetime = strawberry.field(description="When the account was created (UTC).")
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

    @strawberry.field(description="The address-book entry used for shipping by default; null "
                                  "when none is set.")
    async def default_shipping_address(self, info: Info) -> Address | None:
        addresses = await info.context.loaders.addresses_by_user_id.load(self.pk)
        return next((a for a in addresses if a.is_default_shipping), None)

    @strawberry.field(description="The address-book entry used for billing by default; null when "
                                  "none is set.")
    async def default_billing_address(self, info: Info) -> Address | None:
        addresses = await info.context.loaders.addresses_by_user_id.load(self.pk)
        return next((a for a in addresses if a.is_default_billing), None)

    @strawberry.field(description="Orders placed by this account, newest first: your own, or "
                                  "a customer's for staff with MANAGE_ORDERS or MANAGE_CUSTOMERS.")
    async def orders(self, info: Info, first: First = 20, after: After = None
                     ) -> Annotated[OrderConnection,
                                    strawberry.lazy("commerce.api.graphql.orders.types")]:
        from commerce.api.graphql.orders.queries import orders_of_user  # imports this module

        return await orders_of_user(info, self.pk, first, after)

    @strawberry.field(description="Returns of this account's orders, oldest first: your own, "
                                  "or a customer's for staff with MANAGE_RETURNS.")
    async def returns(self, info: Info, first: First = 20, after: After = None
                      ) -> Annotated[ReturnConnection,
                                     strawberry.lazy("commerce.api.graphql.returns.types")]:
        from commerce.api.graphql.returns.queries import returns_of_user  # imports this module

        return await returns_of_user(info, self.pk, first, after)
