"""Manual payments and refunds on an order: partial payments, idempotent keys, history and
outbox, and never more refunded than captured, also under concurrent refund requests."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from commerce.checkout.service import complete_checkout
from commerce.db.database import Database
from commerce.db.models import Order, OrderEvent, OutboxEvent, PaymentTransaction
from commerce.payments.service import PaymentResult, record_payment, refund_payment
from commerce.settings import Settings
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError
from tests.order_factories import make_cart, make_shop, make_variant

pytestmark = pytest.mark.timeout(120)


async def _orders(db: Database, settings: Settings, count: int) -> list[tuple[int, int]]:
    """Placed orders and their totals (1000 for the goods + 500 shipping each)."""
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=5, price=1000)
    found = []
    for _ in range(count):
        placed = await complete_checkout(db, await make_cart(db, shop, {variant: 1}),
                                         settings=settings)
        async with db.transaction() as s:
            total = (await s.execute(select(Order.total).where(
                Order.id == placed.order_id))).scalar_one()
        found.append((placed.order_id, total))
    return found


async def _order(db: Database, settings: Settings) -> tuple[int, int]:
    return (await _orders(db, settings, 1))[0]


async def _state(db: Database, order_id: int) -> tuple[int, str]:
    async with db.transaction() as s:
        order = (await s.execute(select(Order).where(Order.id == order_id))).scalar_one()
        return order.amount_paid, order.payment_status


async def _pay(db: Database, order_id: int, amount: int, key: str) -> PaymentResult:
    return await record_payment(db, order_id, amount=amount, method="BANK_TRANSFER",
                                reference="TRX", idempotency_key=key, actor_id=None)


async def _transactions(db: Database) -> int:
    async with db.transaction() as s:
        return int((await s.execute(
            select(func.count()).select_from(PaymentTransaction))).scalar_one())


async def test_instalments_make_an_order_partially_paid_then_paid(
        db: Database, settings: Settings) -> None:
    order_id, total = await _order(db, settings)

    await _pay(db, order_id, 400, "k1")
    assert await _state(db, order_id) == (400, "PARTIALLY_PAID")
    await _pay(db, order_id, total - 400, "k2")
    assert await _state(db, order_id) == (total, "PAID")

    with pytest.raises(DomainError) as refused:
        await _pay(db, order_id, 1, "k3")
    assert refused.value.problems[0].code is ErrorCode.INVALID_STATE
    async with db.transaction() as s:
        history = (await s.execute(select(OrderEvent.type, OrderEvent.data).where(
            OrderEvent.order_id == order_id).order_by(OrderEvent.id))).all()
        events = (await s.execute(select(OutboxEvent.type, OutboxEvent.payload).where(
            OutboxEvent.type == "payment.recorded").order_by(OutboxEvent.id))).all()
    assert [(t, d["amount"]) for t, d in history[1:]] == [
        ("PAYMENT_RECORDED", 400), ("PAYMENT_RECORDED", total - 400)]
    assert [(p["amount"], p["amount_paid"], p["payment_status"]) for _, p in events] == [
        (400, 400, "PARTIALLY_PAID"), (total - 400, total, "PAID")]


async def test_an_overpayment_and_a_zero_amount_are_refused(
        db: Database, settings: Settings) -> None:
    order_id, total = await _order(db, settings)
    for amount in (total + 1, 0):
        with pytest.raises(DomainError) as refused:
            await _pay(db, order_id, amount, f"k{amount}")
        assert refused.value.problems[0].field == ("amount",)
    assert await _transactions(db) == 0


async def test_the_same_key_gives_the_same_result_and_no_second_row(
        db: Database, settings: Settings) -> None:
    order_id, _ = await _order(db, settings)
    first = await _pay(db, order_id, 300, "same")
    again = await _pay(db, order_id, 300, "same")
    assert (again.payment_id, again.transaction_id, again.replayed) == (
        first.payment_id, first.transaction_id, True)
    refund = await refund_payment(db, first.payment_id, amount=100, reason="damaged",
                                  idempotency_key="r", actor_id=None)
    refund_again = await refund_payment(db, first.payment_id, amount=100, reason="damaged",
                                        idempotency_key="r", actor_id=None)
    assert refund_again.transaction_id == refund.transaction_id
    assert await _transactions(db) == 2
    assert await _state(db, order_id) == (200, "PARTIALLY_REFUNDED")

    with pytest.raises(DomainError) as reused:
        await _pay(db, order_id, 999, "same")
    assert reused.value.problems[0].field == ("idempotencyKey",)


async def test_concurrent_requests_with_one_key_record_one_payment(
        db: Database, settings: Settings) -> None:
    order_id, _ = await _order(db, settings)
    results = await asyncio.gather(*(_pay(db, order_id, 300, "once") for _ in range(8)))
    assert len({r.transaction_id for r in results}) == 1
    assert await _transactions(db) == 1


async def test_refunds_follow_the_payment_and_a_full_refund_lets_the_order_be_canceled(
        db: Database, settings: Settings) -> None:
    from commerce.orders.service import cancel_order

    order_id, total = await _order(db, settings)
    paid = await _pay(db, order_id, total, "p")
    await refund_payment(db, paid.payment_id, amount=total - 100, reason="",
                         idempotency_key="r1", actor_id=None)
    with pytest.raises(DomainError) as too_much:
        await refund_payment(db, paid.payment_id, amount=101, reason="",
                             idempotency_key="r2", actor_id=None)
    assert "exceeds" in too_much.value.problems[0].message
    await refund_payment(db, paid.payment_id, amount=100, reason="returned",
                         idempotency_key="r3", actor_id=None)
    assert await _state(db, order_id) == (0, "REFUNDED")
    await cancel_order(db, order_id, actor_id=None)
    async with db.transaction() as s:
        refunded = (await s.execute(select(OutboxEvent.payload).where(
            OutboxEvent.type == "payment.refunded").order_by(OutboxEvent.id))).scalars().all()
    assert [(p["amount"], p["amount_refunded"]) for p in refunded] == [
        (total - 100, total - 100), (100, total)]


async def test_ten_concurrent_refunds_never_exceed_what_was_captured(
        db: Database, settings: Settings) -> None:
    """Each request alone is valid (300 of 1000); together only three fit. Without the order
    lock they all read the same 'nothing refunded yet' and all pass the check."""
    order_id, total = await _order(db, settings)
    paid = await _pay(db, order_id, 1000, "p")

    async def refund(i: int) -> bool:
        try:
            await refund_payment(db, paid.payment_id, amount=300, reason="",
                                 idempotency_key=f"r{i}", actor_id=None)
        except DomainError:
            return False
        return True

    outcomes = await asyncio.gather(*(refund(i) for i in range(10)))
    assert outcomes.count(True) == 3
    async with db.transaction() as s:
        refunded = (await s.execute(select(func.sum(PaymentTransaction.amount)).where(
            PaymentTransaction.kind == "REFUND"))).scalar_one()
    assert refunded == 900
    assert await _state(db, order_id) == (100, "PARTIALLY_REFUNDED")
    assert total > 1000  # the order stays partly paid: refunds do not depend on the total


async def test_one_key_sent_for_two_orders_at_once_records_one_and_refuses_the_other(
        db: Database, settings: Settings) -> None:
    """Different orders take different locks, so only the unique key stops the second row;
    the loser retries, finds the key taken by another request and says so."""
    (first, _), (second, _) = await _orders(db, settings, 2)

    async def pay(order_id: int) -> PaymentResult | DomainError:
        try:
            return await _pay(db, order_id, 100, "shared")
        except DomainError as exc:
            return exc

    outcomes = await asyncio.gather(pay(first), pay(second))
    assert sum(isinstance(o, PaymentResult) for o in outcomes) == 1
    refused = next(o for o in outcomes if isinstance(o, DomainError))
    assert refused.problems[0].field == ("idempotencyKey",)
    assert await _transactions(db) == 1
