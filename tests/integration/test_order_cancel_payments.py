"""Canceling a paid order gives its money back (manual payments: the refund owed is
recorded) and says so; capture and void make no sense on manual payments."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from commerce.checkout.service import complete_checkout
from commerce.db.database import Database
from commerce.db.models import Order, OrderEvent, OutboxEvent, PaymentTransaction
from commerce.orders.service import cancel_order
from commerce.payments.operations import capture_payment, refund_payment, void_payment
from commerce.payments.service import record_payment
from commerce.settings import Settings
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError
from tests.order_factories import make_cart, make_shop, make_variant, stock_of

pytestmark = pytest.mark.timeout(120)


async def _paid_order(db: Database, settings: Settings, *, parts: tuple[int, ...] = (600, 900)
                      ) -> tuple[int, int, list[int]]:
    """An order (total 1500: 1000 goods + 500 shipping) paid by bank transfer in parts."""
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=5, price=1000)
    placed = await complete_checkout(db, await make_cart(db, shop, {variant: 1}),
                                     settings=settings)
    payments = []
    for i, amount in enumerate(parts):
        paid = await record_payment(db, placed.order_id, amount=amount, method="BANK_TRANSFER",
                                    reference=f"TRX{i}", idempotency_key=f"pay{i}",
                                    actor_id=None)
        payments.append(paid.payment_id)
    return placed.order_id, variant, payments


async def _order(db: Database, order_id: int) -> Order:
    async with db.transaction() as s:
        return (await s.execute(select(Order).where(Order.id == order_id))).scalar_one()


async def _refunds(db: Database) -> list[tuple[int, int, str]]:
    async with db.transaction() as s:
        return [tuple(r) for r in (await s.execute(  # type: ignore[misc]
            select(PaymentTransaction.payment_id, PaymentTransaction.amount,
                   PaymentTransaction.reason)
            .where(PaymentTransaction.kind == "REFUND").order_by(PaymentTransaction.id))
        ).all()]


async def test_canceling_a_paid_manual_order_records_the_refund_owed_and_cancels(
        db: Database, settings: Settings) -> None:
    order_id, variant, (first, second) = await _paid_order(db, settings)
    await refund_payment(db, None, second, amount=200, reason="damaged",
                         idempotency_key="r1", actor_id=None)

    await cancel_order(db, order_id, actor_id=None, reason="customer asked")

    order = await _order(db, order_id)
    assert (order.status, order.payment_status, order.amount_paid) == (
        "CANCELED", "REFUNDED", 0)
    assert await _refunds(db) == [(second, 200, "damaged"),
                                  (first, 600, "order canceled: refund owed"),
                                  (second, 700, "order canceled: refund owed")]
    assert await stock_of(db, variant) == (5, 0)
    async with db.transaction() as s:
        history = (await s.execute(select(OrderEvent.type, OrderEvent.data).where(
            OrderEvent.order_id == order_id).order_by(OrderEvent.id))).all()
        canceled = (await s.execute(select(OutboxEvent.payload).where(
            OutboxEvent.type == "order.canceled"))).scalar_one()
        refunded = (await s.execute(select(OutboxEvent.payload).where(
            OutboxEvent.type == "payment.refunded").order_by(OutboxEvent.id))).scalars().all()
    assert [t for t, _ in history[-3:]] == ["PAYMENT_REFUNDED", "PAYMENT_REFUNDED", "CANCELED"]
    owed = [{"payment_id": first, "amount": 600, "psp_reference": ""},
            {"payment_id": second, "amount": 700, "psp_reference": ""}]
    assert history[-1][1]["owed"] == owed
    assert (canceled["owed"], canceled["refunded"], canceled["voided"]) == (owed, [], [])
    assert [(p["amount"], p.get("owed", False)) for p in refunded] == [
        (200, False), (600, True), (700, True)]


async def test_a_retried_cancel_records_nothing_twice(
        db: Database, settings: Settings) -> None:
    order_id, _, _ = await _paid_order(db, settings)
    await cancel_order(db, order_id, actor_id=None)
    with pytest.raises(DomainError) as again:
        await cancel_order(db, order_id, actor_id=None)
    assert again.value.problems[0].code is ErrorCode.INVALID_STATE
    assert len(await _refunds(db)) == 2


async def test_concurrent_cancels_of_a_paid_order_record_each_refund_once(
        db: Database, settings: Settings) -> None:
    order_id, variant, _ = await _paid_order(db, settings)

    async def cancel() -> bool:
        try:
            await cancel_order(db, order_id, actor_id=None)
        except DomainError:
            return False
        return True

    outcomes = await asyncio.gather(*(cancel() for _ in range(5)))
    assert outcomes.count(True) == 1
    assert [amount for _, amount, _ in await _refunds(db)] == [600, 900]
    assert (await _order(db, order_id)).amount_paid == 0
    assert await stock_of(db, variant) == (5, 0)


async def test_a_shipped_order_is_not_canceled_and_keeps_its_money(
        db: Database, settings: Settings) -> None:
    order_id, _, _ = await _paid_order(db, settings)
    async with db.transaction() as s:
        order = (await s.execute(select(Order).where(Order.id == order_id))).scalar_one()
        order.fulfillment_status = "FULFILLED"
    with pytest.raises(DomainError) as refused:
        await cancel_order(db, order_id, actor_id=None)
    assert refused.value.problems[0].code is ErrorCode.INVALID_STATE
    assert await _refunds(db) == []


async def test_capture_and_void_are_refused_on_a_manual_payment(
        db: Database, settings: Settings) -> None:
    _, _, (payment, _) = await _paid_order(db, settings)
    with pytest.raises(DomainError) as capture:
        await capture_payment(db, None, payment, amount=None, idempotency_key="c",
                              actor_id=None)
    with pytest.raises(DomainError) as void:
        await void_payment(db, None, payment, idempotency_key="v", actor_id=None)
    for refused in (capture, void):
        assert refused.value.problems[0].code is ErrorCode.INVALID_STATE
        assert "manual payment" in refused.value.problems[0].message
    async with db.transaction() as s:
        kinds = (await s.execute(select(PaymentTransaction.kind))).scalars().all()
    assert sorted(kinds) == ["CAPTURE", "CAPTURE"]


async def test_an_unknown_payment_is_not_found(db: Database) -> None:
    for call in (capture_payment(db, None, 999, amount=None, idempotency_key="c",
                                 actor_id=None),
                 void_payment(db, None, 999, idempotency_key="v", actor_id=None),
                 refund_payment(db, None, 999, amount=1, reason="", idempotency_key="r",
                                actor_id=None)):
        with pytest.raises(DomainError) as missing:
            await call
        assert missing.value.problems[0].code is ErrorCode.NOT_FOUND
