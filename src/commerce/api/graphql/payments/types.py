"""Payment object types: a payment on an order and its immutable transactions."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from commerce.api.graphql.context import Info
from commerce.api.graphql.descriptions import describe_values
from commerce.api.graphql.money import Money
from commerce.payments import rules
from commerce.payments.rules import (
    PaymentMethod,
    PaymentRecordStatus,
    TransactionKind,
    TransactionStatus,
)
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
strawberry.enum(TransactionStatus, name="PaymentTransactionStatus",
                description="Whether a transaction moved money.")
describe_values(TransactionStatus, {
    TransactionStatus.SUCCESS: "Done: the money moved (or, for a manual refund, is owed).",
    TransactionStatus.FAILED: "Refused (e.g. by the card processor); nothing moved.",
    TransactionStatus.PENDING: "Asked of the card processor, outcome not known yet; its "
                               "amount is reserved (a pending refund counts against what "
                               "may still be refunded).",
})


@strawberry.enum(description="How a payment was made: by card through a gateway, or one of "
                             "the manual methods staff record.")
class PaymentMethodKind(Enum):
    CARD = "CARD"
    BANK_TRANSFER = "BANK_TRANSFER"
    CASH_ON_DELIVERY = "CASH_ON_DELIVERY"
    CHEQUE = "CHEQUE"
    OTHER = "OTHER"


describe_values(PaymentMethodKind, {
    PaymentMethodKind.CARD: "A card, through the card gateway (`Payment.card` tells which).",
    PaymentMethodKind.BANK_TRANSFER: "A bank transfer.",
    PaymentMethodKind.CASH_ON_DELIVERY: "Cash handed to the carrier or courier.",
    PaymentMethodKind.CHEQUE: "A cheque.",
    PaymentMethodKind.OTHER: "Anything else (the reference says what).",
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
    status: TransactionStatus = strawberry.field(
        description="Whether it moved the money (only SUCCESS counts in the amounts).")
    amount: Money = strawberry.field(description="How much, in the payment's currency.")
    psp_reference: str = strawberry.field(
        description="The provider's or bank's reference; may be empty.")
    reason: str = strawberry.field(description="Why (for refunds); may be empty.")
    created_at: datetime = strawberry.field(description="When it was recorded (UTC).")

    @classmethod
    def from_row(cls, row: Any) -> PaymentTransaction:
        return cls(id=strawberry.ID(encode_id("PaymentTransaction", row.id)),
                   kind=TransactionKind(row.kind), status=TransactionStatus(row.status),
                   amount=Money.of(row.amount, row.currency),
                   psp_reference=row.psp_reference, reason=row.reason,
                   created_at=row.created_at)


@strawberry.type(description="The card a payment was made with, as the processor "
                             "describes it; never its number.")
class PaymentCard:
    brand: str = strawberry.field(description="E.g. `visa`, `mastercard`; may be empty.")
    last4: str = strawberry.field(description="The card number's last four digits.")
    exp_month: int | None = strawberry.field(description="Expiry month, 1-12; null if unknown.")
    exp_year: int | None = strawberry.field(description="Expiry year (four digits); null if "
                                                        "unknown.")


@strawberry.type(description="A payment on an order: a card payment through the card gateway, "
                             "or money staff recorded (manual gateway).")
class Payment:
    id: strawberry.ID = strawberry.field(
        description="Opaque ID of the payment; give it to `paymentCapture`, `paymentVoid` or "
                    "`paymentRefund`.")
    gateway: str = strawberry.field(
        description="Who processed it: `manual` (recorded by staff) or `stripe`.")
    method: PaymentMethodKind = strawberry.field(description="How the money came.")
    amount: Money = strawberry.field(
        description="The amount of the payment: received (manual), or asked of the card.")
    status: PaymentRecordStatus = strawberry.field(description="Where it stands.")
    psp_reference: str = strawberry.field(
        description="The processor's id (Stripe: the PaymentIntent) or the bank transfer's "
                    "(or other) reference; may be empty.")
    card: PaymentCard | None = strawberry.field(
        description="The card used; null for manual payments or when the processor did not "
                    "say.")
    created_at: datetime = strawberry.field(description="When it was recorded (UTC).")
    pk: strawberry.Private[int]
    order_id: strawberry.Private[int]
    currency: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: Any) -> Payment:
        card = None
        if row.card_last4 or row.card_brand:
            card = PaymentCard(brand=row.card_brand, last4=row.card_last4,
                               exp_month=row.card_exp_month, exp_year=row.card_exp_year)
        return cls(id=strawberry.ID(encode_id("Payment", row.id)), gateway=row.gateway,
                   method=PaymentMethodKind(row.method),
                   amount=Money.of(row.amount, row.currency),
                   status=PaymentRecordStatus(row.status), psp_reference=row.psp_reference,
                   card=card, created_at=row.created_at, pk=row.id, order_id=row.order_id,
                   currency=row.currency)

    async def _mine(self, info: Info) -> list[Any]:
        rows = await info.context.loaders.payment_transactions_by_order_id.load(self.order_id)
        return [r for r in rows if r.payment_id == self.pk]

    async def _totals(self, info: Info) -> rules.Totals:
        return rules.totals(rules.Movement(TransactionKind(r.kind), r.amount, r.payment_id)
                            for r in await self._mine(info)
                            if r.status == TransactionStatus.SUCCESS.value)

    @strawberry.field(description="Its transactions, oldest first.")
    async def transactions(self, info: Info) -> list[PaymentTransaction]:
        return [PaymentTransaction.from_row(r) for r in await self._mine(info)]

    @strawberry.field(description="Money taken (successful captures).")
    async def amount_captured(self, info: Info) -> Money:
        return Money.of((await self._totals(info)).captured, self.currency)

    @strawberry.field(description="Money given back: refunds (for manual payments also owed "
                                  "ones) and chargebacks.")
    async def amount_refunded(self, info: Info) -> Money:
        return Money.of((await self._totals(info)).refunded, self.currency)

    @strawberry.field(description="Held on the card and neither captured nor released yet; "
                                  "`paymentCapture` takes it, `paymentVoid` releases it.")
    async def amount_authorized(self, info: Info) -> Money:
        return Money.of((await self._totals(info)).authorized, self.currency)
