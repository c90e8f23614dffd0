"""The money side of canceling an order: nothing is silently kept.

Card payments go back through their gateway before the order is canceled: captured money is
refunded in full, an authorisation is voided. Each call uses the client key
``cancel-<order>-<payment>``, so a retry after a crash or a timeout finds the same
transaction row and asks the processor again with the same derived key: never a second
refund. If a refund cannot be made, the order is not canceled (the error says so) and the
retry finishes it. Manual payments are settled inside the cancel's own transaction: the
refund owed to the customer is recorded (money moves outside the shop).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.database import Database
from commerce.db.models import Order, Payment, PaymentTransaction
from commerce.events.outbox import emit
from commerce.orders.events import OrderEventType, add_event
from commerce.orders.locking import lock_order
from commerce.payments import operations, rules
from commerce.payments.gateway import PaymentGateway
from commerce.payments.records import add_transaction, movements, sync_order
from commerce.payments.rules import TransactionKind
from commerce.payments.service import GATEWAY as MANUAL
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError
from commerce.tracking.changes import REFUNDED_MESSAGE
from commerce.tracking.log import OrderTrackingEventType, record

OWED_REASON = "order canceled: refund owed"
REFUND_REASON = "order canceled"


def cancel_key(order_id: int, payment_id: int) -> str:
    return f"cancel-{order_id}-{payment_id}"


async def _card_payments(session: AsyncSession, order_id: int) -> list[Payment]:
    return list((await session.execute(select(Payment).where(
        Payment.order_id == order_id, Payment.gateway != MANUAL)
        .order_by(Payment.id))).scalars())


async def return_card_money(db: Database, gateway: PaymentGateway | None, order_id: int, *,
                            actor_id: int | None,
                            may_cancel: Callable[[Order], None]) -> None:
    """Refund or void every card payment of the order through the gateway, outside any
    transaction. ``may_cancel(order)`` raises when the order cannot be canceled at all, so
    no money moves for an order that stays."""
    plan: list[tuple[int, TransactionKind]] = []
    async with db.transaction() as session:
        order = await lock_order(session, order_id)
        may_cancel(order)
        for payment in await _card_payments(session, order_id):
            key = cancel_key(order_id, payment.id)
            asked = (await session.execute(select(PaymentTransaction.kind).where(
                PaymentTransaction.idempotency_key == key))).scalar_one_or_none()
            now = rules.totals(await movements(session, payment_id=payment.id))
            if asked is not None:  # a retry: finish what the first attempt asked for
                plan.append((payment.id, TransactionKind(asked)))
            elif now.paid > 0:
                plan.append((payment.id, TransactionKind.REFUND))
            elif now.authorized > 0 and now.captured == 0:
                plan.append((payment.id, TransactionKind.VOID))
    for payment_id, kind in plan:
        key = cancel_key(order_id, payment_id)
        try:
            if kind is TransactionKind.REFUND:
                await operations.refund_payment(db, gateway, payment_id, amount=None,
                                                reason=REFUND_REASON, idempotency_key=key,
                                                actor_id=actor_id)
            else:
                await operations.void_payment(db, gateway, payment_id, idempotency_key=key,
                                              actor_id=actor_id)
        except DomainError as exc:
            problem = exc.problems[0]
            raise DomainError.one(
                problem.code, f"the order was not canceled: its card payment could not be "
                f"{'refunded' if kind is TransactionKind.REFUND else 'voided'} "
                f"({problem.message}); try again") from None


async def settle_for_cancel(session: AsyncSession, order: Order, *,
                            actor_id: int | None) -> dict[str, list[dict[str, Any]]]:
    """Inside the cancel's transaction, under the order's lock: record the refund owed on
    every manual payment still holding money, make sure no card money is left, and say what
    went back (also what a first attempt already did)."""
    back: dict[str, list[dict[str, Any]]] = {"refunded": [], "voided": [], "owed": []}
    payments = (await session.execute(select(Payment).where(
        Payment.order_id == order.id).order_by(Payment.id))).scalars().all()
    for payment in payments:
        now = rules.totals(await movements(session, payment_id=payment.id))
        key = cancel_key(order.id, payment.id)
        if payment.gateway == MANUAL and now.paid > 0:
            txn_id = await add_transaction(
                session, payment_id=payment.id, order_id=order.id,
                kind=TransactionKind.REFUND, amount=now.paid, currency=payment.currency,
                idempotency_key=key, reason=OWED_REASON, actor_id=actor_id)
            if txn_id is not None:
                await _owed(session, order, payment, txn_id, now.paid, actor_id)
        elif payment.gateway != MANUAL and (now.paid > 0 or now.authorized > 0):
            # Money arrived on the card after the refunds were asked for (a capture raced in).
            raise DomainError.one(ErrorCode.INVALID_STATE,
                                  "the order was not canceled: a card payment took money "
                                  "meanwhile; try again")
        row = (await session.execute(select(PaymentTransaction).where(
            PaymentTransaction.idempotency_key == key,
            PaymentTransaction.status == "SUCCESS"))).scalar_one_or_none()
        if row is not None:
            what = ("owed" if payment.gateway == MANUAL
                    else "refunded" if row.kind == TransactionKind.REFUND.value else "voided")
            back[what].append({"payment_id": payment.id, "amount": row.amount,
                               "psp_reference": row.psp_reference})
    await sync_order(session, order)
    return back


async def _owed(session: AsyncSession, order: Order, payment: Payment, txn_id: int,
                amount: int, actor_id: int | None) -> None:
    payment.status = rules.payment_status(
        rules.totals(await movements(session, payment_id=payment.id))).value
    totals = await sync_order(session, order)
    await add_event(session, order.id, OrderEventType.PAYMENT_REFUNDED, actor_id=actor_id,
                    message=OWED_REASON,
                    data={"amount": amount, "currency": payment.currency,
                          "payment_id": payment.id, "owed": True,
                          "amount_paid": totals.paid, "amount_refunded": totals.refunded})
    await record(session, order.id, OrderTrackingEventType.REFUNDED,
                 message=REFUNDED_MESSAGE, data={"amount": amount, "currency": payment.currency})
    await emit(session, "payment.refunded", "Order", order.id, {
        "order_id": order.id, "payment_id": payment.id, "transaction_id": txn_id,
        "gateway": MANUAL, "method": payment.method, "amount": amount,
        "currency": payment.currency, "reason": OWED_REASON, "owed": True,
        "amount_paid": totals.paid, "amount_refunded": totals.refunded,
        "payment_status": order.payment_status})
