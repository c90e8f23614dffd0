"""Reconciliation: ask the processor for the truth about card payments left without an
outcome, and finish what a crash, a timeout or a lost webhook left undone.

- Payments still PENDING with an intent, unchanged for ``settings.reconcile_after_minutes``:
  the intent is fetched and settled like a webhook would (the order placed once, the money
  returned, the failure or cancel recorded).
- Inbox events not processed yet (their handler failed or the process died): run again.
- Money being returned whose answer was lost (a PENDING return): settled by settling its
  intent again, which repeats the call under the same idempotency key. A staff capture or
  refund whose answer was lost is settled from what Stripe reports (the capture on the
  intent, the refund by its id); one Stripe never received stays PENDING until staff send
  the same request again.

Run by ``commerce payments reconcile`` (once, or ``--every SECONDS``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select

from commerce.db.database import Database
from commerce.db.models import Payment, PaymentTransaction
from commerce.payments.gateway import GatewayError, PaymentGateway
from commerce.payments.rules import PaymentRecordStatus, TransactionStatus
from commerce.payments.webhooks import SOURCE, pending_events, process_event, settle_and_sync
from commerce.settings import Settings
from commerce.shared.clock import utcnow

log = logging.getLogger("commerce.reconcile")


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    payments_checked: int
    payments_failed: int
    events_retried: int
    events_failed: int
    captures_retried: int = 0


async def reconcile(db: Database, gateway: PaymentGateway, settings: Settings, *,
                    limit: int = 200) -> ReconcileReport:
    cutoff = utcnow() - timedelta(minutes=settings.reconcile_after_minutes)
    reader = db.reader()
    try:
        rows = await reader.all(
            select(Payment.psp_reference).where(
                Payment.gateway == SOURCE, Payment.psp_reference != "",
                or_(Payment.status == PaymentRecordStatus.PENDING.value,
                    Payment.id.in_(select(PaymentTransaction.payment_id).where(
                        PaymentTransaction.status == TransactionStatus.PENDING.value,
                        PaymentTransaction.kind.in_(["CAPTURE", "REFUND", "VOID"])))),
                Payment.updated_at < cutoff)
            .order_by(Payment.id).limit(limit))
    finally:
        await reader.close()
    failed = 0
    for (intent_id,) in rows:
        try:
            await settle_and_sync(db, gateway, settings, await gateway.retrieve_intent(intent_id))
        except GatewayError as exc:
            failed += 1
            log.warning("could not reconcile %s: %s", intent_id, exc)
    retried = events_failed = 0
    for row_id in await pending_events(db, limit=limit):
        retried += 1
        if not await process_event(db, gateway, settings, row_id):
            events_failed += 1
    from commerce.fulfillment.capture import retry_captures  # fulfilment imports payments

    captures = await retry_captures(db, gateway, older_than=timedelta(
        minutes=settings.reconcile_after_minutes), limit=limit)
    return ReconcileReport(len(rows), failed, retried, events_failed, captures)
