"""Payment object types: a payment on an order and its immutable transactions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from commerce.api.graphql.context import Info
from commerce.api.graphql.descriptions import describe_values
from commerce.api.graphql.money import Money
from commerce.payments.rules import PaymentMethod, PaymentRecordStatus, TransactionKind
from commerce.shared.ids import encode_id

strawberry.enum(TransactionKind, name="PaymentTransactionKind",
                description="What a payment transaction did with the money.")
describe_values(TransactionKind, {
    TransactionKind.AUTHORIZE: "Money held on the customer's card, not yet taken.",
    TransactionKind.CAPTURE: "Money received (for manual payments: recorded by staff).",
    TransactionKind.VOID: "A hold on the card released without taking the money.",
    TransactionKind.REFUND: "Money given back to the customer (manual: done or owed).",
    TransactionKind.CHARGEBACK: "Money taken back by the card holder's bank (a lost dispute).",
    TransactionKind.CHARGEBACK_REVERSAL: "A chargeback undone; the money is the shop's again.",
})
strawberry.enum(PaymentMethod, name="ManualPaymentMethod",
                description="How money reached the shop outside any card gateway.")
describe_values(PaymentMethod, {
    PaymentMethod.BANK_TRANSFER: "A bank transfer.",
    PaymentMethod.CASH_ON_DELIVERY: "Cash handed to the carrier or courier.",
    PaymentMethod.CHEQUE: "A cheque.",
    PaymentMethod.OTHER: "Anything else (say what in the reference).",
})
strawberry.enum(PaymentRecordStatus, name="PaymentRecordStatus",
                description="Where one payment stands, derived from its transactions.")
describe_values(PaymentRecordStatus, {
    PaymentRecordStatus.PENDING: "A card payment in progress; no money has moved yet.",
    PaymentRecordStatus.AUTHORIZED: "Held on the card; staff (or shipping) capture it.",
    PaymentRecordStatus.CAPTURED: "Received, nothing refunded.",
    PaymentRecordStatus.PARTIALLY_REFUNDED: "Received, and part of it refunded.",
    PaymentRecordStatus.REFUNDED: "Received, and all of it refunded.",
    PaymentRecordStatus.VOIDED: "Canceled before any money was taken.",
    PaymentRecordStatus.FAILED: "The card payment failed (declined, or abandoned).",
})


@strawberry.type(description="One money movement on a payment; never changed once written.")
class PaymentTransaction:
    id: strawberry.ID = strawberry.field(description="Opaque ID of the transaction.")
    kind: TransactionKind = strawberry.field(description="What it did.")
    amount: Money = strawberry.field(description="How much, in the payment's currency.")
    psp_reference: str = strawberry.field(
        description="The provider's or bank's reference; may be empty.")
    reason: str = strawberry.field(description="Why (for refunds); may be empty.")
    created_at: datetime = strawberry.field(description="When it was recorded (UTC).")

    @classmethod
    def from_row(cls, row: Any) -> PaymentTransaction:
        return cls(id=strawberry.ID(encode_id("PaymentTransaction", row.id)),
                   kind=TransactionKind(row.kind), amount=Money.of(row.amount, row.currency),
                   psp_reference=row.psp_reference, reason=row.reason,
                   created_at=row.created_at)


@strawberry.type(description="A payment on an order (manual gateway: recorded by staff).")
class Payment:
    id: strawberry.ID = strawberry.field(
        description="Opaque ID of the payment; give it to `paymentRefund`.")
    gateway: str = strawberry.field(description="Who processed it: `manual` for now.")
    method: PaymentMethod = strawberry.field(description="How the money came.")
    amount: Money = strawberry.field(description="The amount received.")
    status: PaymentRecordStatus = strawberry.field(description="Where it stands.")
    psp_reference: str = strawberry.field(
        description="The bank transfer's (or other) reference; may be empty.")
    created_at: datetime = strawberry.field(description="When it was recorded (UTC).")
    pk: strawberry.Private[int]
    order_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> Payment:
        return cls(id=strawberry.ID(encode_id("Payment", row.id)), gateway=row.gateway,
                   method=PaymentMethod(row.method), amount=Money.of(row.amount, row.currency),
                   status=PaymentRecordStatus(row.status), psp_reference=row.psp_reference,
                   created_at=row.created_at, pk=row.id, order_id=row.order_id)

    @strawberry.field(description="Its transactions, oldest first.")
    async def transactions(self, info: Info) -> list[PaymentTransaction]:
        rows = await info.context.loaders.payment_transactions_by_order_id.load(self.order_id)
        return [PaymentTransaction.from_row(r) for r in rows if r.payment_id == self.pk]
