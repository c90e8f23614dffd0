"""Staff use cases on placed orders: cancel (releasing stock, giving money back), mark as
paid, notes, holds.

Address changes, which may re-tax the order, live in ``orders.address_change``."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import delete, select, update

from commerce.db.database import Database
from commerce.db.models import Fulfillment, Order, OrderAllocation, OrderLine
from commerce.discounts.usage import give_back_uses
from commerce.events.outbox import emit
from commerce.fraud.review import in_review
from commerce.fulfillment.rules import FulfillmentStatus as WorkStatus
from commerce.inventory.allocation import release
from commerce.orders.events import OrderEventType, add_event
from commerce.orders.locking import lock_order
from commerce.orders.state import (
    FulfillmentStatus,
    InvalidTransition,
    OrderStatus,
    can_cancel,
    order_transition,
)
from commerce.payments.cancellation import return_card_money, settle_for_cancel
from commerce.payments.gateway import PaymentGateway
from commerce.payments.service import MAX_REFERENCE, record_payment
from commerce.shared.clock import utcnow
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError
from commerce.tracking.changes import CANCELED_MESSAGE, ON_HOLD_MESSAGE, RELEASED_MESSAGE
from commerce.tracking.log import OrderTrackingEventType, record

MAX_NOTE = 5000


def _invalid(exc: InvalidTransition) -> DomainError:
    return DomainError.one(ErrorCode.INVALID_STATE, str(exc))


def _check_cancelable(order: Order) -> None:
    status = OrderStatus(order.status)
    if not can_cancel(status, FulfillmentStatus(order.fulfillment_status)):
        raise DomainError.one(
            ErrorCode.INVALID_STATE,
            f"a {status.value} order that is {order.fulfillment_status} cannot be canceled")


async def cancel_order(db: Database, order_id: int, *, actor_id: int | None,
                       reason: str = "", gateway: PaymentGateway | None = None) -> None:
    """Cancel an unshipped order; give back exactly the stock it holds and its discount
    code's use (the code counts one use fewer, in total and for the customer), and its
    money: card payments are refunded or voided through ``gateway`` first (outside the
    transaction; a retry never refunds twice), manual ones get their refund owed recorded.
    If money cannot go back, the order stays as it is and the error says why."""
    await return_card_money(db, gateway, order_id, actor_id=actor_id,
                            may_cancel=_check_cancelable)
    async with db.transaction() as session:
        # Pick lists still open in the warehouse die with the order. Their rows are locked
        # BEFORE the order's, the order in which packing and shipping take them, so a clerk
        # shipping at this moment cannot deadlock with us: either the shipment commits first
        # (and the order, no longer unfulfilled, is refused below) or the pick list is
        # canceled first (and shipping it is refused).
        picks = (await session.execute(
            update(Fulfillment)
            .where(Fulfillment.order_id == order_id,
                   Fulfillment.status.in_((WorkStatus.PICKING.value, WorkStatus.PACKED.value)))
            .values(status=WorkStatus.CANCELED.value, canceled_at=utcnow())
            .returning(Fulfillment.id)
            .execution_options(synchronize_session=False))).scalars().all()
        order = await lock_order(session, order_id)
        _check_cancelable(order)
        status = OrderStatus(order.status)
        back = await settle_for_cancel(session, order, actor_id=actor_id)
        held: dict[int, int] = defaultdict(int)
        allocations = (await session.execute(
            select(OrderAllocation.id, OrderAllocation.stock_id, OrderAllocation.quantity)
            .join(OrderLine, OrderLine.id == OrderAllocation.order_line_id)
            .where(OrderLine.order_id == order_id))).all()
        for allocation in allocations:
            held[allocation.stock_id] += allocation.quantity
        await release(session, held, order_id=order_id, actor_id=actor_id)
        if allocations:
            await session.execute(delete(OrderAllocation).where(
                OrderAllocation.id.in_([a.id for a in allocations])))
        returned_uses = await give_back_uses(session, order_id)
        order.status = order_transition(status, OrderStatus.CANCELED).value
        await add_event(session, order_id, OrderEventType.CANCELED, actor_id=actor_id,
                        message=reason.strip()[:MAX_NOTE],
                        data={"released_units": sum(held.values()),
                              "fulfillments_canceled": len(picks),
                              "discount_code_returned": order.discount_code
                              if returned_uses else None, **back})
        await record(session, order_id, OrderTrackingEventType.CANCELED,
                     message=CANCELED_MESSAGE)
        await emit(session, "order.canceled", "Order", order_id, {
            "order_id": order_id, "currency": order.currency, "total": order.total,
            "amount_paid": order.amount_paid,
            "released": [{"stock_id": k, "quantity": v} for k, v in sorted(held.items())],
            "discount_uses_returned": [{"discount_id": k, "uses": v}
                                       for k, v in sorted(returned_uses.items())],
            # What went back to the customer: through the card gateway, or owed (manual).
            **back})


async def mark_as_paid(db: Database, order_id: int, *, actor_id: int | None,
                       reference: str = "") -> None:
    """Record a pay-later order as paid in full: a manual payment of its outstanding balance
    by the order's own payment method. Superseded by ``payments.service.record_payment``."""
    # A fresh key: pressing twice still pays once, because the second press finds nothing
    # outstanding and is refused.
    await record_payment(db, order_id, amount=None, method=None,
                         reference=reference.strip()[:MAX_REFERENCE],
                         idempotency_key=f"mark-as-paid:{order_id}:{uuid.uuid4().hex}",
                         actor_id=actor_id, event=OrderEventType.MARKED_AS_PAID)


async def add_note(db: Database, order_id: int, *, actor_id: int | None, message: str) -> None:
    text = message.strip()
    if not text:
        raise DomainError.one(ErrorCode.REQUIRED, "write a note", ["message"])
    if len(text) > MAX_NOTE:
        raise DomainError.one(ErrorCode.INVALID, f"at most {MAX_NOTE} characters", ["message"])
    async with db.transaction() as session:
        await lock_order(session, order_id)
        await add_event(session, order_id, OrderEventType.NOTE_ADDED, actor_id=actor_id,
                        message=text)
        await emit(session, "order.note_added", "Order", order_id, {
            "order_id": order_id, "actor_id": actor_id, "message": text})


async def hold_order(db: Database, order_id: int, *, actor_id: int | None,
                     reason: str = "") -> None:
    """Put an open order on hold (e.g. awaiting a customer's answer); stock stays allocated."""
    await _change_status(db, order_id, OrderStatus.ON_HOLD, actor_id=actor_id,
                         message=reason.strip()[:MAX_NOTE])


async def release_order(db: Database, order_id: int, *, actor_id: int | None) -> None:
    """Take an order off hold."""
    await _change_status(db, order_id, OrderStatus.OPEN, actor_id=actor_id, message="")


async def _change_status(db: Database, order_id: int, target: OrderStatus, *,
                         actor_id: int | None, message: str) -> None:
    async with db.transaction() as session:
        order = await lock_order(session, order_id)
        current = OrderStatus(order.status)
        if target is OrderStatus.OPEN and await in_review(session, order_id):
            # Releasing would skip the review: only approving takes it out of the queue.
            raise DomainError.one(ErrorCode.INVALID_STATE,
                                  "this order is held for fraud review; approve or reject it "
                                  "(orderRiskApprove, orderRiskReject)")
        try:
            order.status = order_transition(current, target).value
        except InvalidTransition as exc:
            raise _invalid(exc) from None
        await add_event(session, order_id, OrderEventType.STATUS_CHANGED, actor_id=actor_id,
                        message=message, data={"from": current.value, "to": target.value})
        held = target is OrderStatus.ON_HOLD
        await record(session, order_id,
                     OrderTrackingEventType.ON_HOLD if held else OrderTrackingEventType.RELEASED,
                     message=ON_HOLD_MESSAGE if held else RELEASED_MESSAGE)
        await emit(session, "order.status_changed", "Order", order_id, {
            "order_id": order_id, "from": current.value, "to": target.value,
            "currency": order.currency, "total": order.total})
