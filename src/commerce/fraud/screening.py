"""Screening a new order: its signals computed from our tables, assessed, recorded, applied.

``screen_new_order`` runs inside the transaction that places the order, so the order, its
risk row and (for MEDIUM) its hold commit together or not at all. It costs two SELECTs and
one INSERT whatever the shop's size: one statement loads the order and its card payment, one
computes every count as scalar subqueries (each on its own index: ``orders.email``,
``orders.client_address``, ``payments.email`` / ``client_address`` / ``card_fingerprint``,
``orders(created_at, id)`` for the day's orders and the recent average, ``blocklist_entries
(kind, value)``), and one inserts the ``OrderRisk`` row. MEDIUM adds the hold's UPDATE and
history entry; the outbox event joins the checkout's single outbox INSERT.

Levels: LOW → ACCEPTED, the order proceeds. MEDIUM → IN_REVIEW, the order goes ON_HOLD (the
state machine's OPEN → ON_HOLD; fulfilment only takes OPEN orders) until staff approve or
reject it (``fraud.review``). HIGH → the risk row is CANCELED and the order is put ON_HOLD
in the same transaction, so nothing ships even if the process dies before the caller runs
``enforce_high_risk`` after commit (which cancels it, stock released and money returned).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    false,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from commerce.db.database import Database
from commerce.db.models import BlocklistEntry, Order, OrderRisk, Payment, PaymentTransaction
from commerce.events.outbox import emit
from commerce.fraud.risk import RiskAssessment, RiskLevel, RiskSettings, assess
from commerce.fraud.signals import (
    BlocklistKind,
    CheckResult,
    OrderSignals,
    StripeRiskLevel,
    StripeSignals,
    Velocity,
    domain_and_parents,
    email_domain,
)
from commerce.orders.events import OrderEventType, add_event
from commerce.orders.state import OrderStatus, order_transition
from commerce.payments.gateway import PaymentGateway
from commerce.settings import Settings
from commerce.tracking.changes import ON_HOLD_MESSAGE
from commerce.tracking.log import OrderTrackingEventType, record

# How many recent orders make "the shop's average order value": enough to be stable, few
# enough to read from the (created_at, id) index in a blink.
AVERAGE_OVER_ORDERS = 100
CARD = "CARD"
# What the shopper is told when a HIGH-risk order is canceled: nothing a fraudster could use.
NOT_ACCEPTED_MESSAGE = ("We could not accept this order. Any payment has been returned. "
                        "Please contact the shop.")
HIGH_RISK_REASON = "Canceled automatically: high fraud risk (see the order's risk)"


class RiskStatus:
    ACCEPTED = "ACCEPTED"
    IN_REVIEW = "IN_REVIEW"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    CANCELED = "CANCELED"


def risk_settings(settings: Settings) -> RiskSettings:
    return RiskSettings(medium_threshold=settings.risk_medium_score,
                        high_threshold=settings.risk_high_score)


def _country(address: dict[str, Any] | None) -> str | None:
    value = str((address or {}).get("country_code") or "").strip().upper()
    return value or None


# Counts stop here: the rules only ask whether a key is past its (much lower) limit, and a
# capped count keeps one busy address (a shop's own office, a bench) from costing checkout
# a scan of all its orders. Facts then read "at least"-ish numbers; the order is held anyway.
COUNT_CAP = 100
_HOUR: BindParameter[Any] = bindparam("hour")
_DAY: BindParameter[Any] = bindparam("day")


def _capped(*where: ColumnElement[bool], of: Any) -> Any:
    """How many rows match, up to COUNT_CAP (reads at most that many index entries)."""
    rows = select(of).where(*where).limit(COUNT_CAP).subquery()
    return select(func.count()).select_from(rows).scalar_subquery()


def _windows(column: Any, *where: ColumnElement[bool], of: Any) -> tuple[Any, Any]:
    return (_capped(column >= _HOUR, *where, of=of), _capped(column >= _DAY, *where, of=of))


# The order and its latest card payment, by id (built once; the order id is a parameter).
_linked = aliased(Payment)
_CARD_PAYMENT = (select(_linked.id).where(_linked.order_id == bindparam("order_id"),
                                          _linked.method == CARD)
                 .order_by(_linked.id.desc()).limit(1).scalar_subquery())
_LOAD = (select(Order.id, Order.email, Order.user_id, Order.cart_id, Order.client_address,
                Order.shipping_key, Order.total, Order.currency, Order.status,
                Order.shipping_address, Order.billing_address, Payment.card_fingerprint,
                Payment.processor_risk_level, Payment.processor_risk_score,
                Payment.cvc_check, Payment.postal_check)
         .outerjoin(Payment, Payment.id == _CARD_PAYMENT)
         .where(Order.id == bindparam("order_id")))


@dataclass(frozen=True, slots=True)
class ScreenedOrder:
    """What screening reads of a new order and its card payment (the placing checkout has
    all of it at hand, so it passes this instead of screening loading it again)."""

    id: int
    email: str
    user_id: int | None
    cart_id: int | None
    client_address: str
    shipping_key: str
    total: int
    currency: str
    status: str
    shipping_address: dict[str, Any] | None
    billing_address: dict[str, Any] | None
    card_fingerprint: str | None = None  # None: no card payment
    processor_risk_level: str = ""
    processor_risk_score: int | None = None
    cvc_check: str = ""
    postal_check: str = ""


async def _load(session: AsyncSession, order_id: int) -> Any:
    return (await session.execute(_LOAD, {"order_id": order_id})).one()


def _velocity(row: Any, prefix: str) -> Velocity:
    return Velocity(orders_last_hour=row.get(f"{prefix}_oh") or 0,
                    orders_last_day=row.get(f"{prefix}_od") or 0,
                    payment_attempts_last_hour=row.get(f"{prefix}_ph") or 0,
                    payment_attempts_last_day=row.get(f"{prefix}_pd") or 0)


async def order_signals(session: AsyncSession, order_id: int, *,
                        now: datetime) -> OrderSignals:
    """What the rules look at for this order (what ``screen_new_order`` assesses)."""
    return await _signals(session, await _load(session, order_id), now=now)


@cache
def _signals_statement(ip: bool, ship: bool, card: bool, cart: bool, user: bool) -> Select[Any]:
    """The one SELECT of scalar subqueries computing every signal, for one shape of order
    (which keys it has); built once per shape, values are parameters. Each count reads a
    (key, created_at) index range: ``orders.email / client_address / shipping_key``,
    ``payments.email / client_address / card_fingerprint``."""
    oid: BindParameter[Any] = bindparam("oid")
    other_order = Order.id != oid
    # A card payment is one attempt; this order's own payment is not "another" attempt.
    other_attempt = and_(Payment.method == CARD, Payment.order_id.is_distinct_from(oid))
    columns: dict[str, Any] = {}

    def orders_by(prefix: str, match: ColumnElement[bool]) -> None:
        columns[f"{prefix}_oh"], columns[f"{prefix}_od"] = _windows(
            Order.created_at, match, other_order, of=Order.id)

    def attempts_by(prefix: str, match: ColumnElement[bool]) -> None:
        columns[f"{prefix}_ph"], columns[f"{prefix}_pd"] = _windows(
            Payment.created_at, match, other_attempt, of=Payment.id)

    email: BindParameter[Any] = bindparam("email")
    orders_by("email", Order.email == email)
    attempts_by("email", Payment.email == email)
    if ip:  # "" (unknown) must not match every other unknown
        orders_by("ip", Order.client_address == bindparam("ip"))
        attempts_by("ip", Payment.client_address == bindparam("ip"))
    if ship:
        orders_by("ship", Order.shipping_key == bindparam("ship"))
    if card:
        fingerprint = Payment.card_fingerprint == bindparam("fingerprint")
        columns["card_oh"], columns["card_od"] = _windows(
            Payment.created_at, fingerprint, Payment.order_id.is_not(None),
            Payment.order_id != oid, of=func.distinct(Payment.order_id))
        attempts_by("card", fingerprint)
    # Failed attempts in the last day for this e-mail or this checkout's cart: each FAILED
    # transaction, plus FAILED payments that recorded none.
    mine = or_(Payment.email == email,
               Payment.cart_id == bindparam("cart_id") if cart else false())
    failed_tx = exists().where(PaymentTransaction.payment_id == Payment.id,
                               PaymentTransaction.status == "FAILED")
    columns["failed_tx"] = _capped(
        PaymentTransaction.status == "FAILED", PaymentTransaction.created_at >= _DAY,
        PaymentTransaction.payment_id.in_(select(Payment.id).where(mine)),
        of=PaymentTransaction.id)
    columns["failed_pay"] = _capped(Payment.status == "FAILED", Payment.created_at >= _DAY,
                                    mine, ~failed_tx, of=Payment.id)
    earlier = or_(Order.email == email,
                  Order.user_id == bindparam("user_id") if user else false())
    columns["returner"] = exists().where(other_order, earlier,
                                          Order.status != OrderStatus.CANCELED.value)
    recent = (select(Order.total).where(other_order, Order.status != OrderStatus.CANCELED.value)
              .order_by(Order.created_at.desc(), Order.id.desc())
              .limit(AVERAGE_OVER_ORDERS).subquery())
    columns["average"] = select(func.avg(recent.c.total)).scalar_subquery()
    for kind in BlocklistKind:
        columns[f"block_{kind.value}"] = exists().where(
            BlocklistEntry.kind == kind.value,
            BlocklistEntry.value.in_(bindparam(f"block_{kind.value}", expanding=True)))
    return select(*(c.label(name) for name, c in columns.items()))


async def _signals(session: AsyncSession, order: Any, *, now: datetime) -> OrderSignals:
    """The signals of ``order`` (a row from ``_load``), in one SELECT. Counts are of OTHER
    orders and card payment attempts, created in the last hour/day. Payment attempts are not
    counted per shipping address: payments carry none."""
    email = order.email.lower()
    fingerprint = order.card_fingerprint or ""
    blocked = {
        BlocklistKind.EMAIL: [email],
        BlocklistKind.DOMAIN: domain_and_parents(email_domain(email)) if "@" in email else [],
        BlocklistKind.CLIENT_ADDRESS: [order.client_address] if order.client_address else [],
        BlocklistKind.CARD_FINGERPRINT: [fingerprint] if fingerprint else [],
    }
    statement = _signals_statement(bool(order.client_address), bool(order.shipping_key),
                                   bool(fingerprint), order.cart_id is not None,
                                   order.user_id is not None)
    params: dict[str, Any] = {
        "oid": order.id, "email": email, "ip": order.client_address,
        "ship": order.shipping_key, "fingerprint": fingerprint, "cart_id": order.cart_id,
        "user_id": order.user_id, "hour": now - timedelta(hours=1),
        "day": now - timedelta(days=1),
        **{f"block_{k.value}": v for k, v in blocked.items()}}
    row = (await session.execute(statement, params)).one()._asdict()
    average = row["average"]
    return OrderSignals(
        email=email, order_total=order.total, first_order=not row["returner"],
        average_order_value=None if average is None else round(float(average)),
        billing_country=_country(order.billing_address),
        shipping_country=_country(order.shipping_address),
        by_email=_velocity(row, "email"), by_client_address=_velocity(row, "ip"),
        by_card=_velocity(row, "card") if fingerprint else None,
        by_shipping_address=_velocity(row, "ship"),
        failed_payment_attempts=int(row["failed_tx"] or 0) + int(row["failed_pay"] or 0),
        blocklist_hits=frozenset(k for k in BlocklistKind if row.get(f"block_{k.value}")),
        stripe=_stripe(order))


def _enum(kind: Any, value: str | None) -> Any:
    try:
        return kind(value) if value else None
    except ValueError:
        return None


def _stripe(order: Any) -> StripeSignals | None:
    """What Stripe said about the linked card payment; None for a manual order."""
    if order.card_fingerprint is None:
        return None  # no card payment: the outer join found nothing
    return StripeSignals(risk_level=_enum(StripeRiskLevel, order.processor_risk_level),
                         risk_score=order.processor_risk_score,
                         cvc_check=_enum(CheckResult, order.cvc_check),
                         postal_code_check=_enum(CheckResult, order.postal_check))


async def screen_new_order(session: AsyncSession, order_id: int, *, settings: Settings,
                           now: datetime, known: ScreenedOrder | None = None
                           ) -> RiskAssessment:
    """Assess a just-placed order inside the placing transaction, record it and apply the
    level (see the module's docstring). For HIGH the caller must call ``enforce_high_risk``
    after the commit. Draft orders completed by staff are not screened."""
    order = known if known is not None else await _load(session, order_id)
    assessment = assess(await _signals(session, order, now=now), risk_settings(settings))
    status = {RiskLevel.LOW: RiskStatus.ACCEPTED, RiskLevel.MEDIUM: RiskStatus.IN_REVIEW,
              RiskLevel.HIGH: RiskStatus.CANCELED}[assessment.level]
    facts = [{"description": f.description, "sentiment": f.sentiment.value}
             for f in assessment.facts]
    await session.execute(insert(OrderRisk).values(
        order_id=order_id, score=assessment.score, level=assessment.level.value, facts=facts,
        status=status, note="", created_at=now))
    if assessment.level is not RiskLevel.LOW:
        held = order_transition(OrderStatus(order.status), OrderStatus.ON_HOLD)
        await session.execute(sql_update(Order).where(Order.id == order_id).values(
            status=held.value, updated_at=now))
        await add_event(session, order_id, OrderEventType.RISK_HELD, actor_id=None,
                        message=("Held for fraud review" if status == RiskStatus.IN_REVIEW
                                 else "High fraud risk: held until canceled"),
                        data={"score": assessment.score, "level": assessment.level.value,
                              "from": order.status, "to": held.value})
        await record(session, order_id, OrderTrackingEventType.ON_HOLD, occurred_at=now,
                     message=ON_HOLD_MESSAGE)
    await emit(session, "order.risk_assessed", "Order", order_id, {
        "order_id": order_id, "score": assessment.score, "level": assessment.level.value,
        "status": status, "currency": order.currency, "total": order.total})
    return assessment


async def enforce_high_risk(db: Database, order_id: int, *,
                            gateway: PaymentGateway | None) -> None:
    """Cancel a HIGH-risk order after the placing transaction committed: stock released and
    any money returned (``cancel_order``). Safe to repeat: an order already canceled is left
    alone, so a retried checkout (or a sweep) can call it again."""
    from commerce.orders.service import cancel_order  # orders.service imports payments

    async with db.transaction() as session:
        current = (await session.execute(
            select(Order.status).where(Order.id == order_id))).scalar_one_or_none()
    if current is None or current == OrderStatus.CANCELED.value:
        return
    await cancel_order(db, order_id, actor_id=None, reason=HIGH_RISK_REASON, gateway=gateway)

