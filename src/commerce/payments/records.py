"""Reading and writing money facts inside the caller's transaction: an order's or a
payment's successful movements, the order's cached amounts derived from them, and
transactions recorded at most once per idempotency key (a webhook and a checkout reporting
the same capture record it once)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.models import Order, PaymentTransaction
from commerce.db.upsert import insert_for
from commerce.payments import rules
from commerce.payments.rules import Movement, Totals, TransactionKind, TransactionStatus
from commerce.tracking.changes import PAYMENT_CONFIRMED_MESSAGE, payment_confirmed
from commerce.tracking.log import OrderTrackingEventType, record


async def movements(session: AsyncSession, *, order_id: int | None = None,
                    payment_id: int | None = None) -> list[Movement]:
    """Successful movements of an order (all its payments) or of one payment."""
    statement = select(PaymentTransaction.kind, PaymentTransaction.amount,
                       PaymentTransaction.payment_id).where(
        PaymentTransaction.status == TransactionStatus.SUCCESS.value)
    if order_id is not None:
        statement = statement.where(PaymentTransaction.order_id == order_id)
    if payment_id is not None:
        statement = statement.where(PaymentTransaction.payment_id == payment_id)
    return [Movement(TransactionKind(kind), amount, pid)
            for kind, amount, pid in (await session.execute(statement)).all()]


async def sync_order(session: AsyncSession, order: Order) -> Totals:
    """Recompute the order's cached amount paid and payment status from its transactions;
    when that confirms the order's payment, its tracking log says so (every money path
    comes through here, so each confirmation is recorded once, in its transaction)."""
    totals = rules.totals(await movements(session, order_id=order.id))
    before = order.payment_status
    order.amount_paid = totals.paid
    order.payment_status = rules.order_payment_status(order.total, totals).value
    if payment_confirmed(before, order.payment_status):
        await record(session, order.id, OrderTrackingEventType.PAYMENT_CONFIRMED,
                     message=PAYMENT_CONFIRMED_MESSAGE,
                     data={"payment_status": order.payment_status,
                           "amount": totals.paid or totals.authorized,
                           "currency": order.currency})
    return totals


async def add_transaction(session: AsyncSession, *, payment_id: int, order_id: int | None,
                          kind: TransactionKind, amount: int, currency: str,
                          idempotency_key: str,
                          status: TransactionStatus = TransactionStatus.SUCCESS,
                          psp_reference: str = "", reason: str = "",
                          actor_id: int | None = None) -> int | None:
    """Insert a transaction unless one with this key exists; returns the new row's id, or
    None when the key was already recorded (nothing changed). Keys of facts the gateway
    reports are derived from its ids (e.g. ``stripe:re_123``), so every path that learns
    the fact records it once."""
    values = dict(payment_id=payment_id, order_id=order_id, kind=kind.value, amount=amount,
                  currency=currency, status=status.value, psp_reference=psp_reference,
                  reason=reason, actor_id=actor_id, idempotency_key=idempotency_key)
    row = (await session.execute(
        insert_for(session, PaymentTransaction).values(**values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(PaymentTransaction.id))).first()
    return None if row is None else int(row[0])
