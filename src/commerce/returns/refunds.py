"""A return's refund, through the order's original payment(s).

1. Under the order's lock the return's refund is claimed once (refund_status NONE ->
   PENDING): each line's share of its total, discount and tax for its units (requested minus
   missing) after the units already refunded by earlier returns of the line (cumulative
   rounding, ``returns.rules``), minus fees, plus any shipping; and the plan of which
   payments give how much, never more than each holds. The plan is stored with the claim.
2. Each step of the plan goes through ``payments.operations.refund_payment`` with an
   idempotency key derived from the return and the payment: a manual payment records the
   refund (done or owed), a card payment is refunded at the processor. Sending the same
   return again (after a timeout, or two clerks at once) replays those keys, so no money
   moves twice and the order's lock keeps two claims from overlapping.
3. Once every step succeeded the return's refund is DONE. The payments path records the
   REFUNDED tracking entry and the order's payment status; nothing is repeated here.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.database import Database
from commerce.db.models import OrderLine, PaymentTransaction, Return, ReturnLine
from commerce.payments import operations
from commerce.payments import rules as payment_rules
from commerce.payments.gateway import PaymentGateway
from commerce.payments.records import movements
from commerce.payments.rules import TransactionKind, TransactionStatus
from commerce.returns import rules
from commerce.returns.rules import Action, LineTotals, RefundStatus, ReturnRuleError
from commerce.returns.service import check, locked_return, return_number
from commerce.shared.clock import utcnow
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError


def refund_key(return_id: int, attempt: int, payment_id: int) -> str:
    """Our key for one payment's part of a return's refund (the processor's key is derived
    from our transaction row: ``payments.operations.gateway_key``)."""
    suffix = "" if attempt == 1 else f"-{attempt}"
    return f"return-{return_id}-payment-{payment_id}{suffix}"


async def refund(db: Database, gateway: PaymentGateway | None, return_id: int, *,
                 refund_shipping: bool, actor_id: int | None) -> int:
    """Refund the return (or finish a refund under way); returns the amount refunded."""
    plan, amount, number, attempt = await _claim(db, return_id,
                                                 refund_shipping=refund_shipping)
    keys = [refund_key(return_id, attempt, payment_id) for payment_id, _ in plan]
    for (payment_id, value), key in zip(plan, keys, strict=True):
        try:
            await operations.refund_payment(db, gateway, payment_id, amount=value,
                                            reason=f"Return {number}", idempotency_key=key,
                                            actor_id=actor_id)
        except DomainError as exc:
            if not any(p.code is ErrorCode.PAYMENT_GATEWAY_UNAVAILABLE
                       for p in exc.problems):
                await _release(db, return_id, attempt, keys)
            raise
    async with db.transaction() as session:
        await locked_return(session, return_id)
        await session.execute(
            update(Return).where(Return.id == return_id,
                                 Return.refund_status == RefundStatus.PENDING.value)
            .values(refund_status=RefundStatus.DONE.value, refunded_at=utcnow(),
                    updated_at=utcnow()))
    return amount


async def _release(db: Database, return_id: int, attempt: int, keys: list[str]) -> None:
    """The processor refused a step: when no step of this attempt moved money (nor may
    still: none is PENDING), the claim is released so the return can be refunded again
    later, with new keys. Otherwise it stays PENDING for staff to sort out."""
    async with db.transaction() as session:
        _, ret = await locked_return(session, return_id)
        if ret.refund_status != RefundStatus.PENDING.value or ret.refund_attempt != attempt:
            return
        moved = (await session.execute(select(PaymentTransaction.id).where(
            PaymentTransaction.idempotency_key.in_(keys),
            PaymentTransaction.status != TransactionStatus.FAILED.value))).first()
        if moved is not None:
            return
        await session.execute(update(ReturnLine).where(ReturnLine.return_id == return_id)
                              .values(refund_quantity=0, refund_amount=0, refund_tax=0,
                                      refund_discount=0))
        ret.refund_status = RefundStatus.NONE.value
        ret.refund_amount = ret.refund_shipping = 0
        ret.refund_plan = []
        ret.refund_attempt = attempt + 1
        ret.updated_at = utcnow()


async def _claim(db: Database, return_id: int, *, refund_shipping: bool
                 ) -> tuple[list[tuple[int, int]], int, str, int]:
    async with db.transaction() as session:
        order, ret = await locked_return(session, return_id)
        check(ret, Action.REFUND)
        number = return_number(order.number, ret.sequence)
        if ret.refund_status == RefundStatus.PENDING.value:
            # Claimed before and not finished: run the same plan with the same keys.
            return ([(int(s["payment_id"]), int(s["amount"])) for s in ret.refund_plan],
                    ret.refund_amount, number, ret.refund_attempt)
        lines = (await session.execute(
            select(ReturnLine, OrderLine.quantity.label("line_quantity"),
                   OrderLine.discount, OrderLine.tax, OrderLine.total)
            .join(OrderLine, OrderLine.id == ReturnLine.order_line_id)
            .where(ReturnLine.return_id == return_id).order_by(ReturnLine.id))).all()
        # Units of each line refunded by the order's other returns: the cumulative shares
        # continue from there, so the line's total is never refunded past its end.
        before = {r.order_line_id: int(r.units) for r in (await session.execute(
            select(ReturnLine.order_line_id,
                   func.sum(ReturnLine.refund_quantity).label("units"))
            .join(Return, Return.id == ReturnLine.return_id)
            .where(Return.order_id == order.id, Return.id != return_id)
            .group_by(ReturnLine.order_line_id))).all()}
        shares = []
        for row in lines:
            line: ReturnLine = row[0]
            units = line.quantity - line.quantity_missing
            share = rules.line_share(
                LineTotals(row.line_quantity, row.discount, row.tax, row.total),
                before=before.get(line.order_line_id, 0), units=units)
            shares.append(share)
            line.refund_quantity = units
            line.refund_amount = share.amount
            line.refund_tax = share.tax
            line.refund_discount = share.discount
        shipping = 0
        if refund_shipping:
            full = order.shipping + (order.shipping_tax if order.included_tax == 0 else 0)
            given = int((await session.execute(
                select(func.coalesce(func.sum(Return.refund_shipping), 0))
                .where(Return.order_id == order.id, Return.id != return_id))).scalar_one())
            shipping = max(full - given, 0)
        breakdown = rules.refund_total(shares, restocking_fee_bp=ret.restocking_fee_bp,
                                       return_shipping_fee=ret.return_shipping_fee,
                                       shipping=shipping)
        try:
            plan = rules.split_over_payments(breakdown.total,
                                             await _refundable(session, order.id))
        except ReturnRuleError as exc:
            raise DomainError.one(ErrorCode.INVALID_STATE, str(exc)) from None
        ret.refund_status = RefundStatus.PENDING.value
        ret.refund_amount = breakdown.total
        ret.refund_shipping = shipping
        ret.refund_plan = [{"payment_id": p, "amount": a} for p, a in plan]
        ret.updated_at = utcnow()
    return plan, breakdown.total, number, ret.refund_attempt


async def _refundable(session: AsyncSession, order_id: int) -> list[tuple[int, int]]:
    """Each payment of the order, oldest first, with what it can still give back: captured
    minus refunded minus refunds in flight."""
    per_payment: dict[int, list[payment_rules.Movement]] = defaultdict(list)
    for m in await movements(session, order_id=order_id):
        per_payment[m.payment_id].append(m)
    pending = {r.payment_id: int(r.amount) for r in (await session.execute(
        select(PaymentTransaction.payment_id,
               func.sum(PaymentTransaction.amount).label("amount"))
        .where(PaymentTransaction.order_id == order_id,
               PaymentTransaction.kind == TransactionKind.REFUND.value,
               PaymentTransaction.status == TransactionStatus.PENDING.value)
        .group_by(PaymentTransaction.payment_id))).all()}
    return [(pid, max(payment_rules.totals(ms).paid - pending.get(pid, 0), 0))
            for pid, ms in sorted(per_payment.items())]
