"""Staff queries on customers: the filtered, sorted listing and one customer."""

from __future__ import annotations

from typing import Annotated

import strawberry

from commerce.accounts.permissions import Permission
from commerce.api.graphql.catalog.queries import SortDirection
from commerce.api.graphql.context import Info
from commerce.api.graphql.customers.types import Customer, customer_pk
from commerce.api.graphql.descriptions import describe_values
from commerce.api.graphql.pagination import After, Connection, First, bad_argument, connection
from commerce.customers import queries as customers
from commerce.customers.filters import CustomerFilter, CustomerSort, CustomerSortField
from commerce.shared.errors import DomainError
from commerce.shared.pagination import PaginationError

strawberry.enum(CustomerSortField, name="CustomerSortField",
                description="What customers are sorted by.")
describe_values(CustomerSortField, {
    CustomerSortField.EMAIL: "E-mail address.",
    CustomerSortField.CREATED_AT: "When the account was created.",
    CustomerSortField.TOTAL_SPENT: "Sum of the customer's orders that were not canceled "
                                   "(0 without orders).",
    CustomerSortField.LAST_ORDER_AT: "When the latest order was placed (customers without "
                                     "orders count as oldest).",
})

MAX_SEARCH = 254  # an e-mail address at most


@strawberry.input(description="How to order customers; ties are broken by ID.")
class CustomerSortInput:
    field: CustomerSortField = strawberry.field(
        default=CustomerSortField.CREATED_AT, description="What to sort by (default CREATED_AT).")
    direction: SortDirection = strawberry.field(
        default=SortDirection.ASC, description="Ascending (default) or descending.")


@strawberry.input(description="All given conditions must hold.")
class CustomerFilterInput:
    search: str | None = strawberry.field(
        default=None, description="Part of the e-mail address or name, any case.")
    is_active: bool | None = strawberry.field(
        default=None, description="true: only enabled accounts; false: only disabled ones.")
    has_orders: bool | None = strawberry.field(
        default=None, description="Whether the account has placed any order.")


def _filter(flt: CustomerFilterInput | None) -> CustomerFilter:
    if flt is None:
        return CustomerFilter()
    search = flt.search.strip() if flt.search else ""
    if len(search) > MAX_SEARCH:
        raise bad_argument(ValueError(f"`search` is at most {MAX_SEARCH} characters"))
    return CustomerFilter(search=search or None, is_active=flt.is_active,
                          has_orders=flt.has_orders)


def _sort(sort_by: CustomerSortInput | None) -> CustomerSort:
    if sort_by is None:
        return CustomerSort()
    return CustomerSort(field=CustomerSortField(sort_by.field),
                        descending=sort_by.direction is SortDirection.DESC)


@strawberry.type
class CustomersQuery:
    @strawberry.field(description="Customer accounts (never staff). Without `sortBy`, newest "
                                  "first. At most 100 per page. Needs MANAGE_CUSTOMERS.")
    async def customers(self, info: Info, first: First = 20, after: After = None,
                        filter: Annotated[CustomerFilterInput | None, strawberry.argument(
                            description="Conditions the customers must meet.")] = None,
                        sort_by: Annotated[CustomerSortInput | None, strawberry.argument(
                            description="Order of the customers (default: newest first).")
                        ] = None) -> Connection[Customer]:
        ctx = info.context
        await ctx.require_staff(Permission.MANAGE_CUSTOMERS)
        try:
            page = await customers.list_customers(ctx.reader, flt=_filter(filter),
                                                  sort=_sort(sort_by), first=first, after=after)
        except PaginationError as exc:
            raise bad_argument(exc) from None
        return connection(page, Customer.from_row)

    @strawberry.field(description="A customer by its Customer (or User) ID; null for staff "
                                  "accounts and unknown IDs. Needs MANAGE_CUSTOMERS.")
    async def customer(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="A Customer ID, or the User ID of the same account.")]
                       ) -> Customer | None:
        ctx = info.context
        await ctx.require_staff(Permission.MANAGE_CUSTOMERS)
        try:
            pk = customer_pk(id, ["id"])
        except DomainError:
            return None
        return await ctx.loaders.customer_by_id.load(pk)
