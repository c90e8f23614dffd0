"""The demo's returns desk: a few delivered orders come back, played through the returns
services (so stock, money, the tracking log and the e-mails are what a real desk makes).

Of the delivered orders paid by manual payment (the demo has no card processor to refund
through), oldest first, each gets one story:

0. asked for by the customer, approved, received, restocked, refunded and closed;
1. opened by staff, received damaged (written off) and refunded;
2. asked for by the customer and approved: the parcel is on its way back;
3. asked for by the customer, waiting for staff;
4. asked for by the customer and declined;
5. opened by staff with a 10% restocking fee, received, kept out of stock and refunded.

A story a product's policy refuses (a final-sale item) is opened by staff instead, as a desk
would when it makes an exception.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, exists, select

from commerce.db.database import Database
from commerce.db.models import Fulfillment, FulfillmentLine, Order, Payment, Shipment
from commerce.payments.gateways import gateway_for
from commerce.returns import receiving, refunds, rules, service
from commerce.returns.facts import line_facts
from commerce.returns.rules import DeclineReason, Disposition, ReturnReason
from commerce.returns.service import LineRequest, Requester
from commerce.settings import Settings
from commerce.shared.errors import DomainError


@dataclass(frozen=True, slots=True)
class _Candidate:
    order_id: int
    user_id: int | None
    token: str
    line_id: int
    quantity: int
    warehouse_id: int  # the one it shipped from, where a restocked unit goes back


INSTRUCTIONS = "Use the prepaid label in the box."
REASONS = (ReturnReason.SIZE_TOO_SMALL, ReturnReason.DAMAGED, ReturnReason.UNWANTED,
           ReturnReason.NOT_AS_DESCRIBED, ReturnReason.WRONG_ITEM, ReturnReason.DEFECTIVE)


async def _candidates(db: Database, limit: int) -> list[_Candidate]:
    """Delivered orders paid only by manual payment, each with its first returnable line."""
    async with db.transaction() as session:
        card_paid = exists().where(and_(Payment.order_id == Order.id,
                                        Payment.gateway != "manual"))
        orders = (await session.execute(
            select(Order.id, Order.user_id, Order.token)
            .where(exists().where(and_(Shipment.order_id == Order.id,
                                       Shipment.status == "DELIVERED")),
                   exists().where(Payment.order_id == Order.id), ~card_paid)
            .order_by(Order.created_at, Order.id))).all()
        found: list[_Candidate] = []
        for order in orders:
            if len(found) == limit:
                break
            facts = await line_facts(session, order.id)
            line = next((f for f in sorted(facts.values(), key=lambda f: f.order_line_id)
                         if rules.returnable(f) > 0), None)
            if line is None:
                continue
            warehouse = (await session.execute(
                select(Fulfillment.warehouse_id)
                .join(FulfillmentLine, FulfillmentLine.fulfillment_id == Fulfillment.id)
                .where(FulfillmentLine.order_line_id == line.order_line_id,
                       Fulfillment.status == "SHIPPED").limit(1))).scalar_one()
            found.append(_Candidate(order.id, order.user_id, order.token,
                                    line.order_line_id, rules.returnable(line), warehouse))
    return found


class _Desk:
    """The staff at the returns desk, playing one story per candidate."""

    def __init__(self, db: Database, settings: Settings, staff_id: int | None) -> None:
        self.db, self.settings, self.staff_id = db, settings, staff_id
        self.gateway = gateway_for(settings)
        self.staff = Requester(user_id=staff_id, staff=True)

    async def ask(self, c: _Candidate, n: int, who: Requester, fee_bp: int = 0) -> int:
        lines = [LineRequest(c.line_id, 1, REASONS[n % len(REASONS)], note="Demo return")]
        return await service.request_return(
            self.db, c.order_id, lines, who=who,
            window_days=self.settings.return_window_days, restocking_fee_bp=fee_bp,
            instructions=INSTRUCTIONS)

    async def by_customer(self, c: _Candidate, n: int) -> tuple[int, bool]:
        """(return id, whether it waits for approval)."""
        customer = Requester(user_id=c.user_id, order_token=None if c.user_id else c.token)
        try:
            return await self.ask(c, n, customer), True
        except DomainError:
            return await self.ask(c, n, self.staff), False  # an exception made by the desk

    async def approve(self, return_id: int) -> None:
        await service.approve(self.db, return_id, instructions=INSTRUCTIONS,
                              return_shipping_fee=0, restocking_fee_bp=0,
                              actor_id=self.staff_id)

    async def settle(self, c: _Candidate, return_id: int, disposition: Disposition) -> None:
        await receiving.receive(self.db, return_id, [receiving.Units(c.line_id, 1)],
                                actor_id=self.staff_id)
        await receiving.dispose(self.db, return_id, [receiving.Disposal(
            c.line_id, 1, disposition,
            c.warehouse_id if disposition is Disposition.RESTOCK else None)],
            actor_id=self.staff_id)
        await refunds.refund(self.db, self.gateway, return_id, refund_shipping=False,
                             actor_id=self.staff_id)
        await service.close(self.db, return_id, actor_id=self.staff_id)

    async def play(self, c: _Candidate, n: int) -> None:
        story = n % 6
        if story in (1, 5):
            fee_bp = 1000 if story == 5 else 0
            disposition = Disposition.NOT_RESTOCKED if story == 5 else Disposition.DAMAGED
            await self.settle(c, await self.ask(c, n, self.staff, fee_bp), disposition)
            return
        return_id, requested = await self.by_customer(c, n)
        if story == 3 or (not requested and story == 4):
            return  # waiting for staff (or, opened by staff, nothing to decline)
        if story == 4:
            await service.decline(self.db, return_id, reason=DeclineReason.OTHER,
                                  note="Worn items cannot be returned.",
                                  actor_id=self.staff_id)
            return
        if requested:
            await self.approve(return_id)
        if story == 0:
            await self.settle(c, return_id, Disposition.RESTOCK)


async def seed_returns(db: Database, settings: Settings, *, staff_id: int | None) -> int:
    """Walk some delivered orders through the returns desk; returns how many returns."""
    desk = _Desk(db, settings, staff_id)
    candidates = await _candidates(db, 6)
    for n, candidate in enumerate(candidates):
        await desk.play(candidate, n)
    return len(candidates)
