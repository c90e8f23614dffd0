"""A history of demo orders, placed the way real ones are.

``plan_orders`` decides (purely, from the seed) who buys what, how it ships, which code it
uses and what becomes of it; ``place_orders`` then creates each cart and completes it through
``checkout.service.complete_checkout`` — so stock is allocated and journaled, codes counted
and totals priced exactly as in production — before some orders are marked paid or canceled
through ``orders.service``. Card orders are placed through the card checkout and manual
payments recorded through ``payments.service`` (``commerce.seed_payments``). Each order is
dated as soon as it is placed and each later step when it is done, so the next order's
fraud screening sees the history as it would have been: spread over the last two months,
no burst of orders that would trip the velocity rules. A few recent orders come from
shoppers the real screening holds for review (a throwaway e-mail address, a first order far
above the shop's average, a billing country that differs from the shipping country).
"""

from __future__ import annotations

import random
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update

from commerce.checkout.service import complete_checkout
from commerce.db.database import Database
from commerce.db.models import (
    Cart,
    CartLine,
    Order,
    OrderEvent,
    OrderRisk,
    Payment,
    PaymentTransaction,
    StockMovement,
)
from commerce.orders.service import cancel_order, hold_order
from commerce.seed_payments import (
    demo_card,
    pay_by_hand,
    place_card_order,
    refund_at_stripe,
)
from commerce.seed_shipping import zone_of
from commerce.settings import Settings
from commerce.shared.addresses import AddressData

ORDER_COUNT = 48
HISTORY_DAYS = 60
STOCK_MARGIN = 5  # never sell a variant below this many units, so the shop stays stocked


@dataclass(frozen=True, slots=True)
class Shopper:
    email: str
    address: AddressData
    registered: bool = False  # an account (the demo customer, or one without a password)
    billing: AddressData | None = None  # None: bills to the shipping address


def _address(first: str, last: str, street: str, city: str, postal: str, country: str,
             area: str = "", phone: str = "") -> AddressData:
    return AddressData(first_name=first, last_name=last, company="", street_address_1=street,
                       street_address_2="", city=city, postal_code=postal,
                       country_code=country, country_area=area, phone=phone)


SHOPPERS: tuple[Shopper, ...] = (
    Shopper("customer@example.com", _address("Sam", "Rivera", "350 Fifth Avenue", "New York",
                                             "10118", "US", "NY", "+12125550123"), True),
    Shopper("maria.garcia@example.com", _address("Maria", "Garcia", "1200 Market Street",
                                                 "San Francisco", "94102", "US", "CA"), True),
    Shopper("james.wilson@example.com", _address("James", "Wilson", "401 Congress Avenue",
                                                 "Austin", "78701", "US", "TX")),
    Shopper("olivia.brown@example.com", _address("Olivia", "Brown", "85 Pike Street",
                                                 "Seattle", "98101", "US", "WA"), True),
    Shopper("liam.tremblay@example.com", _address("Liam", "Tremblay", "100 Queen Street West",
                                                  "Toronto", "M5H 2N2", "CA", "ON")),
    Shopper("emma.roy@example.com", _address("Emma", "Roy", "1055 West Georgia Street",
                                             "Vancouver", "V6E 3P3", "CA", "BC")),
    Shopper("oliver.smith@example.com", _address("Oliver", "Smith", "10 Downing Street",
                                                 "London", "SW1A 2AA", "GB"), True),
    Shopper("amelia.jones@example.com", _address("Amelia", "Jones", "1 Deansgate",
                                                 "Manchester", "M3 1AZ", "GB")),
    Shopper("lukas.mueller@example.com", _address("Lukas", "Müller", "Unter den Linden 77",
                                                  "Berlin", "10117", "DE")),
    Shopper("chloe.martin@example.com", _address("Chloé", "Martin", "8 Rue de Rivoli",
                                                 "Paris", "75004", "FR")),
    Shopper("daan.devries@example.com", _address("Daan", "de Vries", "Damrak 1",
                                                 "Amsterdam", "1012 LG", "NL")),
    Shopper("giulia.rossi@example.com", _address("Giulia", "Rossi", "Via del Corso 12",
                                                 "Roma", "00186", "IT", "RM")),
)


# Guests whose first order the fraud screening holds for review (see ``_review_orders``):
# throwaway-mail domains from the maintained disposable-email-domains list, and a billing
# country other than the shipping country. The client addresses are documentation ranges.
REVIEW_SHOPPERS: tuple[Shopper, ...] = (
    Shopper("kevin.price@mailinator.com", _address("Kevin", "Price", "200 Biscayne Boulevard",
                                                   "Miami", "33131", "US", "FL")),
    Shopper("n.kowalski@yopmail.com", _address("Natalia", "Kowalski", "1 Deansgate",
                                               "Manchester", "M3 1AZ", "GB"),
            billing=_address("Natalia", "Kowalski", "ul. Marszałkowska 10", "Warszawa",
                             "00-590", "PL")),
    Shopper("dealz4you@guerrillamail.com", _address("Chris", "Miller", "85 Pike Street",
                                                    "Seattle", "98101", "US", "WA"),
            billing=_address("Chris", "Miller", "Avenida Paulista 1000", "São Paulo",
                             "01310-100", "BR", "SP")),
    Shopper("t.wagner@10minutemail.com", _address("Tobias", "Wagner", "Mönckebergstraße 7",
                                                  "Hamburg", "20095", "DE")),
)
ALL_SHOPPERS = SHOPPERS + REVIEW_SHOPPERS
# (shopper index in REVIEW_SHOPPERS, days ago, big first order?, client address)
REVIEWS: tuple[tuple[int, float, bool, str], ...] = (
    (0, 6.4, True, "198.51.100.23"),
    (1, 3.1, True, "203.0.113.77"),
    (2, 1.3, False, "203.0.113.140"),
    (3, 0.4, True, "198.51.100.5"),
)
BIG_ORDER = 4.5  # a big first order is this many times the planned average subtotal
CARD_SHARE = 0.4  # of the paid orders


@dataclass(frozen=True, slots=True)
class Candidate:
    """A variant that may be sold: its index in the plan's variant order, price and stock."""

    index: int
    price: int
    available: int | None  # None: not tracked


@dataclass(slots=True)
class PlannedOrder:
    shopper: int
    lines: list[tuple[int, int]] = field(default_factory=list)  # (variant index, quantity)
    express: bool = False
    code: str | None = None
    payment_method: str = "BANK_TRANSFER"
    channel: str = "WEB"
    # OPEN (awaiting payment), ON_HOLD, PAID, PARTIALLY_PAID (first instalment received),
    # CANCELED, or REVIEW (placed as OPEN; the fraud screening is expected to hold it)
    fate: str = "OPEN"
    days_ago: float = 0.0
    instalments: int = 1  # manual payments the total is paid in
    refund: int = 0  # a card order: minor units refunded at Stripe later
    client_address: str = ""  # the shopper's IP ("" for the history: not recorded)


def _fate(rng: random.Random, days_ago: float) -> str:
    roll = rng.random()
    if days_ago > 14:  # older orders have mostly been settled one way or the other
        return "PAID" if roll < 0.75 else "CANCELED" if roll < 0.9 else "OPEN"
    return "PAID" if roll < 0.3 else "CANCELED" if roll < 0.4 else \
        "ON_HOLD" if roll < 0.47 else "OPEN"


def _code(rng: random.Random, shopper: int, subtotal: int, minor_50: int,
          welcomed: set[int]) -> str | None:
    roll = rng.random()
    if shopper not in welcomed and roll < 0.3:
        welcomed.add(shopper)  # WELCOME10 is once per customer
        return "WELCOME10"
    if roll < 0.45 and subtotal >= minor_50:
        return "FREESHIP"
    if roll < 0.55 and subtotal >= minor_50 // 2:
        return "SUMMER5"
    return None


def plan_orders(candidates: list[Candidate], seed: int, minor_50: int,
                count: int = ORDER_COUNT) -> list[PlannedOrder]:
    """Orders oldest first; stock taken never leaves a variant below ``STOCK_MARGIN``."""
    rng = random.Random(seed)
    left = {c.index: c.available for c in candidates}
    welcomed: set[int] = set()
    orders = []
    for k in range(count):
        days_ago = HISTORY_DAYS * (count - k) / count - rng.uniform(0, HISTORY_DAYS / count)
        order = PlannedOrder(shopper=rng.randrange(len(SHOPPERS)), days_ago=max(days_ago, 0.1))
        subtotal = 0
        for candidate in rng.sample(candidates, rng.choice([1, 1, 2, 2, 3])):
            quantity = rng.choice([1, 1, 1, 2, 3])
            stock = left[candidate.index]
            if stock is not None and stock - quantity < STOCK_MARGIN:
                continue
            if stock is not None:
                left[candidate.index] = stock - quantity
            order.lines.append((candidate.index, quantity))
            subtotal += candidate.price * quantity
        if not order.lines:
            continue
        order.express = rng.random() < 0.2
        order.code = _code(rng, order.shopper, subtotal, minor_50, welcomed)
        order.payment_method = "CASH_ON_DELIVERY" if rng.random() < 0.2 else "BANK_TRANSFER"
        order.channel = rng.choice(["WEB", "WEB", "WEB", "MOBILE"])
        order.fate = _fate(rng, order.days_ago)
        orders.append(order)
    # Staff should find every state on a new install, whatever the draw.
    recent_open = [o for o in orders if o.fate == "OPEN"]
    if len(recent_open) > 1 and not any(o.fate == "ON_HOLD" for o in orders):
        recent_open[-1].fate = "ON_HOLD"
    _payments(orders, random.Random(seed + 1), candidates)
    orders += _review_orders(orders, candidates, left)
    orders.sort(key=lambda o: -o.days_ago)  # stable: oldest first, numbers follow dates
    return orders


def _subtotal(order: PlannedOrder, prices: dict[int, int]) -> int:
    return sum(prices[index] * quantity for index, quantity in order.lines)


def _payments(orders: list[PlannedOrder], rng: random.Random,
              candidates: list[Candidate]) -> None:
    """How paid orders were paid (its own draw, so the rest of the plan keeps its shape): a
    share by card, one of those partly refunded later; the rest by hand, two cash-on-delivery
    orders halfway through two instalments and an older one paid off in two."""
    prices = {c.index: c.price for c in candidates}
    paid = [o for o in orders if o.fate == "PAID"]
    for order in paid:
        if rng.random() < CARD_SHARE:
            order.payment_method = "CARD"
    cards = [o for o in paid if o.payment_method == "CARD"]
    if cards:
        refunded = cards[len(cards) // 3]
        refunded.refund = _subtotal(refunded, prices) // 4
    manual = [o for o in paid if o.payment_method != "CARD"]
    if len(manual) >= 6:
        for order, fate in ((manual[len(manual) // 3], "PAID"),
                            (manual[-4], "PARTIALLY_PAID"), (manual[-2], "PARTIALLY_PAID")):
            order.payment_method, order.instalments, order.fate = "CASH_ON_DELIVERY", 2, fate


def _review_orders(orders: list[PlannedOrder], candidates: list[Candidate],
                   left: dict[int, int | None]) -> list[PlannedOrder]:
    """The REVIEWS orders, by bank transfer (so staff can reject them without a processor);
    a big one is at least BIG_ORDER times the average planned subtotal, in the dearest
    products with stock to spare."""
    prices = {c.index: c.price for c in candidates}
    average = sum(_subtotal(o, prices) for o in orders) // max(len(orders), 1)
    dearest = sorted(candidates, key=lambda c: (-c.price, c.index))
    cheap = sorted(candidates, key=lambda c: (c.price, c.index))
    planned: list[PlannedOrder] = []
    for shopper, days_ago, big, ip in REVIEWS:
        order = PlannedOrder(shopper=len(SHOPPERS) + shopper, days_ago=days_ago,
                             fate="REVIEW", client_address=ip)
        target = BIG_ORDER * average if big else 1
        subtotal = 0
        for candidate in dearest if big else cheap[len(cheap) // 3:]:
            stock = left[candidate.index]
            quantity = min(2, 2 if stock is None else stock - STOCK_MARGIN)
            if quantity < 1 or any(i == candidate.index for o in planned for i, _ in o.lines):
                continue
            if stock is not None:
                left[candidate.index] = stock - quantity
            order.lines.append((candidate.index, quantity))
            subtotal += candidate.price * quantity
            if subtotal >= target:
                break
        planned.append(order)
    return planned


async def place_orders(db: Database, settings: Settings, plan: list[PlannedOrder], *,
                       variant_ids: list[int], methods: dict[tuple[str, str], int],
                       user_ids: dict[str, int], staff_id: int | None,
                       now: datetime) -> list[int]:
    """Place every planned order through checkout, then settle it, dating each step as it
    is done; returns the order ids."""
    dates = await _Backdater.start(db)
    placed = []
    for position, order in enumerate(plan, 1):
        at = (now - timedelta(days=order.days_ago)).replace(microsecond=0)
        order_id, intent = await _place(db, settings, order, position, variant_ids=variant_ids,
                                        methods=methods, user_ids=user_ids)
        await dates.placed(db, order_id, at)
        placed.append(order_id)
        if order.fate in ("PAID", "PARTIALLY_PAID") and intent is None:
            received = order.instalments if order.fate == "PAID" else 1
            for k in range(1, received + 1):
                # An instalment a week or so after the last, a transfer within the day.
                await pay_by_hand(db, order_id, instalment=k, instalments=order.instalments,
                                  reference="Cash collected by the courier"
                                  if order.payment_method == "CASH_ON_DELIVERY"
                                  else "Payment received", actor_id=staff_id)
                await dates.step(db, order_id, _later(at, now, k, hours=5 + 160 * (k - 1)))
        elif order.fate == "CANCELED":
            await cancel_order(db, order_id, actor_id=staff_id,
                               reason="Canceled at the customer's request")
            await dates.step(db, order_id, _later(at, now, 1, hours=5))
        elif order.fate == "ON_HOLD":
            await hold_order(db, order_id, actor_id=staff_id,
                             reason="Waiting for the customer to confirm the address")
            await dates.step(db, order_id, _later(at, now, 1, hours=5))
        if intent is not None and order.refund:
            await refund_at_stripe(db, intent, refund_id=f"re_demo_{position}",
                                   amount=order.refund)
            await dates.step(db, order_id, _later(at, now, 1, hours=72))
    return placed


async def _place(db: Database, settings: Settings, order: PlannedOrder, position: int, *,
                 variant_ids: list[int], methods: dict[tuple[str, str], int],
                 user_ids: dict[str, int]) -> tuple[int, Any]:
    """Create the planned cart and place its order: by card as a succeeded Stripe payment
    (returns its intent), otherwise through ``complete_checkout`` (intent None)."""
    shopper = ALL_SHOPPERS[order.shopper]
    token = secrets.token_urlsafe(24)
    method = methods[zone_of(shopper.address.country_code),
                     "Express" if order.express else "Standard"]
    async with db.transaction() as session:
        cart_id = (await session.execute(insert(Cart).values(
            token=token, kind="CART", user_id=user_ids.get(shopper.email),
            email=shopper.email, channel=order.channel,
            shipping_address=asdict(shopper.address),
            billing_address=asdict(shopper.billing or shopper.address),
            shipping_method_id=method, discount_code=order.code,
            payment_method=order.payment_method, attribution={},
        ).returning(Cart.id))).scalar_one()
        await session.execute(insert(CartLine), [
            {"cart_id": cart_id, "variant_id": variant_ids[index], "quantity": quantity}
            for index, quantity in order.lines])
    if order.payment_method == "CARD":
        return await place_card_order(
            db, settings, cart_id, intent_id=f"pi_demo_{position}",
            card=demo_card(shopper.email, shopper.address.country_code))
    result = await complete_checkout(db, token, settings=settings, system=True,
                                     client_address=order.client_address)
    return result.order_id, None


def _later(at: datetime, now: datetime, step: int, *, hours: float) -> datetime:
    """``hours`` after ``at``, but never in the future: a recent order's steps squeeze
    into the time since it was placed (step k of an order at most k/(k+1) of the way)."""
    return min(at + timedelta(hours=hours), at + (now - at) * step / (step + 1)).replace(
        microsecond=0)


class _Backdater:
    """Moves what each step wrote back to when that step "happened". Orders are played one
    at a time, so the rows a step added are exactly those above the marks (the highest ids
    already dated): its history, stock movements, payments and their transactions."""

    TABLES: tuple[Any, ...] = (OrderEvent, StockMovement, Payment, PaymentTransaction)

    def __init__(self, marks: dict[Any, int]) -> None:
        self.marks = marks

    @classmethod
    async def start(cls, db: Database) -> _Backdater:
        async with db.transaction() as session:
            return cls({t: await session.scalar(select(func.max(t.id))) or 0
                        for t in cls.TABLES})

    async def placed(self, db: Database, order_id: int, at: datetime) -> None:
        await self.step(db, order_id, at, placed=True)

    async def step(self, db: Database, order_id: int, at: datetime, *,
                   placed: bool = False) -> None:
        async with db.transaction() as session:
            if placed:
                cart_id = await session.scalar(select(Order.cart_id).where(
                    Order.id == order_id))
                await session.execute(update(Cart).where(Cart.id == cart_id).values(
                    created_at=at - timedelta(minutes=12), updated_at=at, completed_at=at))
                await session.execute(update(Order).where(Order.id == order_id).values(
                    created_at=at))
                await session.execute(update(OrderRisk).where(
                    OrderRisk.order_id == order_id).values(created_at=at))
            for table in self.TABLES:
                await session.execute(update(table).where(table.id > self.marks[table])
                                      .values(created_at=at))
                self.marks[table] = await session.scalar(select(func.max(table.id))) or 0
            await session.execute(update(Order).where(Order.id == order_id).values(
                updated_at=at))
            await session.execute(update(Payment).where(Payment.order_id == order_id)
                                  .values(updated_at=at))
