"""Return types: a return (RMA) of an order, its lines and its refund. Reached through
``returns`` (MANAGE_RETURNS), ``Order.returns`` and ``User.returns`` (the order's owner or
staff), and the return mutations' payloads."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from commerce.api.graphql.context import Info
from commerce.api.graphql.descriptions import describe_values
from commerce.api.graphql.money import Money
from commerce.api.graphql.node import Node
from commerce.api.graphql.pagination import Connection
from commerce.api.graphql.scalars import Decimal
from commerce.returns.rules import (
    DeclineReason,
    Disposition,
    RefundStatus,
    ReturnReason,
    ReturnStatus,
)
from commerce.returns.service import return_number
from commerce.shared.ids import encode_id
from commerce.shared.percent import format_percent

if TYPE_CHECKING:
    from commerce.api.graphql.orders.types import Order, OrderLine

_ORDERS = "commerce.api.graphql.orders.types"

strawberry.enum(ReturnStatus, name="ReturnStatus", description="Where a return is.")
describe_values(ReturnStatus, {
    ReturnStatus.REQUESTED: "Asked for by the customer; staff approve or decline it.",
    ReturnStatus.OPEN: "Approved (or opened by staff): items are on their way back, received, "
                       "disposed of and refunded.",
    ReturnStatus.CLOSED: "Finished: nothing more will be received or refunded.",
    ReturnStatus.DECLINED: "Refused by staff (see `declineReason`); its items may be asked "
                           "for again.",
    ReturnStatus.CANCELED: "Canceled before anything was received or refunded.",
})
strawberry.enum(ReturnReason, name="ReturnReason",
                description="Why the customer sends an item back.")
describe_values(ReturnReason, {
    ReturnReason.DAMAGED: "It arrived damaged.",
    ReturnReason.DEFECTIVE: "It does not work.",
    ReturnReason.WRONG_ITEM: "Another item than the one ordered was sent.",
    ReturnReason.NOT_AS_DESCRIBED: "It differs from its description.",
    ReturnReason.SIZE_TOO_SMALL: "Too small.",
    ReturnReason.SIZE_TOO_LARGE: "Too large.",
    ReturnReason.UNWANTED: "The customer no longer wants it.",
    ReturnReason.OTHER: "Another reason (see the line's note).",
})
strawberry.enum(DeclineReason, name="ReturnDeclineReason",
                description="Why staff declined a return request.")
describe_values(DeclineReason, {
    DeclineReason.FINAL_SALE: "The items were sold as final sale.",
    DeclineReason.RETURN_PERIOD_ENDED: "The return window has ended.",
    DeclineReason.OTHER: "Another reason (see `declineNote`).",
})
strawberry.enum(Disposition, name="ReturnDisposition",
                description="What becomes of returned units.")
describe_values(Disposition, {
    Disposition.RESTOCK: "Back on hand in a warehouse, sellable again (stock journal: "
                         "RETURN).",
    Disposition.NOT_RESTOCKED: "Received but kept out of stock.",
    Disposition.DAMAGED: "Received damaged; written off.",
    Disposition.MISSING: "Never arrived.",
})
strawberry.enum(RefundStatus, name="ReturnRefundStatus",
                description="Where a return's refund is.")
describe_values(RefundStatus, {
    RefundStatus.NONE: "Not refunded.",
    RefundStatus.PENDING: "Under way: some payments may not have given their part yet "
                          "(e.g. the processor did not answer); returnRefund again finishes it "
                          "without refunding twice.",
    RefundStatus.DONE: "Refunded through the order's payments.",
})


@strawberry.type(description="Units of one order line in a return: why, what arrived, what "
                             "became of them and what they refunded.")
class ReturnLine:
    sku: str = strawberry.field(description="The item's SKU.")
    product_name: str = strawberry.field(description="The product's name at purchase.")
    variant_name: str = strawberry.field(description="The variant's name; may be empty.")
    quantity: int = strawberry.field(description="Units to return.")
    reason: ReturnReason = strawberry.field(description="Why they are returned.")
    note: str = strawberry.field(description="The customer's or staff's note; may be empty.")
    quantity_received: int = strawberry.field(description="Units that arrived.")
    quantity_restocked: int = strawberry.field(description="Received units put back on hand.")
    quantity_not_restocked: int = strawberry.field(description="Received units kept out of "
                                                               "stock.")
    quantity_damaged: int = strawberry.field(description="Received units written off as "
                                                         "damaged.")
    quantity_missing: int = strawberry.field(description="Units that never arrived (not "
                                                         "refunded).")
    refund_quantity: int = strawberry.field(description="Units refunded; 0 before the "
                                                        "refund.")
    refund_amount: Money = strawberry.field(description="What those units refunded: their "
                                                        "share of the line's total, tax and "
                                                        "discount included.")
    refund_tax: Money = strawberry.field(description="The tax inside `refundAmount`.")
    refund_discount: Money = strawberry.field(description="The discount share already taken "
                                                          "off `refundAmount`.")
    order_line_pk: strawberry.Private[int]
    order_pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any, currency: str) -> ReturnLine:
        return cls(sku=row.sku, product_name=row.product_name, variant_name=row.variant_name,
                   quantity=row.quantity, reason=ReturnReason(row.reason), note=row.note,
                   quantity_received=row.quantity_received,
                   quantity_restocked=row.quantity_restocked,
                   quantity_not_restocked=row.quantity_not_restocked,
                   quantity_damaged=row.quantity_damaged,
                   quantity_missing=row.quantity_missing,
                   refund_quantity=row.refund_quantity,
                   refund_amount=Money.of(row.refund_amount, currency),
                   refund_tax=Money.of(row.refund_tax, currency),
                   refund_discount=Money.of(row.refund_discount, currency),
                   order_line_pk=row.order_line_id, order_pk=row.order_id)

    @strawberry.field(description="The order line returned; null for whoever may not read "
                                  "the order.",
                      graphql_type=Annotated["OrderLine", strawberry.lazy(_ORDERS)] | None)
    async def order_line(self, info: Info) -> OrderLine | None:
        if await info.context.loaders.order_by_id.load(self.order_pk) is None:
            return None
        lines = await info.context.loaders.lines_by_order_id.load(self.order_pk)
        return next((line for line in lines if line.pk == self.order_line_pk), None)


@strawberry.type(description="A return (RMA) of shipped items of an order: REQUESTED -> OPEN "
                             "-> CLOSED, or DECLINED / CANCELED.")
class Return(Node):
    id: strawberry.ID
    number: str = strawberry.field(description="\"<order number>-R<n>\": the order's n-th "
                                               "return.")
    status: ReturnStatus = strawberry.field(description="Where the return is.")
    photo_urls: list[str] = strawberry.field(description="Photos the customer sent.")
    instructions: str = strawberry.field(description="How to send the items back (given on "
                                                     "approval); may be empty.")
    decline_reason: DeclineReason | None = strawberry.field(description="Why it was declined; "
                                                                        "null unless "
                                                                        "DECLINED.")
    decline_note: str = strawberry.field(description="Staff's note on declining; may be "
                                                     "empty.")
    return_shipping_fee: Money = strawberry.field(description="Kept from the refund for the "
                                                              "return label.")
    restocking_fee_percent: Decimal = strawberry.field(
        description="Percentage of the items' value kept from the refund.")
    refund_status: RefundStatus = strawberry.field(description="Where the refund is.")
    refund_amount: Money = strawberry.field(description="What the return refunds (items' "
                                                        "shares minus fees plus shipping); 0 "
                                                        "before returnRefund.")
    refund_shipping: Money = strawberry.field(description="The shipping inside "
                                                          "`refundAmount`.")
    created_at: datetime = strawberry.field(description="When it was made (UTC).")
    approved_at: datetime | None = strawberry.field(description="When it was approved or "
                                                                "opened (UTC).")
    declined_at: datetime | None = strawberry.field(description="When it was declined (UTC).")
    canceled_at: datetime | None = strawberry.field(description="When it was canceled (UTC).")
    refunded_at: datetime | None = strawberry.field(description="When its refund finished "
                                                                "(UTC).")
    closed_at: datetime | None = strawberry.field(description="When it was closed (UTC).")
    pk: strawberry.Private[int]
    order_pk: strawberry.Private[int]
    currency: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: Any) -> Return:
        c = row.currency
        return cls(id=strawberry.ID(encode_id("Return", row.id)),
                   number=return_number(row.order_number, row.sequence),
                   status=ReturnStatus(row.status), photo_urls=list(row.photo_urls or []),
                   instructions=row.instructions,
                   decline_reason=(None if row.decline_reason is None
                                   else DeclineReason(row.decline_reason)),
                   decline_note=row.decline_note,
                   return_shipping_fee=Money.of(row.return_shipping_fee, c),
                   restocking_fee_percent=Decimal(format_percent(row.restocking_fee_bp)),
                   refund_status=RefundStatus(row.refund_status),
                   refund_amount=Money.of(row.refund_amount, c),
                   refund_shipping=Money.of(row.refund_shipping, c),
                   created_at=row.created_at, approved_at=row.approved_at,
                   declined_at=row.declined_at, canceled_at=row.canceled_at,
                   refunded_at=row.refunded_at, closed_at=row.closed_at,
                   pk=row.id, order_pk=row.order_id, currency=c)

    @strawberry.field(description="The units returned, line by line.")
    async def lines(self, info: Info) -> list[ReturnLine]:
        rows = await info.context.loaders.return_lines_by_return_id.load(self.pk)
        return [ReturnLine.from_row(row, self.currency) for row in rows]

    @strawberry.field(description="The order; null for whoever may not read it.",
                      graphql_type=Annotated["Order", strawberry.lazy(_ORDERS)] | None)
    async def order(self, info: Info) -> Order | None:
        return await info.context.loaders.order_by_id.load(self.order_pk)


@strawberry.type(name="ReturnConnection",
                 description="A page of returns; pass `pageInfo.endCursor` as `after`.")
class ReturnConnection(Connection[Return]):
    """A named class so ``User.returns`` can refer to it lazily from the accounts module."""

    @classmethod
    def of(cls, page: Connection[Return]) -> ReturnConnection:
        return cls(edges=page.edges, nodes=page.nodes, page_info=page.page_info)
