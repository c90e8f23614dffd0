"""Staff mutations on customers: notes and profile/status changes (MANAGE_CUSTOMERS)."""

from __future__ import annotations

import strawberry

from commerce.accounts.permissions import Permission
from commerce.api.graphql.accounts.results import forget
from commerce.api.graphql.context import Context, Info
from commerce.api.graphql.customers.types import Customer, CustomerNote, customer_pk
from commerce.api.graphql.errors import UserError, from_domain
from commerce.customers import service
from commerce.shared.errors import DomainError


@strawberry.input(description="A staff note to add to a customer's record.")
class CustomerNoteAddInput:
    customer_id: strawberry.ID = strawberry.field(
        description="The customer, by Customer or User ID.")
    message: str = strawberry.field(description="At most 5000 characters.")


@strawberry.type(description="Result of `customerNoteAdd`.")
class CustomerNoteAddPayload:
    note: CustomerNote | None = strawberry.field(
        default=None, description="The new note; null when `errors` is not empty.")
    customer: Customer | None = strawberry.field(
        default=None, description="The customer with the new note.")
    errors: list[UserError] = strawberry.field(
        description="Why no note was added; empty on success.",
        default_factory=list)


@strawberry.input(description="Fields left out (or null) keep their value.")
class CustomerUpdateInput:
    id: strawberry.ID = strawberry.field(description="The customer, by Customer or User ID.")
    email: str | None = strawberry.field(
        default=None, description="E-mail address, at most 254 characters; stored lower-case and "
                                  "unique.")
    first_name: str | None = strawberry.field(
        default=None, description="Given name, at most 128 characters.")
    last_name: str | None = strawberry.field(
        default=None, description="Family name, at most 128 characters.")
    is_active: bool | None = strawberry.field(
        default=None, description="False disables the account and revokes all its tokens.")
    note: str | None = strawberry.field(
        default=None, description="The account's free-text note (replaced, not appended).")


@strawberry.type(description="Result of `customerUpdate`.")
class CustomerUpdatePayload:
    customer: Customer | None = strawberry.field(
        default=None, description="The customer as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success.",
        default_factory=list)


async def fresh_customer(ctx: Context, pk: int) -> Customer | None:
    """The customer as committed, past anything this request's loaders cached."""
    for loader in (ctx.loaders.customer_by_id, ctx.loaders.customer_notes_by_user_id,
                   ctx.loaders.user_by_id):
        forget(loader, pk)
    return await ctx.loaders.customer_by_id.load(pk)


@strawberry.type
class CustomersMutation:
    @strawberry.mutation(description="Add a staff note to a customer. Needs MANAGE_CUSTOMERS.")
    async def customer_note_add(self, info: Info,
                                input: CustomerNoteAddInput) -> CustomerNoteAddPayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_CUSTOMERS)
        try:
            pk = customer_pk(input.customer_id, ["customerId"])
            note_id = await service.add_note(ctx.db, pk, author_id=viewer.user_id,
                                             message=input.message)
        except DomainError as exc:
            return CustomerNoteAddPayload(errors=from_domain(exc))
        customer = await fresh_customer(ctx, pk)
        notes = await ctx.loaders.customer_notes_by_user_id.load(pk)
        note = next((n for n in notes if n.pk == note_id), None)
        return CustomerNoteAddPayload(note=note, customer=customer)

    @strawberry.mutation(description="Change a customer's profile or status. Disabling signs "
                                     "the customer out everywhere. Needs MANAGE_CUSTOMERS.")
    async def customer_update(self, info: Info,
                              input: CustomerUpdateInput) -> CustomerUpdatePayload:
        ctx = info.context
        await ctx.require_staff(Permission.MANAGE_CUSTOMERS)
        try:
            pk = customer_pk(input.id, ["id"])
            await service.update_customer(
                ctx.db, pk, email=input.email, first_name=input.first_name,
                last_name=input.last_name, is_active=input.is_active, note=input.note)
        except DomainError as exc:
            return CustomerUpdatePayload(errors=from_domain(exc))
        return CustomerUpdatePayload(customer=await fresh_customer(ctx, pk))
