"""Return mutations: the customer's request (own order, or a guest with the order's token),
and staff's (MANAGE_RETURNS) create, approve, decline, cancel, receive, dispose, refund and
close.

Each resolver checks who may act, decodes its input, calls one ``returns`` service function
and answers the return as it is now."""

from __future__ import annotations

import strawberry

from commerce.accounts.permissions import Permission
from commerce.api.graphql import decode
from commerce.api.graphql.context import Context, Info
from commerce.api.graphql.errors import UserError, from_domain
from commerce.api.graphql.returns.types import Return
from commerce.api.graphql.scalars import Decimal
from commerce.payments.gateways import gateway_for
from commerce.returns import receiving, refunds, service
from commerce.returns.receiving import Disposal, Units
from commerce.returns.rules import DeclineReason, Disposition, ReturnReason
from commerce.returns.service import LineRequest, Requester
from commerce.settings import Settings
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError
from commerce.shared.money import parse_amount
from commerce.shared.percent import PercentError, parse_percent

_RETURN_ID = "The return."
_ORDER_LINE = "The order line (each line appears once in a return)."


@strawberry.input(description="Units of one shipped order line to return.")
class ReturnLineInput:
    order_line_id: strawberry.ID = strawberry.field(description="The order line.")
    quantity: int = strawberry.field(description="Units, at least 1 and at most those shipped "
                                                 "and not already returned or in a return.")
    reason: ReturnReason = strawberry.field(description="Why they are returned.")
    note: str = strawberry.field(default="", description="Anything to add; at most 1000 "
                                                         "characters.")


@strawberry.input(description="A customer's return request.")
class ReturnRequestInput:
    order_id: strawberry.ID = strawberry.field(description="The order: your own, or a guest's "
                                                           "with `orderToken`.")
    lines: list[ReturnLineInput] = strawberry.field(description="What to return.")
    photo_urls: list[str] = strawberry.field(default_factory=list,
                                             description="Photos of the items (http(s) URLs, "
                                                         "at most 10).")
    order_token: str | None = strawberry.field(
        default=None, description="A guest's order token (as returned by checkoutComplete); "
                                  "not needed for a signed-in customer's own order.")


@strawberry.input(description="A return staff open on a customer's behalf.")
class ReturnCreateInput:
    order_id: strawberry.ID = strawberry.field(description="The order.")
    lines: list[ReturnLineInput] = strawberry.field(description="What is returned.")
    instructions: str = strawberry.field(default="", description="How to send the items back "
                                                                 "(shown to the customer); at "
                                                                 "most 2000 characters.")
    return_shipping_fee: Decimal | None = strawberry.field(
        default=None, description="Kept from the refund for the return label, in the shop "
                                  "currency; null: COMMERCE_RETURN_SHIPPING_FEE.")
    restocking_fee_percent: Decimal | None = strawberry.field(
        default=None, description="Percentage of the items' value kept from the refund, 0 to "
                                  "100; null: COMMERCE_RESTOCKING_FEE_PERCENT.")


@strawberry.input(description="Approving a requested return.")
class ReturnApproveInput:
    return_id: strawberry.ID = strawberry.field(description=_RETURN_ID)
    instructions: str = strawberry.field(default="", description="How to send the items back "
                                                                 "(shown to the customer); at "
                                                                 "most 2000 characters.")
    return_shipping_fee: Decimal | None = strawberry.field(
        default=None, description="Kept from the refund for the return label, in the shop "
                                  "currency; null: COMMERCE_RETURN_SHIPPING_FEE.")
    restocking_fee_percent: Decimal | None = strawberry.field(
        default=None, description="Percentage of the items' value kept from the refund, 0 to "
                                  "100; null: COMMERCE_RESTOCKING_FEE_PERCENT.")


@strawberry.input(description="Declining a requested return.")
class ReturnDeclineInput:
    return_id: strawberry.ID = strawberry.field(description=_RETURN_ID)
    reason: DeclineReason = strawberry.field(description="Why.")
    note: str = strawberry.field(default="", description="Shown to the customer; at most 1000 "
                                                         "characters.")


@strawberry.input(description="A return to act on as a whole.")
class ReturnIdInput:
    return_id: strawberry.ID = strawberry.field(description=_RETURN_ID)


@strawberry.input(description="Units of one line that arrived.")
class ReturnReceiveLineInput:
    order_line_id: strawberry.ID = strawberry.field(description=_ORDER_LINE)
    quantity: int = strawberry.field(description="Units that arrived now.")


@strawberry.input(description="Returned units arriving.")
class ReturnReceiveInput:
    return_id: strawberry.ID = strawberry.field(description=_RETURN_ID)
    lines: list[ReturnReceiveLineInput] = strawberry.field(description="What arrived.")


@strawberry.input(description="What becomes of units of one line.")
class ReturnDisposeLineInput:
    order_line_id: strawberry.ID = strawberry.field(description=_ORDER_LINE)
    quantity: int = strawberry.field(description="Units: received and not yet disposed of "
                                                 "(MISSING: not received).")
    disposition: Disposition = strawberry.field(description="What becomes of them.")
    warehouse_id: strawberry.ID | None = strawberry.field(
        default=None, description="RESTOCK only: the warehouse they go back into.")



@strawberry.input(description="Disposing of returned units.")
class ReturnDisposeInput:
    return_id: strawberry.ID = strawberry.field(description=_RETURN_ID)
    lines: list[ReturnDisposeLineInput] = strawberry.field(description="What becomes of "
                                                                       "which units.")


@strawberry.input(description="Refunding a return through the order's payments.")
class ReturnRefundInput:
    return_id: strawberry.ID = strawberry.field(description=_RETURN_ID)
    refund_shipping: bool = strawberry.field(
        default=False, description="Also refund the order's shipping (what no other return "
                                   "refunded yet).")


@strawberry.type(description="Result of a return mutation.")
class ReturnPayload:
    return_: Return | None = strawberry.field(
        name="return", default=None,
        description="The return as it is now; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why nothing changed: NOT_FOUND (order, return, line or warehouse; also an "
                    "order that is not yours), INVALID (a field: e.g. a line never shipped, "
                    "already returned, final sale, outside the return window, over quantity), "
                    "REQUIRED, INVALID_STATE (the return's status does not allow it), and the "
                    "payment errors of a refund (PAYMENT_GATEWAY_UNAVAILABLE: run returnRefund "
                    "again).")


async def _fresh(ctx: Context, pk: int) -> ReturnPayload:
    ctx.loaders.clear_all()
    return ReturnPayload(return_=await ctx.loaders.return_by_id.load(pk))


def _return_pk(value: strawberry.ID) -> int:
    return decode.pk(value, "Return", ["returnId"])


def _lines(lines: list[ReturnLineInput]) -> list[LineRequest]:
    return [LineRequest(decode.pk(line.order_line_id, "OrderLine",
                                  ["lines", str(i), "orderLineId"]),
                        line.quantity, line.reason, line.note)
            for i, line in enumerate(lines)]


def _default_fee(settings: Settings) -> int:
    return parse_amount(settings.return_shipping_fee, settings.currency)


def _fee(settings: Settings, value: Decimal | None) -> int:
    if value is None:
        return _default_fee(settings)
    return decode.money(str(value), settings.currency, ["returnShippingFee"])


def _percent(value: Decimal | None, default: int) -> int:
    if value is None:
        return default
    try:
        return parse_percent(str(value))
    except PercentError as exc:
        raise DomainError.one(ErrorCode.INVALID, str(exc), ["restockingFeePercent"]) from None


@strawberry.type
class ReturnMutation:
    @strawberry.mutation(description="Ask to return shipped items of your order (a guest: with "
                                     "the order's token) -> REQUESTED (tracking: "
                                     "RETURN_REQUESTED). Lines never shipped, already "
                                     "returned, final sale, outside the return window "
                                     "(COMMERCE_RETURN_WINDOW_DAYS from delivery, or from "
                                     "shipping when never delivered) or over quantity are "
                                     "refused with their field.")
    async def return_request(self, info: Info, input: ReturnRequestInput) -> ReturnPayload:
        ctx = info.context
        viewer = await ctx.viewer()
        try:
            order = decode.pk(input.order_id, "Order", ["orderId"])
            who = Requester(user_id=viewer.user_id if viewer else None,
                            order_token=input.order_token)
            pk = await service.request_return(
                ctx.db, order, _lines(input.lines), who=who, photo_urls=input.photo_urls,
                window_days=ctx.settings.return_window_days,
                restocking_fee_bp=ctx.settings.restocking_fee_percent,
                return_shipping_fee=_default_fee(ctx.settings))
        except DomainError as exc:
            return ReturnPayload(errors=from_domain(exc))
        return await _fresh(ctx, pk)

    @strawberry.mutation(description="Open a return on a customer's behalf, straight to OPEN "
                                     "(tracking: RETURN_APPROVED); the window and final sale "
                                     "are waived, shipped quantities are not. Needs "
                                     "MANAGE_RETURNS.")
    async def return_create(self, info: Info, input: ReturnCreateInput) -> ReturnPayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_RETURNS)
        try:
            order = decode.pk(input.order_id, "Order", ["orderId"])
            pk = await service.request_return(
                ctx.db, order, _lines(input.lines),
                who=Requester(user_id=viewer.user_id, staff=True),
                window_days=ctx.settings.return_window_days,
                restocking_fee_bp=_percent(input.restocking_fee_percent,
                                           ctx.settings.restocking_fee_percent),
                return_shipping_fee=_fee(ctx.settings, input.return_shipping_fee),
                instructions=input.instructions)
        except DomainError as exc:
            return ReturnPayload(errors=from_domain(exc))
        return await _fresh(ctx, pk)

    @strawberry.mutation(description="Approve a REQUESTED return -> OPEN, with instructions "
                                     "and fees (tracking: RETURN_APPROVED). Needs "
                                     "MANAGE_RETURNS.")
    async def return_approve(self, info: Info, input: ReturnApproveInput) -> ReturnPayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_RETURNS)
        try:
            pk = _return_pk(input.return_id)
            fee = _fee(ctx.settings, input.return_shipping_fee)
            await service.approve(ctx.db, pk, instructions=input.instructions,
                                  return_shipping_fee=fee,
                                  restocking_fee_bp=_percent(
                                      input.restocking_fee_percent,
                                      ctx.settings.restocking_fee_percent),
                                  actor_id=viewer.user_id)
        except DomainError as exc:
            return ReturnPayload(errors=from_domain(exc))
        return await _fresh(ctx, pk)

    @strawberry.mutation(description="Decline a REQUESTED return -> DECLINED (tracking: "
                                     "RETURN_DECLINED). Needs MANAGE_RETURNS.")
    async def return_decline(self, info: Info, input: ReturnDeclineInput) -> ReturnPayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_RETURNS)
        try:
            pk = _return_pk(input.return_id)
            await service.decline(ctx.db, pk, reason=input.reason, note=input.note,
                                  actor_id=viewer.user_id)
        except DomainError as exc:
            return ReturnPayload(errors=from_domain(exc))
        return await _fresh(ctx, pk)

    @strawberry.mutation(description="Cancel a REQUESTED or OPEN return before anything was "
                                     "received or refunded -> CANCELED. Needs MANAGE_RETURNS.")
    async def return_cancel(self, info: Info, input: ReturnIdInput) -> ReturnPayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_RETURNS)
        try:
            pk = _return_pk(input.return_id)
            await service.cancel(ctx.db, pk, actor_id=viewer.user_id)
        except DomainError as exc:
            return ReturnPayload(errors=from_domain(exc))
        return await _fresh(ctx, pk)

    @strawberry.mutation(description="Record units of an OPEN return that arrived (tracking: "
                                     "RETURN_RECEIVED). Needs MANAGE_RETURNS.")
    async def return_receive(self, info: Info, input: ReturnReceiveInput) -> ReturnPayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_RETURNS)
        try:
            pk = _return_pk(input.return_id)
            units = [Units(decode.pk(line.order_line_id, "OrderLine",
                                     ["lines", str(i), "orderLineId"]), line.quantity)
                     for i, line in enumerate(input.lines)]
            await receiving.receive(ctx.db, pk, units, actor_id=viewer.user_id)
        except DomainError as exc:
            return ReturnPayload(errors=from_domain(exc))
        return await _fresh(ctx, pk)

    @strawberry.mutation(description="Decide what becomes of received units: RESTOCK into a "
                                     "warehouse (stock on hand up, journal: RETURN), "
                                     "NOT_RESTOCKED, DAMAGED; or report units MISSING. Needs "
                                     "MANAGE_RETURNS.")
    async def return_dispose(self, info: Info, input: ReturnDisposeInput) -> ReturnPayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_RETURNS)
        try:
            pk = _return_pk(input.return_id)
            disposals = [
                Disposal(decode.pk(line.order_line_id, "OrderLine",
                                   ["lines", str(i), "orderLineId"]),
                         line.quantity, line.disposition,
                         decode.optional_pk(line.warehouse_id, "Warehouse",
                                            ["lines", str(i), "warehouseId"]))
                for i, line in enumerate(input.lines)]
            await receiving.dispose(ctx.db, pk, disposals, actor_id=viewer.user_id)
        except DomainError as exc:
            return ReturnPayload(errors=from_domain(exc))
        return await _fresh(ctx, pk)

    @strawberry.mutation(description="Refund an OPEN return through the order's original "
                                     "payment(s): each line's share of its total (discount "
                                     "and tax included) for its units minus missing ones, "
                                     "minus the restocking and return shipping fees, plus "
                                     "shipping when asked. Once per return; sending it again "
                                     "finishes a refund under way without refunding twice. "
                                     "Needs MANAGE_RETURNS.")
    async def return_refund(self, info: Info, input: ReturnRefundInput) -> ReturnPayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_RETURNS)
        try:
            pk = _return_pk(input.return_id)
            await refunds.refund(ctx.db, gateway_for(ctx.settings), pk,
                                 refund_shipping=input.refund_shipping,
                                 actor_id=viewer.user_id)
        except DomainError as exc:
            return ReturnPayload(errors=from_domain(exc))
        return await _fresh(ctx, pk)

    @strawberry.mutation(description="Close an OPEN return -> CLOSED: nothing more will be "
                                     "received or refunded. Needs MANAGE_RETURNS.")
    async def return_close(self, info: Info, input: ReturnIdInput) -> ReturnPayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_RETURNS)
        try:
            pk = _return_pk(input.return_id)
            await service.close(ctx.db, pk, actor_id=viewer.user_id)
        except DomainError as exc:
            return ReturnPayload(errors=from_domain(exc))
        return await _fresh(ctx, pk)
