"""Fraud screening on a real database: each signal's SQL, the levels applied, HIGH enforced."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from commerce.db.database import Database
from commerce.db.models import (
    BlocklistEntry,
    Order,
    OrderEvent,
    OrderRisk,
    Payment,
    PaymentTransaction,
)
from commerce.fraud.risk import RiskLevel
from commerce.fraud.screening import enforce_high_risk, order_signals, screen_new_order
from commerce.fraud.signals import BlocklistKind, CheckResult, StripeRiskLevel, Velocity
from commerce.orders.places import shipping_key
from commerce.settings import Settings
from commerce.shared.clock import utcnow
from tests.order_api_helpers import place_order
from tests.order_factories import ADDRESS, make_shop, make_variant, stock_of

pytestmark = pytest.mark.timeout(60)

NOW = utcnow()
MIN = timedelta(minutes=1)


async def add_order(db: Database, *, email: str = "eve@example.com", ip: str = "",
                    address: dict[str, Any] | None = None, billing: dict[str, Any] | None = None,
                    ago: timedelta = timedelta(0), total: int = 1000, status: str = "OPEN",
                    user_id: int | None = None) -> int:
    token = secrets.token_urlsafe(24)
    async with db.transaction() as s:
        order = Order(number=f"~{token[:20]}", token=token, email=email, payment_method="CARD",
                      currency="USD", subtotal=total, total=total, client_address=ip,
                      shipping_address=ADDRESS if address is None else address,
                      shipping_key=shipping_key(ADDRESS if address is None else address),
                      billing_address=billing or (ADDRESS if address is None else address),
                      status=status, user_id=user_id, created_at=NOW - ago,
                      updated_at=NOW - ago)
        s.add(order)
        await s.flush()
        return order.id


async def add_payment(db: Database, *, order_id: int | None = None, email: str = "",
                      ip: str = "", fingerprint: str = "", status: str = "CAPTURED",
                      ago: timedelta = timedelta(0), failed_transactions: int = 0,
                      **card: Any) -> int:
    async with db.transaction() as s:
        payment = Payment(order_id=order_id, gateway="stripe", method="CARD", amount=1000,
                          currency="USD", status=status, psp_reference=f"pi_{secrets.token_hex(6)}",
                          email=email, client_address=ip, card_fingerprint=fingerprint,
                          created_at=NOW - ago, updated_at=NOW - ago, **card)
        s.add(payment)
        await s.flush()
        for n in range(failed_transactions):
            s.add(PaymentTransaction(payment_id=payment.id, order_id=order_id, kind="CAPTURE",
                                     amount=1000, currency="USD", status="FAILED",
                                     idempotency_key=f"f-{payment.id}-{n}",
                                     created_at=NOW - ago))
        return payment.id


async def signals_of(db: Database, order_id: int) -> Any:
    async with db.transaction() as s:
        return await order_signals(s, order_id, now=NOW)


async def test_velocity_counts_other_orders_and_attempts_per_key_within_the_hour_and_day(
        db: Database) -> None:
    moved = {**ADDRESS, "street_address_1": "  1 MAIN st ", "country_code": "us"}
    me = await add_order(db, email="eve@example.com", ip="203.0.113.9")
    await add_payment(db, order_id=me, email="eve@example.com", ip="203.0.113.9",
                      fingerprint="fpEVE")  # this order's own payment: not "another" attempt
    # e-mail: two within the hour, one today, one too old, one other address (case ignored).
    await add_order(db, email="eve@example.com", ago=10 * MIN)
    await add_order(db, email="eve@example.com", ago=50 * MIN, address={**ADDRESS,
                                                                         "postal_code": "1"})
    await add_order(db, email="eve@example.com", ago=5 * 60 * MIN, address={**ADDRESS,
                                                                             "postal_code": "2"})
    await add_order(db, email="eve@example.com", ago=25 * 60 * MIN)
    await add_order(db, email="bob@example.com", ago=MIN, address={**ADDRESS,
                                                                    "postal_code": "3"})
    # client address: one within the hour (and an unknown address, which matches nothing).
    await add_order(db, email="x@example.com", ip="203.0.113.9", ago=20 * MIN,
                    address={**ADDRESS, "postal_code": "4"})
    await add_order(db, email="y@example.com", ip="", ago=20 * MIN,
                    address={**ADDRESS, "postal_code": "5"})
    # shipping address: the same place written differently counts.
    await add_order(db, email="z@example.com", ago=30 * MIN, address=moved)
    # card: another order paid with it, and an attempt that placed nothing (today).
    other = await add_order(db, email="w@example.com", ago=5 * MIN,
                            address={**ADDRESS, "postal_code": "6"})
    await add_payment(db, order_id=other, fingerprint="fpEVE", ago=5 * MIN)
    await add_payment(db, fingerprint="fpEVE", ago=3 * 60 * MIN)
    # payment attempts by e-mail / client address (no order).
    await add_payment(db, email="eve@example.com", ago=2 * MIN)
    await add_payment(db, ip="203.0.113.9", ago=2 * 60 * MIN)

    s = await signals_of(db, me)

    assert s.by_email == Velocity(orders_last_hour=2, orders_last_day=3,
                                  payment_attempts_last_hour=1, payment_attempts_last_day=1)
    assert s.by_client_address == Velocity(1, 1, 0, 1)
    # ADDRESS orders: the 10-min and 25-h e-mail orders, "moved", and this one excluded.
    assert s.by_shipping_address == Velocity(2, 2, 0, 0)
    assert s.by_card == Velocity(1, 1, 1, 2)


async def test_an_unknown_client_address_and_no_card_match_nothing(db: Database) -> None:
    me = await add_order(db, ip="")
    for n in range(3):
        await add_order(db, email=f"o{n}@example.com", ip="", address={**ADDRESS,
                                                                       "postal_code": str(n)})
    s = await signals_of(db, me)
    assert s.by_client_address == Velocity() and s.by_card is None and s.stripe is None


async def test_failed_attempts_count_failed_transactions_and_failed_payments_once(
        db: Database) -> None:
    me = await add_order(db, email="eve@example.com")
    await add_payment(db, email="eve@example.com", status="FAILED", ago=MIN)  # 1
    await add_payment(db, email="eve@example.com", status="PENDING",
                      failed_transactions=2, ago=2 * MIN)  # 2
    await add_payment(db, email="eve@example.com", status="FAILED",
                      failed_transactions=1, ago=3 * MIN)  # 1, not 2
    await add_payment(db, email="bob@example.com", status="FAILED", ago=MIN)  # someone else
    await add_payment(db, email="eve@example.com", status="FAILED", ago=25 * 60 * MIN)  # old
    assert (await signals_of(db, me)).failed_payment_attempts == 4


async def test_billing_and_shipping_countries_come_from_the_orders_addresses(
        db: Database) -> None:
    me = await add_order(db, billing={**ADDRESS, "country_code": "de"})
    s = await signals_of(db, me)
    assert (s.billing_country, s.shipping_country) == ("DE", "US")


async def test_average_of_recent_orders_leaves_out_canceled_ones_and_first_order_by_email_or_user(
        db: Database) -> None:
    for total in (1000, 2000, 3000):
        await add_order(db, email="old@example.com", total=total, ago=MIN)
    await add_order(db, email="eve@example.com", total=100_000, status="CANCELED", ago=MIN)
    me = await add_order(db, email="eve@example.com", total=9000)
    s = await signals_of(db, me)
    assert (s.average_order_value, s.first_order, s.order_total) == (2000, True, 9000)
    returning = await add_order(db, email="old@example.com")
    assert (await signals_of(db, returning)).first_order is False


async def test_blocklist_hits_match_each_kind_and_parent_domains_but_not_lookalikes(
        db: Database) -> None:
    me = await add_order(db, email="eve@mail.shady.example", ip="203.0.113.9")
    await add_payment(db, order_id=me, fingerprint="fpEVE")
    assert (await signals_of(db, me)).blocklist_hits == frozenset()
    async with db.transaction() as s:
        s.add_all([BlocklistEntry(kind="DOMAIN", value="ady.example"),  # a lookalike suffix
                   BlocklistEntry(kind="EMAIL", value="other@mail.shady.example")])
    assert (await signals_of(db, me)).blocklist_hits == frozenset()
    async with db.transaction() as s:
        s.add_all([BlocklistEntry(kind="DOMAIN", value="shady.example"),
                   BlocklistEntry(kind="EMAIL", value="eve@mail.shady.example"),
                   BlocklistEntry(kind="CLIENT_ADDRESS", value="203.0.113.9"),
                   BlocklistEntry(kind="CARD_FINGERPRINT", value="fpEVE")])
    assert (await signals_of(db, me)).blocklist_hits == frozenset(BlocklistKind)


async def test_stripe_verdict_and_checks_come_from_the_linked_card_payment(
        db: Database) -> None:
    me = await add_order(db)
    await add_payment(db, order_id=me, fingerprint="fp1", processor_risk_level="elevated",
                      processor_risk_score=66, cvc_check="fail", postal_check="pass")
    stripe = (await signals_of(db, me)).stripe
    assert stripe is not None
    assert (stripe.risk_level, stripe.risk_score, stripe.cvc_check,
            stripe.postal_code_check) == (StripeRiskLevel.ELEVATED, 66, CheckResult.FAIL,
                                          CheckResult.PASS)


async def screen(db: Database, settings: Settings, order_id: int) -> RiskLevel:
    async with db.transaction() as s:
        return (await screen_new_order(s, order_id, settings=settings, now=NOW)).level


async def risk_and_status(db: Database, order_id: int) -> tuple[str, str]:
    async with db.transaction() as s:
        row = (await s.execute(select(OrderRisk.status, Order.status)
                               .join(Order, Order.id == OrderRisk.order_id)
                               .where(Order.id == order_id))).one()
    return row[0], row[1]


async def test_levels_low_accepted_medium_held_in_review_high_held_then_canceled(
        db: Database, settings: Settings) -> None:
    low = await add_order(db, email="a@example.com")
    assert await screen(db, settings, low) is RiskLevel.LOW
    assert await risk_and_status(db, low) == ("ACCEPTED", "OPEN")

    medium = await add_order(db, email="b@example.com", billing={**ADDRESS, "country_code": "DE"})
    # A country mismatch alone scores 15: medium from 10 on.
    assert await screen(db, settings.with_(risk_medium_score=10), medium) is RiskLevel.MEDIUM
    assert await risk_and_status(db, medium) == ("IN_REVIEW", "ON_HOLD")
    async with db.transaction() as s:
        held = (await s.execute(select(OrderEvent.type, OrderEvent.data).where(
            OrderEvent.order_id == medium))).one()
    assert held[0] == "RISK_HELD" and held[1]["to"] == "ON_HOLD"

    async with db.transaction() as s:
        s.add(BlocklistEntry(kind="DOMAIN", value="example.org"))
    high = await add_order(db, email="c@sub.example.org")
    assert await screen(db, settings, high) is RiskLevel.HIGH
    assert await risk_and_status(db, high) == ("CANCELED", "ON_HOLD")


async def test_a_high_risk_checkout_is_canceled_with_its_stock_back_and_enforcing_again_is_harmless(
        db: Database, settings: Settings) -> None:
    shop = await make_shop(db)
    mug = await make_variant(db, shop, stock=5)
    async with db.transaction() as s:
        s.add(BlocklistEntry(kind="EMAIL", value="eve@example.com"))
    with pytest.raises(Exception, match="could not accept this order") as raised:
        await place_order(db, settings, shop, {mug: 2}, email="Eve@Example.com")
    assert getattr(raised.value, "problems")[0].code == "ORDER_NOT_ACCEPTED"  # noqa: B009
    async with db.transaction() as s:
        order_id = (await s.execute(select(Order.id))).scalar_one()
    assert await risk_and_status(db, order_id) == ("CANCELED", "CANCELED")
    assert await stock_of(db, mug) == (5, 0)
    await enforce_high_risk(db, order_id, gateway=None)
    assert await stock_of(db, mug) == (5, 0)


async def test_screening_costs_the_same_statements_with_a_long_history(
        db: Database, settings: Settings, count_statements: Callable[[], Any]) -> None:
    async def statements(order_id: int) -> int:
        with count_statements() as counter:
            assert await screen(db, settings, order_id) is RiskLevel.LOW
        return int(counter.count)

    first = await statements(await add_order(db, email="a@example.com"))
    for n in range(30):
        await add_order(db, email=f"h{n}@example.com", ago=n * MIN,
                        address={**ADDRESS, "postal_code": str(n)})
        await add_payment(db, email=f"h{n}@example.com", ago=n * MIN)
    later = await statements(await add_order(db, email="b@example.com"))
    # Two SELECTs (the order with its card payment; every count), the risk INSERT, and the
    # outbox INSERT at commit (in a checkout that is the one it already makes).
    assert first == later == 4
