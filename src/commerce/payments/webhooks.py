"""Processing the processor's webhook events from the inbox (``webhook_events``).

An event is stored once (unique on source + event id) by the HTTP endpoint, acknowledged,
then processed here. Handlers never trust the event's copy of the object or the order events
arrive in: they ask the processor for the object as it is now and apply that, and every fact
they record is keyed by the processor's own ids. So a redelivery, a duplicate or a shuffled
delivery ends in the same state as one in-order delivery.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from commerce.checkout.card import record_failed_attempt, settle_intent
from commerce.db.database import Database
from commerce.db.models import Payment, PaymentTransaction, WebhookEvent
from commerce.db.upsert import insert_for
from commerce.events.outbox import emit
from commerce.orders.events import OrderEventType, add_event
from commerce.orders.locking import lock_order
from commerce.orders.state import OrderStatus
from commerce.payments.gateway import DisputeInfo, Intent, PaymentGateway
from commerce.payments.records import add_transaction, sync_order
from commerce.payments.rules import TransactionKind, TransactionStatus
from commerce.payments.settlement import settle_refund
from commerce.settings import Settings
from commerce.shared.clock import utcnow
from commerce.shared.errors import DomainError
from commerce.tracking.changes import ON_HOLD_MESSAGE, RELEASED_MESSAGE
from commerce.tracking.log import OrderTrackingEventType, record

log = logging.getLogger("commerce.webhooks")

SOURCE = "stripe"
MAX_ERROR = 2000


@dataclass(frozen=True, slots=True)
class InboxEvent:
    id: str
    type: str
    payload: Mapping[str, Any]


async def store_event(db: Database, event_id: str, type: str, payload: dict[str, Any]
                      ) -> int | None:
    """Keep a verified event; None when it was stored before (a redelivery)."""
    async with db.transaction() as session:
        row = (await session.execute(
            insert_for(session, WebhookEvent).values(source=SOURCE, external_id=event_id, type=type,
                                        payload=payload, received_at=utcnow(), attempts=0,
                                        last_error="")
            .on_conflict_do_nothing(index_elements=["source", "external_id"])
            .returning(WebhookEvent.id))).first()
    return None if row is None else int(row[0])


def _object(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    data = payload.get("data") or {}
    obj = data.get("object") if isinstance(data, Mapping) else None
    return obj if isinstance(obj, Mapping) else {}


async def process_event(db: Database, gateway: PaymentGateway, settings: Settings,
                        row_id: int) -> bool:
    """Handle one stored event unless it was handled already; returns True when it is
    handled now (or was before). A failure is recorded on the row for the next try."""
    async with db.transaction() as session:
        row = (await session.execute(select(WebhookEvent).where(
            WebhookEvent.id == row_id))).scalar_one()
        if row.processed_at is not None:
            return True
        event = InboxEvent(row.external_id, row.type, row.payload)
    try:
        await handle(db, gateway, settings, event)
    except Exception as exc:  # recorded and retried by reconciliation; never lost
        log.exception("webhook %s (%s) failed", event.id, event.type)
        async with db.transaction() as session:
            await session.execute(update(WebhookEvent).where(WebhookEvent.id == row_id).values(
                attempts=WebhookEvent.attempts + 1, last_error=repr(exc)[:MAX_ERROR]))
        return False
    async with db.transaction() as session:
        await session.execute(update(WebhookEvent).where(
            WebhookEvent.id == row_id, WebhookEvent.processed_at.is_(None)).values(
            processed_at=utcnow(), attempts=WebhookEvent.attempts + 1, last_error=""))
    return True


async def handle(db: Database, gateway: PaymentGateway, settings: Settings,
                 event: InboxEvent) -> None:
    handler = _HANDLERS.get(event.type)
    if handler is None:
        return  # an event we do not act on: stored, marked handled
    await handler(db, gateway, settings, _object(event.payload))


async def _intent_changed(db: Database, gateway: PaymentGateway, settings: Settings,
                          obj: Mapping[str, Any]) -> None:
    intent_id = obj.get("id") if obj.get("object") == "payment_intent" else None
    if not isinstance(intent_id, str):
        return
    intent = await gateway.retrieve_intent(intent_id)
    await settle_and_sync(db, gateway, settings, intent)


async def _intent_failed(db: Database, gateway: PaymentGateway, settings: Settings,
                         obj: Mapping[str, Any]) -> None:
    """The failed attempt is a fact of the event itself (the intent may have succeeded with
    another card since), keyed by the failed charge, so arriving late still records it."""
    error = obj.get("last_payment_error")
    intent_id = obj.get("id")
    if isinstance(error, Mapping) and isinstance(intent_id, str):
        async with db.transaction() as session:
            payment = (await session.execute(select(Payment).where(
                Payment.gateway == SOURCE, Payment.psp_reference == intent_id)
            )).scalar_one_or_none()
            if payment is not None:
                charge = error.get("charge")
                await record_failed_attempt(
                    session, payment, charge_id=charge if isinstance(charge, str) else None,
                    decline_code=error.get("decline_code") or error.get("code"),
                    message=error.get("message"))
    await _intent_changed(db, gateway, settings, obj)


async def settle_and_sync(db: Database, gateway: PaymentGateway, settings: Settings,
                          intent: Intent) -> None:
    """Apply an intent's current state (the order, or the money back) and its refunds; what
    the shopper would be told is only logged here."""
    try:
        await settle_intent(db, gateway, intent, settings=settings)
    except DomainError as exc:
        # Meant for the shopper (declined, refunded for lack of stock); the facts are recorded.
        log.info("intent %s settled without an order: %s", intent.id, exc)
    await sync_refunds(db, intent)


async def _charge_refunded(db: Database, gateway: PaymentGateway, settings: Settings,
                           obj: Mapping[str, Any]) -> None:
    intent_id = obj.get("payment_intent")
    if isinstance(intent_id, str):
        # Settling first: a refund reported before the success still finds its order.
        await settle_and_sync(db, gateway, settings, await gateway.retrieve_intent(intent_id))


async def sync_refunds(db: Database, intent: Intent) -> None:
    """Record refunds made outside the shop (Stripe's dashboard) or whose answer we lost:
    each processor refund id becomes at most one REFUND transaction. A refund staff asked
    for whose answer was lost settles the PENDING row holding it (``payments.settlement``)
    rather than adding a second row."""
    done = [r for r in intent.refunds if r.status in ("succeeded", "pending")]
    if not done:
        return
    async with db.transaction() as session:
        payment = (await session.execute(select(Payment).where(
            Payment.gateway == SOURCE, Payment.psp_reference == intent.id)
        )).scalar_one_or_none()
        if payment is None or payment.order_id is None:
            return  # a payment with no order is refunded by checkout's own path
        order = await lock_order(session, payment.order_id)
        for refund in done:
            await settle_refund(session, payment, order, refund_id=refund.id,
                                amount=refund.amount, own_txn_id=None, actor_id=None,
                                reason="refunded at the payment processor",
                                done=refund.status == "succeeded")


async def _dispute(db: Database, gateway: PaymentGateway, settings: Settings,
                   obj: Mapping[str, Any]) -> None:
    dispute_id = obj.get("id")
    if not isinstance(dispute_id, str):
        return
    dispute = await gateway.retrieve_dispute(dispute_id)
    if dispute.intent_id is not None:
        # A dispute reported before the payment's success still finds its order.
        intent = await gateway.retrieve_intent(dispute.intent_id)
        await settle_and_sync(db, gateway, settings, intent)
    await apply_dispute(db, dispute)


_CLOSED = {"won", "lost", "warning_closed"}


async def apply_dispute(db: Database, dispute: DisputeInfo) -> None:
    """A dispute opened: the order goes on hold (fulfilment blocked) and staff are told.
    Closed won: the hold it caused is released. Closed lost: the chargeback is recorded.
    One PENDING CHARGEBACK transaction per dispute marks it; closing settles it once."""
    if dispute.intent_id is None:
        return
    async with db.transaction() as session:
        payment = (await session.execute(select(Payment).where(
            Payment.gateway == SOURCE, Payment.psp_reference == dispute.intent_id)
        )).scalar_one_or_none()
        if payment is None or payment.order_id is None:
            return
        order = await lock_order(session, payment.order_id)
        key = f"stripe:{dispute.id}"
        marker = (await session.execute(select(PaymentTransaction).where(
            PaymentTransaction.idempotency_key == key))).scalar_one_or_none()
        if marker is None:
            held = order.status == OrderStatus.OPEN.value
            if held:
                order.status = OrderStatus.ON_HOLD.value
                await record(session, order.id, OrderTrackingEventType.ON_HOLD,
                             message=ON_HOLD_MESSAGE)
            await add_transaction(
                session, payment_id=payment.id, order_id=order.id,
                kind=TransactionKind.CHARGEBACK, amount=dispute.amount,
                currency=dispute.currency.upper(), status=TransactionStatus.PENDING,
                psp_reference=dispute.id, idempotency_key=key,
                reason="order held" if held else "")
            await add_event(session, order.id, OrderEventType.DISPUTE_OPENED, actor_id=None,
                            message=f"The customer's bank opened a dispute ({dispute.reason})",
                            data={"dispute_id": dispute.id, "amount": dispute.amount,
                                  "currency": dispute.currency.upper(), "held": held})
            await emit(session, "payment.dispute_opened", "Order", order.id, {
                "order_id": order.id, "payment_id": payment.id, "dispute_id": dispute.id,
                "amount": dispute.amount, "currency": dispute.currency.upper(),
                "reason": dispute.reason, "order_held": held})
            marker = (await session.execute(select(PaymentTransaction).where(
                PaymentTransaction.idempotency_key == key))).scalar_one()
        if dispute.status not in _CLOSED or marker.status != TransactionStatus.PENDING.value:
            return
        lost = dispute.status == "lost"
        marker.status = (TransactionStatus.SUCCESS if lost else TransactionStatus.FAILED).value
        released = False
        if not lost and marker.reason == "order held" \
                and order.status == OrderStatus.ON_HOLD.value:
            order.status = OrderStatus.OPEN.value
            released = True
            await record(session, order.id, OrderTrackingEventType.RELEASED,
                         message=RELEASED_MESSAGE)
        totals = await sync_order(session, order)
        await add_event(session, order.id, OrderEventType.DISPUTE_CLOSED, actor_id=None,
                        message="Dispute lost: the money was taken back" if lost
                        else "Dispute won: the money stays with the shop",
                        data={"dispute_id": dispute.id, "status": dispute.status,
                              "amount": dispute.amount, "currency": dispute.currency.upper(),
                              "released": released, "amount_paid": totals.paid})
        await emit(session, "payment.dispute_closed", "Order", order.id, {
            "order_id": order.id, "payment_id": payment.id, "dispute_id": dispute.id,
            "status": dispute.status, "amount": dispute.amount,
            "currency": dispute.currency.upper(), "order_released": released,
            "amount_paid": totals.paid, "payment_status": order.payment_status})


Handler = Callable[[Database, PaymentGateway, Settings, Mapping[str, Any]], Awaitable[None]]

_HANDLERS: dict[str, Handler] = {
    "payment_intent.succeeded": _intent_changed,
    "payment_intent.amount_capturable_updated": _intent_changed,
    "payment_intent.payment_failed": _intent_failed,
    "payment_intent.canceled": _intent_changed,
    "payment_intent.processing": _intent_changed,
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": _dispute,
    "charge.dispute.updated": _dispute,
    "charge.dispute.closed": _dispute,
}


async def pending_events(db: Database, *, limit: int = 100) -> list[int]:
    """Stored events not handled yet, oldest first (reconciliation retries them)."""
    reader = db.reader()
    try:
        rows = await reader.all(select(WebhookEvent.id).where(
            WebhookEvent.source == SOURCE, WebhookEvent.processed_at.is_(None))
            .order_by(WebhookEvent.id).limit(limit))
    finally:
        await reader.close()
    return [int(r[0]) for r in rows]

