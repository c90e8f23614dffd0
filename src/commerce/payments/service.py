"""Staff payment use cases on the manual gateway: record a payment (bank transfer, cash on
delivery, cheque...), record a refund. Each runs in one transaction under the order's row
lock (SELECT ... FOR UPDATE on PostgreSQL; SQLite runs one writer at a time), so two
concurrent refunds cannot both pass the "never more than captured" check. Each is idempotent
for the client's key: the key is stored UNIQUE on the transaction row, and the same key sent
again returns the first result without adding a row."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.database import Database
from commerce.db.models import Payment, PaymentTransaction
from commerce.events.outbox import emit
from commerce.orders.events import OrderEventType, add_event
from commerce.orders.locking import lock_order
from commerce.orders.state import OrderStatus
from commerce.payments import rules
from commerce.payments.records import movements, sync_order
from commerce.payments.rules import (
    PaymentMethod,
    PaymentRecordStatus,
    PaymentRuleError,
    Totals,
    TransactionKind,
)
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError
from commerce.tracking.changes import REFUNDED_MESSAGE
from commerce.tracking.log import OrderTrackingEventType, record

GATEWAY = "manual"
MAX_REFERENCE = 255
MAX_REASON = 500
MAX_KEY = 128


@dataclass(frozen=True, slots=True)
class PaymentResult:
    # None for a card payment whose order was never placed (e.g. refunded out of stock).
    order_id: int | None
    payment_id: int
    transaction_id: int
    # True when the key had been seen: nothing new was recorded.
    replayed: bool = False


def check_key(key: str) -> str:
    key = key.strip()
    if not key:
        raise DomainError.one(ErrorCode.REQUIRED, "give an idempotency key", ["idempotencyKey"])
    if len(key) > MAX_KEY:
        raise DomainError.one(ErrorCode.INVALID, f"at most {MAX_KEY} characters",
                              ["idempotencyKey"])
    return key


def same_currency(given: str | None, expected: str) -> None:
    if given is not None and given != expected:
        raise DomainError.one(ErrorCode.INVALID,
                              f"this is in {expected}; the amount was read as {given}",
                              ["amount"])


def rule_error(exc: PaymentRuleError) -> DomainError:
    if exc.field is None:
        return DomainError.one(ErrorCode.INVALID_STATE, str(exc))
    return DomainError.one(ErrorCode.INVALID, str(exc), [exc.field])


async def _replay(session: AsyncSession, key: str, kind: TransactionKind, amount: int | None,
                  *,
                  order_id: int | None = None,
                  payment_id: int | None = None) -> PaymentResult | None:
    """The earlier result for this key, or None; a key reused for another request is an
    error rather than a silent success."""
    row = (await session.execute(select(PaymentTransaction).where(
        PaymentTransaction.idempotency_key == key))).scalar_one_or_none()
    if row is None:
        return None
    if (row.kind != kind.value or (amount is not None and row.amount != amount)
            or (order_id is not None and row.order_id != order_id)
            or (payment_id is not None and row.payment_id != payment_id)):
        raise DomainError.one(ErrorCode.INVALID,
                              "this idempotency key was already used for a different request",
                              ["idempotencyKey"])
    return PaymentResult(row.order_id, row.payment_id, row.id, replayed=True)


def _method(value: str, field: str | None) -> str:
    try:
        return PaymentMethod(value).value
    except ValueError:
        if field is None:  # the order's own method, from checkout: anything else is OTHER
            return PaymentMethod.OTHER.value
        raise DomainError.one(ErrorCode.INVALID, "unknown payment method", [field]) from None


async def record_payment(db: Database, order_id: int, *, amount: int | None,
                         method: str | None, reference: str, idempotency_key: str,
                         actor_id: int | None, currency: str | None = None,
                         event: OrderEventType = OrderEventType.PAYMENT_RECORDED
                         ) -> PaymentResult:
    """Record money received outside the shop (bank transfer, cash on delivery, cheque...);
    part of the balance is allowed, more than the balance is refused. ``amount`` None pays
    the outstanding balance; ``method`` None is the order's own payment method; ``currency``,
    when given, is the one ``amount`` was read in and must be the order's."""
    key = check_key(idempotency_key)
    if method is not None:
        method = _method(method, "method")
    reference = reference.strip()
    if len(reference) > MAX_REFERENCE:
        raise DomainError.one(ErrorCode.INVALID, f"at most {MAX_REFERENCE} characters",
                              ["reference"])
    for attempt in range(2):
        try:
            async with db.transaction() as session:
                order = await lock_order(session, order_id)
                earlier = await _replay(session, key, TransactionKind.CAPTURE, amount,
                                        order_id=order_id)
                if earlier is not None:
                    return earlier
                same_currency(currency, order.currency)
                if order.status == OrderStatus.CANCELED.value:
                    raise DomainError.one(ErrorCode.INVALID_STATE,
                                          "a canceled order cannot be paid")
                before = rules.totals(await movements(session, order_id=order_id))
                # Locals: a retry after a key collision must start from the inputs again.
                pay_amount = amount
                if pay_amount is None:
                    pay_amount = rules.outstanding(order.total, before)
                    if pay_amount == 0 and before.refunded == 0:
                        raise DomainError.one(ErrorCode.INVALID_STATE,
                                              "this order is already paid in full")
                pay_method = method if method is not None else _method(order.payment_method,
                                                                       None)
                try:
                    rules.check_payment(pay_amount, order.total, before)
                except PaymentRuleError as exc:
                    raise rule_error(exc) from None
                payment = Payment(order_id=order_id, gateway=GATEWAY, method=pay_method,
                                  amount=pay_amount, currency=order.currency,
                                  status=PaymentRecordStatus.CAPTURED.value,
                                  psp_reference=reference)
                session.add(payment)
                await session.flush()
                txn_id = (await session.execute(insert(PaymentTransaction).values(
                    payment_id=payment.id, order_id=order_id,
                    kind=TransactionKind.CAPTURE.value, amount=pay_amount,
                    currency=order.currency, status="SUCCESS", psp_reference=reference,
                    reason="", actor_id=actor_id, idempotency_key=key,
                ).returning(PaymentTransaction.id))).scalar_one()
                totals = await sync_order(session, order)
                await add_event(session, order_id, event, actor_id=actor_id,
                                message=reference,
                                data={"amount": pay_amount, "currency": order.currency,
                                      "payment_id": payment.id, "method": pay_method,
                                      "amount_paid": totals.paid})
                # One event per fact; payment_status says whether the order is now PAID.
                await emit(session, "payment.recorded", "Order", order_id, {
                    "order_id": order_id, "payment_id": payment.id, "transaction_id": txn_id,
                    "gateway": GATEWAY, "method": pay_method, "amount": pay_amount,
                    "currency": order.currency, "reference": reference,
                    "amount_paid": totals.paid, "payment_status": order.payment_status})
                return PaymentResult(order_id, payment.id, txn_id)
        except IntegrityError:
            # The same key raced in for another order; the retry finds and compares it.
            if attempt:
                raise
    raise AssertionError("unreachable")


async def refund_payment(db: Database, payment_id: int, *, amount: int, reason: str,
                         idempotency_key: str, actor_id: int | None,
                         currency: str | None = None) -> PaymentResult:
    """Record money given back on a manual payment (done, or owed to the customer); never
    more than the payment captured minus what was refunded from it."""
    key = check_key(idempotency_key)
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise DomainError.one(ErrorCode.INVALID, f"at most {MAX_REASON} characters",
                              ["reason"])
    for attempt in range(2):
        try:
            async with db.transaction() as session:
                order_id = (await session.execute(select(Payment.order_id).where(
                    Payment.id == payment_id))).scalar_one_or_none()
                if order_id is None:
                    raise DomainError.one(ErrorCode.NOT_FOUND, "no such payment",
                                          ["paymentId"])
                # The order's lock serialises every money movement on it.
                order = await lock_order(session, order_id)
                earlier = await _replay(session, key, TransactionKind.REFUND, amount,
                                        payment_id=payment_id)
                if earlier is not None:
                    return earlier
                payment = (await session.execute(select(Payment).where(
                    Payment.id == payment_id))).scalar_one()
                same_currency(currency, payment.currency)
                before = rules.totals(await movements(session, payment_id=payment_id))
                try:
                    rules.check_refund(amount, before)
                except PaymentRuleError as exc:
                    raise rule_error(exc) from None
                txn_id = (await session.execute(insert(PaymentTransaction).values(
                    payment_id=payment_id, order_id=order_id,
                    kind=TransactionKind.REFUND.value, amount=amount,
                    currency=payment.currency, status="SUCCESS", psp_reference="",
                    reason=reason, actor_id=actor_id, idempotency_key=key,
                ).returning(PaymentTransaction.id))).scalar_one()
                after = Totals(before.captured, before.refunded + amount, before.authorized,
                               before.charged_back)
                payment.status = rules.payment_status(after).value
                totals = await sync_order(session, order)
                await add_event(session, order_id, OrderEventType.PAYMENT_REFUNDED,
                                actor_id=actor_id, message=reason,
                                data={"amount": amount, "currency": payment.currency,
                                      "payment_id": payment_id, "amount_paid": totals.paid,
                                      "amount_refunded": totals.refunded})
                await record(session, order_id, OrderTrackingEventType.REFUNDED,
                             message=REFUNDED_MESSAGE,
                             data={"amount": amount, "currency": payment.currency})
                await emit(session, "payment.refunded", "Order", order_id, {
                    "order_id": order_id, "payment_id": payment_id, "transaction_id": txn_id,
                    "gateway": GATEWAY, "method": payment.method, "amount": amount,
                    "currency": payment.currency, "reason": reason,
                    "amount_paid": totals.paid, "amount_refunded": totals.refunded,
                    "payment_status": order.payment_status})
                return PaymentResult(order_id, payment_id, txn_id)
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")

