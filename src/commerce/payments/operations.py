"""Staff money operations on a payment through its gateway: capture, void and refund.

Every gateway call follows one pattern, so a crash, a timeout or a retry can neither move
money twice nor lose a movement:

1. one short transaction under the order's lock checks the rules and the client's key (a
   replay returns the first result; a key reused for another request is an error) and
   inserts a PENDING transaction holding that key; the row reserves its amount, so
   concurrent refunds count pending ones against the limit;
2. the gateway is called outside any transaction, with a key derived from the row's id
   (``commerce-txn-<id>``), so repeating the call repeats nothing at the processor;
3. a second transaction settles the row (``payments.settlement``): SUCCESS, or FAILED when
   the processor refused. When the processor cannot be reached the row stays PENDING and
   the client gets PAYMENT_GATEWAY_UNAVAILABLE; the same client key sent again calls the
   processor again with the same derived key and settles the row.

Manual payments have no gateway: capture and void are refused, refunds are recorded
(``payments.service.refund_payment``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.database import Database
from commerce.db.models import Payment, PaymentTransaction
from commerce.payments import rules, service, settlement
from commerce.payments.gateway import GatewayError, GatewayUnavailable, PaymentGateway
from commerce.payments.records import add_transaction, movements
from commerce.payments.rules import (
    PaymentRecordStatus,
    PaymentRuleError,
    TransactionKind,
    TransactionStatus,
)
from commerce.payments.service import GATEWAY as MANUAL
from commerce.payments.service import PaymentResult, check_key, rule_error, same_currency
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError

UNAVAILABLE = "the payment processor did not answer; nothing was charged twice: try again"


def gateway_key(txn_id: int) -> str:
    """The idempotency key sent to the processor for our transaction row."""
    return f"commerce-txn-{txn_id}"


@dataclass(frozen=True, slots=True)
class _Ask:
    """A movement to ask of the gateway (or already settled, when ``done``)."""

    order_id: int | None
    payment_id: int
    txn_id: int
    amount: int
    intent_id: str
    done: bool = False


async def capture_payment(db: Database, gateway: PaymentGateway | None, payment_id: int, *,
                          amount: int | None, idempotency_key: str, actor_id: int | None,
                          currency: str | None = None) -> PaymentResult:
    """Take all (``amount`` None) or part of an authorised card payment; the processor
    releases the rest, recorded as a VOID of it."""
    key = check_key(idempotency_key)
    ask = await _reserve(db, gateway, payment_id, TransactionKind.CAPTURE, amount, key,
                         actor_id=actor_id, currency=currency)
    return await _perform(db, _gateway(gateway), TransactionKind.CAPTURE, ask, actor_id)


async def void_payment(db: Database, gateway: PaymentGateway | None, payment_id: int, *,
                       idempotency_key: str, actor_id: int | None) -> PaymentResult:
    """Release an authorised card payment from which nothing was captured."""
    key = check_key(idempotency_key)
    ask = await _reserve(db, gateway, payment_id, TransactionKind.VOID, None, key,
                         actor_id=actor_id)
    return await _perform(db, _gateway(gateway), TransactionKind.VOID, ask, actor_id)


async def refund_payment(db: Database, gateway: PaymentGateway | None, payment_id: int, *,
                         amount: int | None, reason: str, idempotency_key: str,
                         actor_id: int | None, currency: str | None = None) -> PaymentResult:
    """Give money back on a payment: a card payment through its gateway (``amount`` None:
    all that is left), a manual one recorded as done or owed. Never more than captured minus
    refunded (and minus refunds in flight)."""
    key = check_key(idempotency_key)
    reason = reason.strip()
    if len(reason) > service.MAX_REASON:
        raise DomainError.one(ErrorCode.INVALID, f"at most {service.MAX_REASON} characters",
                              ["reason"])
    if await _gateway_name(db, payment_id) == MANUAL:
        if amount is None:
            raise DomainError.one(ErrorCode.REQUIRED, "give the amount", ["amount"])
        return await service.refund_payment(db, payment_id, amount=amount, reason=reason,
                                            idempotency_key=key, actor_id=actor_id,
                                            currency=currency)
    ask = await _reserve(db, gateway, payment_id, TransactionKind.REFUND, amount, key,
                         actor_id=actor_id, currency=currency, reason=reason)
    return await _perform(db, _gateway(gateway), TransactionKind.REFUND, ask, actor_id,
                          reason=reason)


def _gateway(gateway: PaymentGateway | None) -> PaymentGateway:
    # _reserve already refused card operations without a gateway.
    assert gateway is not None
    return gateway


async def _gateway_name(db: Database, payment_id: int) -> str:
    async with db.transaction() as session:
        name = (await session.execute(select(Payment.gateway).where(
            Payment.id == payment_id))).scalar_one_or_none()
    if name is None:
        raise DomainError.one(ErrorCode.NOT_FOUND, "no such payment", ["paymentId"])
    return name


async def _reserve(db: Database, gateway: PaymentGateway | None, payment_id: int,
                   kind: TransactionKind, amount: int | None, key: str, *,
                   actor_id: int | None, currency: str | None = None,
                   reason: str = "") -> _Ask:
    """Step 1: check and write the PENDING row (or find the key's earlier row)."""
    while True:
        async with db.transaction() as session:
            payment, _ = await settlement.lock_payment(session, payment_id)
            earlier = (await session.execute(select(PaymentTransaction).where(
                PaymentTransaction.idempotency_key == key))).scalar_one_or_none()
            if earlier is not None:
                return _replay(earlier, kind, amount, payment_id, payment.psp_reference)
            if payment.gateway == MANUAL:
                raise DomainError.one(ErrorCode.INVALID_STATE,
                                      f"a manual payment cannot be {_DONE[kind]}: no money is "
                                      "held for it on a card", ["paymentId"])
            if gateway is None or gateway.name != payment.gateway:
                raise DomainError.one(ErrorCode.PAYMENT_GATEWAY_UNAVAILABLE,
                                      f"the {payment.gateway} gateway is not configured")
            same_currency(currency, payment.currency)
            now = rules.totals(await movements(session, payment_id=payment_id))
            pending = await _pending(session, payment_id)
            value = _checked(kind, amount, now, pending, PaymentRecordStatus(payment.status))
            txn_id = await add_transaction(
                session, payment_id=payment_id, order_id=payment.order_id, kind=kind,
                amount=value, currency=payment.currency, idempotency_key=key,
                status=TransactionStatus.PENDING, reason=reason, actor_id=actor_id)
            if txn_id is not None:
                return _Ask(payment.order_id, payment_id, txn_id, value, payment.psp_reference)
        # The key raced in from a request on another order (another lock): look again.


_DONE = {TransactionKind.CAPTURE: "captured", TransactionKind.VOID: "voided",
         TransactionKind.REFUND: "refunded"}


def _replay(row: PaymentTransaction, kind: TransactionKind, amount: int | None,
            payment_id: int, intent_id: str) -> _Ask:
    if (row.kind != kind.value or row.payment_id != payment_id
            or (amount is not None and row.amount != amount)):
        raise DomainError.one(ErrorCode.INVALID,
                              "this idempotency key was already used for a different request",
                              ["idempotencyKey"])
    if row.status == TransactionStatus.FAILED.value:
        raise DomainError.one(ErrorCode.PAYMENT_FAILED,
                              "the payment processor refused this request earlier; send a new "
                              "idempotencyKey to try again")
    # PENDING: the earlier call's outcome is unknown; the caller asks again with its key.
    return _Ask(row.order_id, payment_id, row.id, row.amount, intent_id,
                done=row.status == TransactionStatus.SUCCESS.value)


async def _pending(session: AsyncSession, payment_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(PaymentTransaction.kind, func.sum(PaymentTransaction.amount))
        .where(PaymentTransaction.payment_id == payment_id,
               PaymentTransaction.status == TransactionStatus.PENDING.value)
        .group_by(PaymentTransaction.kind))
    return {kind: int(total) for kind, total in rows.all()}


def _checked(kind: TransactionKind, amount: int | None, now: rules.Totals,
             pending: dict[str, int], status: PaymentRecordStatus) -> int:
    """The amount to ask for, after the rules; pending movements count as done."""
    try:
        if kind is TransactionKind.REFUND:
            in_flight = pending.get(TransactionKind.REFUND.value, 0)
            value = now.paid - in_flight if amount is None else amount
            rules.check_refund(value, now, in_flight)
            return value
        if (status is not PaymentRecordStatus.AUTHORIZED
                or TransactionKind.CAPTURE.value in pending
                or TransactionKind.VOID.value in pending):
            raise PaymentRuleError(f"only an authorized payment can be {_DONE[kind]} (this "
                                   f"one is {status.value}, or a capture or void is under "
                                   "way)", None)
        if kind is TransactionKind.VOID:
            rules.check_capture(now.authorized, now)  # authorised and nothing captured
            return now.authorized
        value = now.authorized if amount is None else amount
        rules.check_capture(value, now)
        return value
    except PaymentRuleError as exc:
        raise rule_error(exc) from None


async def _perform(db: Database, gateway: PaymentGateway, kind: TransactionKind, ask: _Ask,
                   actor_id: int | None, reason: str = "") -> PaymentResult:
    """Steps 2 and 3: call the gateway with the derived key, then settle the row."""
    if ask.done:
        return PaymentResult(ask.order_id, ask.payment_id, ask.txn_id, replayed=True)
    key = gateway_key(ask.txn_id)
    try:
        if kind is TransactionKind.CAPTURE:
            intent = await gateway.capture(ask.intent_id, amount=ask.amount,
                                           idempotency_key=key)
            reference, refund_done = intent.id, True
        elif kind is TransactionKind.VOID:
            reference, refund_done = (await gateway.void(ask.intent_id,
                                                         idempotency_key=key)).id, True
        else:
            refund = await gateway.refund(ask.intent_id, amount=ask.amount,
                                          reason=reason, idempotency_key=key)
            if refund.status in ("failed", "canceled"):
                raise GatewayError(f"the processor reports refund {refund.id} {refund.status}")
            reference, refund_done = refund.id, refund.status == "succeeded"
    except GatewayUnavailable:
        raise DomainError.one(ErrorCode.PAYMENT_GATEWAY_UNAVAILABLE, UNAVAILABLE) from None
    except GatewayError as exc:
        await _fail(db, ask)
        raise DomainError.one(_code(exc.code), str(exc)) from None
    async with db.transaction() as session:
        payment, order = await settlement.lock_payment(session, ask.payment_id)
        if kind is TransactionKind.CAPTURE:
            await settlement.settle_capture(session, payment, order, txn_id=ask.txn_id,
                                            amount=ask.amount, psp_reference=reference,
                                            actor_id=actor_id)
        elif kind is TransactionKind.VOID:
            await settlement.settle_void(session, payment, order, txn_id=ask.txn_id,
                                         amount=ask.amount, psp_reference=reference,
                                         actor_id=actor_id)
        else:
            await settlement.settle_refund(session, payment, order, refund_id=reference,
                                           amount=ask.amount, own_txn_id=ask.txn_id,
                                           actor_id=actor_id, reason=reason,
                                           done=refund_done)
    return PaymentResult(ask.order_id, ask.payment_id, ask.txn_id)


async def _fail(db: Database, ask: _Ask) -> None:
    async with db.transaction() as session:
        await settlement.lock_payment(session, ask.payment_id)
        row = (await session.execute(select(PaymentTransaction).where(
            PaymentTransaction.id == ask.txn_id))).scalar_one()
        await settlement.fail(session, row)


def _code(value: str) -> ErrorCode:
    try:
        return ErrorCode(value)
    except ValueError:
        return ErrorCode.PAYMENT_FAILED
