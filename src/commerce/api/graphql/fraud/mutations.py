"""Staff fraud mutations (MANAGE_ORDERS): decide orders in review, keep the blocklist.

Each resolver checks the permission, decodes its input, calls one ``fraud`` service function
and maps the result."""

from __future__ import annotations

import strawberry

from commerce.accounts.permissions import Permission
from commerce.api.graphql import decode
from commerce.api.graphql.context import Info
from commerce.api.graphql.errors import UserError, from_domain
from commerce.api.graphql.fraud.types import BlocklistEntry
from commerce.api.graphql.orders.mutations import fresh_order
from commerce.api.graphql.orders.types import Order
from commerce.fraud import blocklist, queries, review
from commerce.fraud.signals import BlocklistKind
from commerce.payments.gateways import gateway_for
from commerce.shared.errors import DomainError

_NOTE = "Why; recorded on the risk and in the order's history. At most 5000 characters."


@strawberry.input(description="An order held for fraud review to let through.")
class OrderRiskApproveInput:
    order_id: strawberry.ID = strawberry.field(description="The order.")
    note: str = strawberry.field(default="", description=_NOTE)


@strawberry.type(description="Result of `orderRiskApprove`.")
class OrderRiskApprovePayload:
    order: Order | None = strawberry.field(
        default=None, description="The order as changed; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing changed (INVALID_STATE: the order is "
                                          "not in review, e.g. already decided).")


@strawberry.input(description="An order held for fraud review to turn down.")
class OrderRiskRejectInput:
    order_id: strawberry.ID = strawberry.field(description="The order.")
    note: str = strawberry.field(default="", description=_NOTE)


@strawberry.type(description="Result of `orderRiskReject`.")
class OrderRiskRejectPayload:
    order: Order | None = strawberry.field(
        default=None, description="The order as changed; null when nothing changed.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing changed (INVALID_STATE: the order is "
                                          "not in review, e.g. already decided).")


@strawberry.input(description="A value to block.")
class BlocklistEntryAddInput:
    kind: BlocklistKind = strawberry.field(description="What the value is.")
    value: str = strawberry.field(
        description="EMAIL: an e-mail address; DOMAIN: a domain such as example.com (blocks "
                    "its subdomains too; not a bare top-level domain); CLIENT_ADDRESS: one "
                    "IPv4 or IPv6 address (no networks); CARD_FINGERPRINT: the processor's "
                    "card fingerprint (1-64 letters and digits). Normalised before storing.")
    note: str = strawberry.field(default="", description="Why; at most 500 characters.")


@strawberry.type(description="Result of `blocklistEntryAdd`.")
class BlocklistEntryAddPayload:
    entry: BlocklistEntry | None = strawberry.field(
        default=None, description="The new entry; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing was listed (INVALID value, DUPLICATE).")


@strawberry.input(description="A blocklist entry to remove.")
class BlocklistEntryRemoveInput:
    id: strawberry.ID = strawberry.field(description="The entry.")


@strawberry.type(description="Result of `blocklistEntryRemove`.")
class BlocklistEntryRemovePayload:
    removed_id: strawberry.ID | None = strawberry.field(
        default=None, description="The removed entry's ID; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing was removed (NOT_FOUND).")


@strawberry.type
class FraudMutation:
    @strawberry.mutation(description="Approve an order held for fraud review: its risk becomes "
                                     "APPROVED and the order OPEN again. A decided order gives "
                                     "INVALID_STATE. Needs MANAGE_ORDERS.")
    async def order_risk_approve(self, info: Info, input: OrderRiskApproveInput
                                 ) -> OrderRiskApprovePayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_ORDERS)
        try:
            pk = decode.pk(input.order_id, "Order", ["orderId"])
            await review.approve(ctx.db, pk, actor_id=viewer.user_id, note=input.note)
        except DomainError as exc:
            return OrderRiskApprovePayload(errors=from_domain(exc))
        return OrderRiskApprovePayload(order=await fresh_order(ctx, pk))

    @strawberry.mutation(description="Reject an order held for fraud review: its risk becomes "
                                     "REJECTED and the order is canceled, its stock released "
                                     "and any payment returned. A decided order gives "
                                     "INVALID_STATE (never a second cancel). Needs "
                                     "MANAGE_ORDERS.")
    async def order_risk_reject(self, info: Info, input: OrderRiskRejectInput
                                ) -> OrderRiskRejectPayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_ORDERS)
        try:
            pk = decode.pk(input.order_id, "Order", ["orderId"])
            await review.reject(ctx.db, pk, actor_id=viewer.user_id, note=input.note,
                                gateway=gateway_for(ctx.settings))
        except DomainError as exc:
            return OrderRiskRejectPayload(errors=from_domain(exc))
        return OrderRiskRejectPayload(order=await fresh_order(ctx, pk))

    @strawberry.mutation(description="Block an e-mail address, domain, client IP address or "
                                     "card: new orders matching it are HIGH risk and canceled. "
                                     "Already listed: DUPLICATE. Needs MANAGE_ORDERS.")
    async def blocklist_entry_add(self, info: Info, input: BlocklistEntryAddInput
                                  ) -> BlocklistEntryAddPayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_ORDERS)
        try:
            pk = await blocklist.add_entry(ctx.db, input.kind, input.value, note=input.note,
                                           actor_id=viewer.user_id)
        except DomainError as exc:
            return BlocklistEntryAddPayload(errors=from_domain(exc))
        rows = await queries.blocklist_entries_by_ids(ctx.reader, [pk])
        return BlocklistEntryAddPayload(entry=BlocklistEntry.from_row(rows[pk]))

    @strawberry.mutation(description="Remove a blocklist entry; orders placed later are no "
                                     "longer matched by it. Needs MANAGE_ORDERS.")
    async def blocklist_entry_remove(self, info: Info, input: BlocklistEntryRemoveInput
                                     ) -> BlocklistEntryRemovePayload:
        ctx = info.context
        await ctx.require_staff(Permission.MANAGE_ORDERS)
        try:
            pk = decode.pk(input.id, "BlocklistEntry", ["id"])
            await blocklist.remove_entry(ctx.db, pk)
        except DomainError as exc:
            return BlocklistEntryRemovePayload(errors=from_domain(exc))
        return BlocklistEntryRemovePayload(removed_id=input.id)
