"""Staff decisions on orders held for fraud review (MEDIUM risk): approve or reject.

Each decision is one conditional UPDATE of the risk row (``status = 'IN_REVIEW'`` in the
WHERE) under the order's row lock: whichever of two concurrent decisions comes second finds
nothing to update and gets INVALID_STATE, so an order is never approved and rejected, nor
canceled twice. Rejecting cancels the order after the decision commits, through
``orders.service.cancel_order`` (stock released, discount use returned, money returned).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.database import Database
from commerce.db.models import Order, OrderRisk
from commerce.events.outbox import emit
from commerce.fraud.screening import RiskStatus
from commerce.orders.events import OrderEventType, add_event
from commerce.orders.locking import lock_order
from commerce.orders.state import OrderStatus, order_transition
from commerce.payments.gateway import PaymentGateway
from commerce.shared.clock import utcnow
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError
from commerce.tracking.changes import RELEASED_MESSAGE
from commerce.tracking.log import OrderTrackingEventType, record

MAX_NOTE = 5000


def clean_note(note: str) -> str:
    text = note.strip()
    if len(text) > MAX_NOTE:
        raise DomainError.one(ErrorCode.INVALID, f"at most {MAX_NOTE} characters", ["note"])
    return text


async def _decide(session: AsyncSession, order: Order, decision: str, *,
                  actor_id: int | None, note: str, now: datetime) -> OrderRisk:
    """IN_REVIEW → ``decision``, or INVALID_STATE saying what was decided before."""
    decided = (await session.execute(
        update(OrderRisk)
        .where(OrderRisk.order_id == order.id, OrderRisk.status == RiskStatus.IN_REVIEW)
        .values(status=decision, decided_by_id=actor_id, decided_at=now, note=note)
        .returning(OrderRisk))).scalar_one_or_none()
    if decided is not None:
        return decided
    current = (await session.execute(
        select(OrderRisk.status).where(OrderRisk.order_id == order.id))).scalar_one_or_none()
    if current is None:
        raise DomainError.one(ErrorCode.INVALID_STATE,
                              "this order was not screened for fraud, so it is not in review",
                              ["orderId"])
    raise DomainError.one(ErrorCode.INVALID_STATE,
                          f"this order is not in fraud review: its risk is already {current}",
                          ["orderId"])


async def approve(db: Database, order_id: int, *, actor_id: int | None,
                  note: str = "") -> None:
    """Approve an order in review: it goes back to OPEN (unless staff already released it)."""
    text = clean_note(note)
    async with db.transaction() as session:
        order = await lock_order(session, order_id)
        now = utcnow()
        risk = await _decide(session, order, RiskStatus.APPROVED, actor_id=actor_id,
                             note=text, now=now)
        before = OrderStatus(order.status)
        if before is OrderStatus.ON_HOLD:
            order.status = order_transition(before, OrderStatus.OPEN).value
            await record(session, order_id, OrderTrackingEventType.RELEASED,
                         message=RELEASED_MESSAGE)
        await add_event(session, order_id, OrderEventType.RISK_APPROVED, actor_id=actor_id,
                        message=text, data={"score": risk.score, "level": risk.level,
                                            "from": before.value, "to": order.status})
        await emit(session, "order.risk_approved", "Order", order_id, {
            "order_id": order_id, "actor_id": actor_id, "score": risk.score,
            "level": risk.level, "note": text, "currency": order.currency,
            "total": order.total})


async def reject(db: Database, order_id: int, *, actor_id: int | None, note: str = "",
                 gateway: PaymentGateway | None) -> None:
    """Reject an order in review: the decision commits first (it is the guard against a
    double reject), then the order is canceled with its stock released and money returned."""
    from commerce.orders.service import cancel_order  # orders.service imports payments

    text = clean_note(note)
    async with db.transaction() as session:
        order = await lock_order(session, order_id)
        risk = await _decide(session, order, RiskStatus.REJECTED, actor_id=actor_id,
                             note=text, now=utcnow())
        await add_event(session, order_id, OrderEventType.RISK_REJECTED, actor_id=actor_id,
                        message=text, data={"score": risk.score, "level": risk.level})
        await emit(session, "order.risk_rejected", "Order", order_id, {
            "order_id": order_id, "actor_id": actor_id, "score": risk.score,
            "level": risk.level, "note": text, "currency": order.currency,
            "total": order.total, "amount_paid": order.amount_paid})
        canceled = order.status == OrderStatus.CANCELED.value
    if not canceled:
        await cancel_order(db, order_id, actor_id=actor_id,
                           reason=f"Rejected in fraud review. {text}".strip(),
                           gateway=gateway)


async def in_review(session: AsyncSession, order_id: int) -> bool:
    return (await session.execute(select(OrderRisk.order_id).where(
        OrderRisk.order_id == order_id, OrderRisk.status == RiskStatus.IN_REVIEW))
    ).first() is not None
