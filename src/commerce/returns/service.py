"""Return use cases that change its state: a customer's request, staff opening one on the
customer's behalf, approve, decline, cancel, close.

Every change to a return runs in one transaction under its order's lock (the order lock
serialises everything about an order, money included), and the status change itself is a
conditional UPDATE with the expected status in the WHERE, so a change that lost a race
changes nothing and answers INVALID_STATE. Receiving, disposing and refunding live in
``returns.receiving`` and ``returns.refunds``.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.database import Database
from commerce.db.models import Order, Return, ReturnLine
from commerce.events.outbox import emit
from commerce.orders.locking import lock_order
from commerce.returns import rules
from commerce.returns.facts import line_facts
from commerce.returns.rules import (
    Action,
    Asked,
    DeclineReason,
    RefundStatus,
    ReturnReason,
    ReturnRuleError,
    ReturnStatus,
)
from commerce.shared.clock import utcnow
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, Problems
from commerce.tracking.log import OrderTrackingEventType, record

MAX_NOTE = 1000
MAX_INSTRUCTIONS = 2000
MAX_PHOTOS = 10
MAX_URL = 2000
MAX_LINES = 250


def return_number(order_number: str, sequence: int) -> str:
    return f"{order_number}-R{sequence}"


@dataclass(frozen=True, slots=True)
class LineRequest:
    order_line_id: int
    quantity: int
    reason: ReturnReason
    note: str = ""


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asks: a signed-in customer (``user_id``), a guest holding the order's token, or
    staff (``staff`` True: straight to OPEN, the window and final sale waived)."""

    user_id: int | None
    order_token: str | None = None
    staff: bool = False


def _owns(order: Order, who: Requester) -> bool:
    if who.staff:
        return True
    if who.user_id is not None and order.user_id == who.user_id:
        return True
    # Constant-time: the token is the guest's secret.
    return bool(who.order_token) and hmac.compare_digest(str(who.order_token), order.token)


def _rule_error(exc: ReturnRuleError) -> DomainError:
    if exc.path is None:
        return DomainError.one(ErrorCode.INVALID_STATE, str(exc))
    return DomainError.one(ErrorCode.INVALID, str(exc), exc.path)


def _check_text(problems: Problems, value: str, limit: int, path: list[str]) -> str:
    value = value.strip()
    if len(value) > limit:
        problems.add(ErrorCode.INVALID, f"at most {limit} characters", path)
    return value


def _check_photos(problems: Problems, urls: Sequence[str]) -> list[str]:
    if len(urls) > MAX_PHOTOS:
        problems.add(ErrorCode.INVALID, f"at most {MAX_PHOTOS} photos", ["photoUrls"])
    out = []
    for i, url in enumerate(urls):
        url = url.strip()
        if not url.startswith(("https://", "http://")) or len(url) > MAX_URL:
            problems.add(ErrorCode.INVALID, f"an http(s) URL of at most {MAX_URL} characters",
                         ["photoUrls", str(i)])
        out.append(url)
    return out


async def request_return(db: Database, order_id: int, lines: Sequence[LineRequest], *,
                         who: Requester, photo_urls: Sequence[str] = (),
                         window_days: int, restocking_fee_bp: int = 0,
                         return_shipping_fee: int = 0, instructions: str = "") -> int:
    """A new return of shipped units: REQUESTED for a customer, OPEN when staff make it.
    Returns its id. Lines never shipped, already returned (or in a return), final-sale,
    outside the window or over quantity are refused, each with its field."""
    problems = Problems()
    if len(lines) > MAX_LINES:
        raise DomainError.one(ErrorCode.INVALID, f"at most {MAX_LINES} lines", ["lines"])
    notes = [_check_text(problems, line.note, MAX_NOTE, ["lines", str(i), "note"])
             for i, line in enumerate(lines)]
    photos = _check_photos(problems, photo_urls)
    instructions = _check_text(problems, instructions, MAX_INSTRUCTIONS, ["instructions"])
    if return_shipping_fee < 0:
        problems.add(ErrorCode.INVALID, "must be zero or more", ["returnShippingFee"])
    if not 0 <= restocking_fee_bp <= 10_000:
        problems.add(ErrorCode.INVALID, "must be between 0 and 100", ["restockingFeePercent"])
    problems.raise_if_any()
    async with db.transaction() as session:
        try:
            order = await lock_order(session, order_id)
        except DomainError:
            raise DomainError.one(ErrorCode.NOT_FOUND, "no such order", ["orderId"]) from None
        if not _owns(order, who):
            # The same answer as a missing order: nobody learns which orders exist.
            raise DomainError.one(ErrorCode.NOT_FOUND, "no such order", ["orderId"])
        facts = await line_facts(session, order_id)
        found = rules.check_request(
            facts, [Asked(line.order_line_id, line.quantity) for line in lines],
            now=utcnow(), window_days=window_days, enforce_policy=not who.staff)
        for p in found:
            path = ["lines"] if p.index < 0 else ["lines", str(p.index), p.field]
            problems.add(ErrorCode.NOT_FOUND if p.not_found else ErrorCode.INVALID,
                         p.message, path)
        problems.raise_if_any()
        sequence = int((await session.execute(
            select(func.coalesce(func.max(Return.sequence), 0))
            .where(Return.order_id == order_id))).scalar_one()) + 1
        now = utcnow()
        status = ReturnStatus.OPEN if who.staff else ReturnStatus.REQUESTED
        return_id = int((await session.execute(insert(Return).values(
            order_id=order_id, sequence=sequence, status=status.value,
            requested_by=who.user_id, photo_urls=photos,
            instructions=instructions if who.staff else "", decline_note="",
            return_shipping_fee=return_shipping_fee, restocking_fee_bp=restocking_fee_bp,
            refund_status=RefundStatus.NONE.value, refund_amount=0, refund_shipping=0,
            refund_plan=[], refund_attempt=1, created_at=now, updated_at=now,
            approved_at=now if who.staff else None)
            .returning(Return.id))).scalar_one())
        await session.execute(insert(ReturnLine), [
            {"return_id": return_id, "order_line_id": line.order_line_id,
             "quantity": line.quantity, "reason": line.reason.value, "note": note}
            for line, note in zip(lines, notes, strict=True)])
        number = return_number(order.number, sequence)
        units = sum(line.quantity for line in lines)
        data: dict[str, Any] = {"return_id": return_id, "return_number": number,
                                "units": units}
        if who.staff:
            await record(session, order_id, OrderTrackingEventType.RETURN_APPROVED,
                         message=instructions or f"A return of {units} item(s) was opened.",
                         data=data)
        else:
            await record(session, order_id, OrderTrackingEventType.RETURN_REQUESTED,
                         message=f"A return of {units} item(s) was requested.", data=data)
        await emit(session, "return.opened" if who.staff else "return.requested", "Return",
                   return_id, {"order_id": order_id, **data})
    return return_id


async def locked_return(session: AsyncSession, return_id: int) -> tuple[Order, Return]:
    """The return and its order, the order locked until the transaction ends."""
    order_id = (await session.execute(select(Return.order_id).where(
        Return.id == return_id))).scalar_one_or_none()
    if order_id is None:
        raise DomainError.one(ErrorCode.NOT_FOUND, "no such return", ["returnId"])
    order = await lock_order(session, order_id)
    ret = (await session.execute(select(Return).where(Return.id == return_id)
                                 .execution_options(populate_existing=True))).scalar_one()
    return order, ret


async def anything_received(session: AsyncSession, return_id: int) -> bool:
    got = (await session.execute(select(func.coalesce(func.sum(
        ReturnLine.quantity_received + ReturnLine.quantity_missing), 0))
        .where(ReturnLine.return_id == return_id))).scalar_one()
    return int(got) > 0


def check(ret: Return, action: Action, *, received: bool = False) -> ReturnStatus:
    status = ReturnStatus(ret.status)
    try:
        rules.check_action(status, action, anything_received=received,
                           refund=RefundStatus(ret.refund_status))
    except ReturnRuleError as exc:
        raise _rule_error(exc) from None
    return status


async def _move(session: AsyncSession, ret: Return, frm: ReturnStatus, to: ReturnStatus,
                **values: Any) -> None:
    """The status change, only if the return is still in ``frm`` (and, leaving OPEN, its
    refund is not under way)."""
    statement = update(Return).where(Return.id == ret.id, Return.status == frm.value)
    if to is ReturnStatus.CANCELED:
        statement = statement.where(Return.refund_status == RefundStatus.NONE.value)
    done = (await session.execute(statement.values(status=to.value, updated_at=utcnow(),
                                                   **values).returning(Return.id))).first()
    if done is None:
        raise DomainError.one(ErrorCode.INVALID_STATE, "the return changed meanwhile; "
                                                       "read it again")


async def approve(db: Database, return_id: int, *, instructions: str,
                  return_shipping_fee: int, restocking_fee_bp: int,
                  actor_id: int | None) -> None:
    """REQUESTED -> OPEN, with the instructions for sending the items back and the fees."""
    problems = Problems()
    instructions = _check_text(problems, instructions, MAX_INSTRUCTIONS, ["instructions"])
    if return_shipping_fee < 0:
        problems.add(ErrorCode.INVALID, "must be zero or more", ["returnShippingFee"])
    if not 0 <= restocking_fee_bp <= 10_000:
        problems.add(ErrorCode.INVALID, "must be between 0 and 100", ["restockingFeePercent"])
    problems.raise_if_any()
    async with db.transaction() as session:
        order, ret = await locked_return(session, return_id)
        status = check(ret, Action.APPROVE)
        await _move(session, ret, status, ReturnStatus.OPEN, approved_at=utcnow(),
                    instructions=instructions, return_shipping_fee=return_shipping_fee,
                    restocking_fee_bp=restocking_fee_bp)
        number = return_number(order.number, ret.sequence)
        await record(session, order.id, OrderTrackingEventType.RETURN_APPROVED,
                     message=instructions or "Your return was approved.",
                     data={"return_id": ret.id, "return_number": number})
        await emit(session, "return.approved", "Return", ret.id,
                   {"order_id": order.id, "return_id": ret.id, "return_number": number,
                    "instructions": instructions, "actor_id": actor_id})


async def decline(db: Database, return_id: int, *, reason: DeclineReason, note: str,
                  actor_id: int | None) -> None:
    """REQUESTED -> DECLINED; its units may be asked for again."""
    problems = Problems()
    note = _check_text(problems, note, MAX_NOTE, ["note"])
    problems.raise_if_any()
    async with db.transaction() as session:
        order, ret = await locked_return(session, return_id)
        status = check(ret, Action.DECLINE)
        await _move(session, ret, status, ReturnStatus.DECLINED, declined_at=utcnow(),
                    decline_reason=reason.value, decline_note=note)
        number = return_number(order.number, ret.sequence)
        await record(session, order.id, OrderTrackingEventType.RETURN_DECLINED,
                     message=note or _DECLINED[reason],
                     data={"return_id": ret.id, "return_number": number,
                           "reason": reason.value})
        await emit(session, "return.declined", "Return", ret.id,
                   {"order_id": order.id, "return_id": ret.id, "return_number": number,
                    "reason": reason.value, "note": note, "actor_id": actor_id})


_DECLINED = {DeclineReason.FINAL_SALE: "Final-sale items cannot be returned.",
             DeclineReason.RETURN_PERIOD_ENDED: "The return period has ended.",
             DeclineReason.OTHER: "Your return request was declined."}


async def cancel(db: Database, return_id: int, *, actor_id: int | None) -> None:
    """REQUESTED or OPEN -> CANCELED, only while nothing was received or refunded."""
    async with db.transaction() as session:
        order, ret = await locked_return(session, return_id)
        status = check(ret, Action.CANCEL,
                       received=await anything_received(session, return_id))
        await _move(session, ret, status, ReturnStatus.CANCELED, canceled_at=utcnow())
        await emit(session, "return.canceled", "Return", ret.id,
                   {"order_id": order.id, "return_id": ret.id, "actor_id": actor_id})


async def close(db: Database, return_id: int, *, actor_id: int | None) -> None:
    """OPEN -> CLOSED: nothing more will be received, disposed of or refunded."""
    async with db.transaction() as session:
        order, ret = await locked_return(session, return_id)
        status = check(ret, Action.CLOSE)
        await _move(session, ret, status, ReturnStatus.CLOSED, closed_at=utcnow())
        await emit(session, "return.closed", "Return", ret.id,
                   {"order_id": order.id, "return_id": ret.id, "actor_id": actor_id})
