"""Settling money movements asked of a card gateway, inside the caller's transaction.

A capture, void or refund is first written as a PENDING transaction (it reserves the
amount), then the gateway is called, then the row is settled here: SUCCESS with the
processor's reference, or FAILED. Settling is a conditional update (``WHERE status =
'PENDING'``), so two requests finishing the same call settle it once, and the payment's
status, the order's cached amounts, its history and the outbox event follow only the one
that did.

A refund can also be learnt from the processor's webhook, possibly before the request that
asked for it has settled its row. Pending refund rows of one payment and amount are
interchangeable, so whichever path learns a refund id first records it in one of them (or
in a new row), and every later path finds the id and does nothing: one refund id, one row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.models import Order, Payment, PaymentTransaction
from commerce.events.outbox import emit
from commerce.orders.events import OrderEventType, add_event
from commerce.orders.locking import lock_order
from commerce.payments import rules
from commerce.payments.records import add_transaction, movements, sync_order
from commerce.payments.rules import TransactionKind, TransactionStatus
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError
from commerce.tracking.changes import REFUNDED_MESSAGE
from commerce.tracking.log import OrderTrackingEventType, record

_HISTORY = {TransactionKind.CAPTURE: OrderEventType.PAYMENT_CAPTURED,
            TransactionKind.VOID: OrderEventType.PAYMENT_VOIDED,
            TransactionKind.REFUND: OrderEventType.PAYMENT_REFUNDED}
_OUTBOX = {TransactionKind.CAPTURE: "payment.captured",
           TransactionKind.VOID: "payment.voided",
           TransactionKind.REFUND: "payment.refunded"}


def release_key(txn_id: int) -> str:
    """The key of the VOID that releases what a partial capture left authorised."""
    return f"commerce-txn-{txn_id}:release"


async def _mark(session: AsyncSession, txn_id: int, status: TransactionStatus,
                psp_reference: str | None = None) -> bool:
    """PENDING → ``status``; False when the row was no longer pending (settled elsewhere)."""
    values: dict[str, Any] = {"status": status.value}
    if psp_reference is not None:
        values["psp_reference"] = psp_reference
    result = await session.execute(
        update(PaymentTransaction)
        .where(PaymentTransaction.id == txn_id,
               PaymentTransaction.status == TransactionStatus.PENDING.value)
        .values(**values).returning(PaymentTransaction.id))
    return result.first() is not None


async def lock_payment(session: AsyncSession, payment_id: int
                       ) -> tuple[Payment, Order | None]:
    """The payment and its order, both locked: the order's lock serialises every money
    movement on it; the payment's row lock does the same for a payment without an order."""
    order_id = (await session.execute(select(Payment.order_id).where(
        Payment.id == payment_id))).one_or_none()
    if order_id is None:
        raise DomainError.one(ErrorCode.NOT_FOUND, "no such payment", ["paymentId"])
    order = None if order_id[0] is None else await lock_order(session, order_id[0])
    statement = select(Payment).where(Payment.id == payment_id)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one(), order


async def record_effects(session: AsyncSession, payment: Payment, order: Order | None, *,
                         kind: TransactionKind, amount: int, txn_id: int,
                         psp_reference: str, actor_id: int | None, reason: str = "",
                         extra: dict[str, Any] | None = None) -> None:
    """After a successful movement: the payment's status, the order's cached amounts, its
    history entry and the outbox event (with amounts, for the ledger)."""
    mine = rules.totals(await movements(session, payment_id=payment.id))
    payment.status = rules.payment_status(mine).value
    order_id = payment.order_id
    payload: dict[str, Any] = {
        "order_id": order_id, "payment_id": payment.id, "transaction_id": txn_id,
        "gateway": payment.gateway, "method": payment.method, "amount": amount,
        "currency": payment.currency, "psp_reference": psp_reference, "reason": reason,
        "payment_status": payment.status, **(extra or {})}
    if order is not None and order_id is not None:
        totals = await sync_order(session, order)
        amounts = {"amount_paid": totals.paid, "amount_refunded": totals.refunded,
                   "amount_authorized": totals.authorized}
        await add_event(session, order_id, _HISTORY[kind], actor_id=actor_id, message=reason,
                        data={"amount": amount, "currency": payment.currency,
                              "payment_id": payment.id, **(extra or {}), **amounts})
        payload.update(amounts, order_payment_status=order.payment_status)
        if kind is TransactionKind.REFUND:
            await record(session, order_id, OrderTrackingEventType.REFUNDED,
                         message=REFUNDED_MESSAGE,
                         data={"amount": amount, "currency": payment.currency})
        await emit(session, _OUTBOX[kind], "Order", order_id, payload)
    else:
        await emit(session, _OUTBOX[kind], "Payment", payment.id, payload)


async def settle_capture(session: AsyncSession, payment: Payment, order: Order | None, *,
                         txn_id: int, amount: int, psp_reference: str,
                         actor_id: int | None) -> bool:
    if not await _mark(session, txn_id, TransactionStatus.SUCCESS, psp_reference):
        return False
    # The processor released what was not captured; record that as a VOID of the rest.
    held = rules.totals(await movements(session, payment_id=payment.id)).authorized
    if held > 0:
        await add_transaction(session, payment_id=payment.id, order_id=payment.order_id,
                              kind=TransactionKind.VOID, amount=held,
                              currency=payment.currency, idempotency_key=release_key(txn_id),
                              psp_reference=psp_reference, reason="rest of a partial capture",
                              actor_id=actor_id)
    await record_effects(session, payment, order, kind=TransactionKind.CAPTURE, amount=amount,
                         txn_id=txn_id, psp_reference=psp_reference, actor_id=actor_id,
                         extra={"released": held})
    return True


async def settle_void(session: AsyncSession, payment: Payment, order: Order | None, *,
                      txn_id: int, amount: int, psp_reference: str,
                      actor_id: int | None) -> bool:
    if not await _mark(session, txn_id, TransactionStatus.SUCCESS, psp_reference):
        return False
    await record_effects(session, payment, order, kind=TransactionKind.VOID, amount=amount,
                         txn_id=txn_id, psp_reference=psp_reference, actor_id=actor_id)
    return True


async def settle_refund(session: AsyncSession, payment: Payment, order: Order | None, *,
                        refund_id: str, amount: int, own_txn_id: int | None,
                        actor_id: int | None, reason: str = "",
                        done: bool = True) -> int | None:
    """Record refund ``refund_id`` once. ``done`` False: the processor accepted it but it is
    still pending there; the row keeps PENDING (reserving the amount) with the refund id, and
    the webhook that reports it succeeded settles it. Returns the row now recording it as
    successful, or None when nothing changed."""
    existing = (await session.execute(select(PaymentTransaction.id, PaymentTransaction.status)
                                      .where(PaymentTransaction.payment_id == payment.id,
                                             PaymentTransaction.kind == "REFUND",
                                             PaymentTransaction.psp_reference == refund_id))
                ).first()
    txn_id: int | None
    if existing is not None:
        if not done or existing.status != TransactionStatus.PENDING.value:
            return None
        txn_id = int(existing.id)
        await _mark(session, txn_id, TransactionStatus.SUCCESS)
    else:
        txn_id = await _adopt(session, payment, amount, own_txn_id, refund_id, done)
        if txn_id is None:
            # Not asked through us (e.g. refunded in Stripe's dashboard): a new row.
            txn_id = await add_transaction(
                session, payment_id=payment.id, order_id=payment.order_id,
                kind=TransactionKind.REFUND, amount=amount, currency=payment.currency,
                idempotency_key=f"{payment.gateway}:{refund_id}", psp_reference=refund_id,
                reason=reason or "refunded at the processor", actor_id=actor_id,
                status=TransactionStatus.SUCCESS if done else TransactionStatus.PENDING)
            if txn_id is None:
                return None
        if not done:
            return None
    await record_effects(session, payment, order, kind=TransactionKind.REFUND, amount=amount,
                         txn_id=txn_id, psp_reference=refund_id, actor_id=actor_id,
                         reason=reason)
    return txn_id


async def _adopt(session: AsyncSession, payment: Payment, amount: int,
                 own_txn_id: int | None, refund_id: str, done: bool) -> int | None:
    """Put the refund id on our own pending row, or on another pending refund of the same
    payment and amount that has no id yet (whose request will find its own id recorded and
    take the next such row)."""
    status = TransactionStatus.SUCCESS if done else TransactionStatus.PENDING
    candidates = select(PaymentTransaction.id).where(
        PaymentTransaction.payment_id == payment.id, PaymentTransaction.kind == "REFUND",
        PaymentTransaction.status == TransactionStatus.PENDING.value,
        PaymentTransaction.psp_reference == "", PaymentTransaction.amount == amount)
    ids = [own_txn_id] if own_txn_id is not None else []
    ids += list((await session.execute(candidates.order_by(PaymentTransaction.id))).scalars())
    for txn_id in ids:
        if await _mark_refund(session, txn_id, status, refund_id):
            return txn_id
    return None


async def _mark_refund(session: AsyncSession, txn_id: int, status: TransactionStatus,
                       refund_id: str) -> bool:
    result = await session.execute(
        update(PaymentTransaction)
        .where(PaymentTransaction.id == txn_id,
               PaymentTransaction.status == TransactionStatus.PENDING.value,
               PaymentTransaction.psp_reference == "")
        .values(status=status.value, psp_reference=refund_id)
        .returning(PaymentTransaction.id))
    return result.first() is not None


async def fail(session: AsyncSession, txn: PaymentTransaction) -> bool:
    """The gateway refused: the row moved nothing. If a webhook already put another refund
    on this row, one interchangeable pending row (same payment, kind, amount) fails instead."""
    if await _mark(session, txn.id, TransactionStatus.FAILED):
        return True
    other = (await session.execute(select(PaymentTransaction.id).where(
        PaymentTransaction.payment_id == txn.payment_id, PaymentTransaction.kind == txn.kind,
        PaymentTransaction.status == TransactionStatus.PENDING.value,
        PaymentTransaction.psp_reference == "", PaymentTransaction.amount == txn.amount)
        .order_by(PaymentTransaction.id))).scalars().first()
    return other is not None and await _mark(session, other, TransactionStatus.FAILED)


async def record_gateway_refund(session: AsyncSession, payment: Payment, refund_id: str,
                                amount: int) -> bool:
    """For the webhook (``charge.refunded``) and reconciliation: record a refund the
    processor reports as succeeded, unless it is recorded already. Runs in the caller's
    transaction and takes the order's lock. True when something was recorded."""
    _, order = await lock_payment(session, payment.id)
    return await settle_refund(session, payment, order, refund_id=refund_id, amount=amount,
                               own_txn_id=None, actor_id=None) is not None


async def record_gateway_capture(session: AsyncSession, payment: Payment, amount: int,
                                 psp_reference: str) -> bool:
    """For the webhook and reconciliation: record that the processor captured ``amount`` of
    this authorised payment, unless a capture is recorded already. A capture staff asked for
    and still pending here is settled instead of recorded twice (an intent is captured at
    most once). True when something was recorded."""
    _, order = await lock_payment(session, payment.id)
    rows = (await session.execute(select(PaymentTransaction).where(
        PaymentTransaction.payment_id == payment.id, PaymentTransaction.kind == "CAPTURE",
        PaymentTransaction.status != TransactionStatus.FAILED.value))).scalars().all()
    pending = [r for r in rows if r.status == TransactionStatus.PENDING.value]
    if rows and not pending:
        return False
    if pending:
        txn = pending[0]
        return await settle_capture(session, payment, order, txn_id=txn.id, amount=txn.amount,
                                    psp_reference=psp_reference, actor_id=None)
    txn_id = await add_transaction(
        session, payment_id=payment.id, order_id=payment.order_id,
        kind=TransactionKind.CAPTURE, amount=amount, currency=payment.currency,
        idempotency_key=f"{payment.gateway}:{psp_reference}:capture", psp_reference=psp_reference,
        status=TransactionStatus.PENDING)
    return txn_id is not None and await settle_capture(
        session, payment, order, txn_id=txn_id, amount=amount, psp_reference=psp_reference,
        actor_id=None)
