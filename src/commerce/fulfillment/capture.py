"""Manual capture mode: the money for what a shipment sent.

With ``COMMERCE_PAYMENT_CAPTURE=MANUAL`` and an AUTHORIZED card payment, a shipment captures
the shipped units' share of their lines' totals, plus the shipping (with its tax) on the
first shipment, never more than authorised; a first shipment that sends the whole order
captures the whole authorisation. The capture runs after the shipment commits, through
``payments.operations.capture_payment`` with the idempotency key ``shipment-<id>``: it writes
a PENDING row first, so when the processor is down the shipment stands, the capture stays
PENDING, and ``retry_captures`` (run by ``commerce payments reconcile``) sends it again with
the same keys, which the processor never applies twice. Card processors release the rest of
an authorisation on a partial capture: a later shipment of the same order finds nothing
authorised and captures nothing (the rest is collected by staff).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.database import Database
from commerce.db.models import Order, OrderLine, Payment, PaymentTransaction
from commerce.payments.gateway import PaymentGateway
from commerce.payments.operations import capture_payment
from commerce.payments.rules import PaymentRecordStatus, TransactionKind, TransactionStatus
from commerce.payments.service import GATEWAY as MANUAL_GATEWAY
from commerce.shared.clock import utcnow
from commerce.shared.errors import DomainError

log = logging.getLogger("commerce.fulfillment")


@dataclass(frozen=True, slots=True)
class Capture:
    """Money to take for a shipment after it commits."""

    payment_id: int
    amount: int | None  # None: all that is still authorised
    idempotency_key: str



CAPTURE_KEY_PREFIX = "shipment-"


def capture_key(shipment_id: int) -> str:
    """The capture's idempotency key: one capture per shipment, recognisable on retry."""
    return f"{CAPTURE_KEY_PREFIX}{shipment_id}"


def line_share(total: int, quantity: int, before: int, shipped: int) -> int:
    """A line's money for ``shipped`` more units after ``before``: differences of floors, so
    the shares of all its units add up to exactly ``total``."""
    return total * (before + shipped) // quantity - total * before // quantity



async def capture_for(session: AsyncSession, order: Order, shipment_id: int,
                       lines: Sequence[Any], *, whole: bool, first: bool) -> Capture | None:
    """What to capture for this shipment: the shipped units' share of their lines' totals,
    plus the shipping (with its tax) on the first shipment; everything when one shipment
    sends the whole order. ``capture_payment`` caps it at what is authorised."""
    payment_id = (await session.execute(
        select(Payment.id).where(Payment.order_id == order.id,
                                 Payment.gateway != MANUAL_GATEWAY,
                                 Payment.status == PaymentRecordStatus.AUTHORIZED.value)
        .order_by(Payment.id).limit(1))).scalar_one_or_none()
    if payment_id is None:
        return None
    if whole:
        return Capture(int(payment_id), None, capture_key(shipment_id))
    amount = sum(line_share(int(ln.total), int(ln.ordered), int(ln.quantity_fulfilled),
                            int(ln.quantity)) for ln in lines)
    if first:
        # The shipping and its tax: what the order's total holds beyond its lines' totals.
        line_totals = (await session.execute(select(func.coalesce(func.sum(OrderLine.total), 0))
                                             .where(OrderLine.order_id == order.id))).scalar_one()
        amount += max(order.total - int(line_totals), 0)
    authorised = (await session.execute(select(Payment.amount).where(
        Payment.id == payment_id))).scalar_one()
    return Capture(int(payment_id), min(amount, int(authorised)), capture_key(shipment_id))


async def take(db: Database, gateway: PaymentGateway | None, capture: Capture, *,
               actor_id: int | None) -> str | None:
    """Capture now; returns why not when the processor refused or could not be reached
    (the shipment stands; a PENDING capture is sent again by ``retry_captures``)."""
    try:
        await capture_payment(db, gateway, capture.payment_id, amount=capture.amount,
                              idempotency_key=capture.idempotency_key, actor_id=actor_id)
    except DomainError as exc:
        log.warning("capture %s not done: %s", capture.idempotency_key, exc)
        return str(exc)
    return None


async def retry_captures(db: Database, gateway: PaymentGateway, *, older_than: timedelta,
                         limit: int = 200) -> int:
    """Send again the shipment captures still PENDING after ``older_than`` (the processor
    did not answer when the shipment was made). The same idempotency key replays our
    PENDING row and the same derived key reaches the processor, so a capture it did receive
    is not taken twice. Returns how many were settled now."""
    cutoff = utcnow() - older_than
    reader = db.reader()
    try:
        rows = await reader.all(
            select(PaymentTransaction.payment_id, PaymentTransaction.amount,
                   PaymentTransaction.idempotency_key)
            .where(PaymentTransaction.kind == TransactionKind.CAPTURE.value,
                   PaymentTransaction.status == TransactionStatus.PENDING.value,
                   PaymentTransaction.idempotency_key.like(f"{CAPTURE_KEY_PREFIX}%"),
                   PaymentTransaction.created_at < cutoff)
            .order_by(PaymentTransaction.id).limit(limit))
    finally:
        await reader.close()
    settled = 0
    for row in rows:
        try:
            await capture_payment(db, gateway, row.payment_id, amount=row.amount,
                                  idempotency_key=row.idempotency_key, actor_id=None)
        except DomainError as exc:
            log.warning("shipment capture %s still not done: %s", row.idempotency_key, exc)
            continue
        settled += 1
    return settled
