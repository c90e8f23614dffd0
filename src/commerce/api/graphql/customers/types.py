"""``Customer``: a non-staff account as staff see it, with order aggregates and notes."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import strawberry

from commerce.api.graphql.accounts.types import Address, User
from commerce.api.graphql.context import Info
from commerce.api.graphql.money import Money
from commerce.api.graphql.node import Node
from commerce.api.graphql.orders.queries import orders_of_user
from commerce.api.graphql.orders.types import OrderConnection
from commerce.api.graphql.pagination import After, First
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError
from commerce.shared.ids import InvalidIdError, decode_id, encode_id


def customer_pk(global_id: str, field: list[str]) -> int:
    """A customer is addressed by its Customer ID or by the ID of its User account."""
    try:
        type_name, raw = decode_id(str(global_id))
        if type_name not in ("Customer", "User"):
            raise InvalidIdError(f"{global_id!r} is not a Customer ID")
        return int(raw)
    except (InvalidIdError, ValueError) as exc:
        message = str(exc) if isinstance(exc, InvalidIdError) else "not a valid ID"
        raise DomainError.one(ErrorCode.INVALID, message, field) from None


@dataclass(frozen=True, slots=True)
class CustomerStats:
    order_count: int = 0
    total_spent: int = 0  # minor units, orders not canceled
    last_order_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Any) -> CustomerStats:
        return cls(int(row.order_count), int(row.total_spent), row.last_order_at)


NO_ORDERS = CustomerStats()


@strawberry.type(description="A staff note on a customer's record.")
class CustomerNote:
    id: strawberry.ID = strawberry.field(description="Opaque ID of the note.")
    message: str = strawberry.field(description="The note's text.")
    created_at: datetime = strawberry.field(description="When the note was written (UTC).")
    pk: strawberry.Private[int]
    author_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> CustomerNote:
        return cls(id=strawberry.ID(encode_id("CustomerNote", row.id)), message=row.message,
                   created_at=row.created_at, pk=row.id, author_id=row.author_id)

    @strawberry.field(graphql_type=User | None,
                      description="The staff member who wrote it; null if since deleted.")
    def author(self, info: Info) -> Awaitable[User | None] | None:
        if self.author_id is None:
            return None
        return info.context.loaders.user_by_id.load(self.author_id)


@strawberry.type(description="A customer account as staff see it: profile, status, order "
                             "aggregates, addresses and staff notes. Needs MANAGE_CUSTOMERS.")
class Customer(Node):
    id: strawberry.ID
    email: str = strawberry.field(description="E-mail address, lower-case; used to sign in.")
    first_name: str = strawberry.field(description="Given name; may be empty.")
    last_name: str = strawberry.field(description="Family name; may be empty.")
    is_active: bool = strawberry.field(
        description="False when staff disabled the account: it cannot sign in.")
    note: str = strawberry.field(description="A free-text note kept on the account.")
    date_joined: datetime = strawberry.field(description="When the account was created (UTC).")
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> Customer:
        return cls(id=strawberry.ID(encode_id("Customer", row.id)), email=row.email,
                   first_name=row.first_name, last_name=row.last_name,
                   is_active=row.is_active, note=row.note, date_joined=row.created_at,
                   pk=row.id)

    @strawberry.field(graphql_type=User | None, description="The underlying account.")
    def user(self, info: Info) -> Awaitable[User | None]:
        return info.context.loaders.user_by_id.load(self.pk)

    @strawberry.field(graphql_type=list[Address], description="The address book, oldest first.")
    def addresses(self, info: Info) -> Awaitable[list[Address]]:
        return info.context.loaders.addresses_by_user_id.load(self.pk)

    @strawberry.field(description="The customer's default shipping address; null when none is "
                                  "set.")
    async def default_shipping_address(self, info: Info) -> Address | None:
        addresses = await info.context.loaders.addresses_by_user_id.load(self.pk)
        return next((a for a in addresses if a.is_default_shipping), None)

    @strawberry.field(description="The customer's default billing address; null when none is set.")
    async def default_billing_address(self, info: Info) -> Address | None:
        addresses = await info.context.loaders.addresses_by_user_id.load(self.pk)
        return next((a for a in addresses if a.is_default_billing), None)

    @strawberry.field(description="Orders placed under this account, in any status.")
    async def order_count(self, info: Info) -> int:
        return (await info.context.loaders.customer_stats_by_user_id.load(self.pk)).order_count

    @strawberry.field(description="Sum of the totals of this account's orders that were not "
                                  "canceled.")
    async def total_spent(self, info: Info) -> Money:
        stats = await info.context.loaders.customer_stats_by_user_id.load(self.pk)
        return Money.of(stats.total_spent, info.context.settings.currency)

    @strawberry.field(description="When the latest order was placed; null without orders.")
    async def last_order_at(self, info: Info) -> datetime | None:
        return (await info.context.loaders.customer_stats_by_user_id.load(self.pk)).last_order_at

    @strawberry.field(description="Orders placed under this account, newest first. Meant for "
                                  "one customer: on a listing it costs a statement per row.")
    async def orders(self, info: Info, first: First = 20,
                     after: After = None) -> OrderConnection:
        return await orders_of_user(info, self.pk, first, after)

    @strawberry.field(graphql_type=list[CustomerNote], description="Staff notes, newest first.")
    def notes(self, info: Info) -> Awaitable[list[CustomerNote]]:
        return info.context.loaders.customer_notes_by_user_id.load(self.pk)
