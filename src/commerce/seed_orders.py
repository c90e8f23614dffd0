"""A history of demo orders, placed the way real ones are.

``plan_orders`` decides (purely, from the seed) who buys what, how it ships, which code it
uses and what becomes of it; ``place_orders`` then creates each cart and completes it through
``checkout.service.complete_checkout`` — so stock is allocated and journaled, codes counted
and totals priced exactly as in production — before some orders are marked paid or canceled
through ``orders.service``. Finally the history is spread over the last two months.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update

from commerce.checkout.service import complete_checkout
from commerce.db.database import Database
from commerce.db.models import Cart, CartLine, Order, OrderEvent, StockMovement
from commerce.orders.service import cancel_order, hold_order, mark_as_paid
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
    fate: str = "OPEN"  # OPEN (awaiting payment), ON_HOLD, PAID or CANCELED
    days_ago: float = 0.0


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
    return orders


async def place_orders(db: Database, settings: Settings, plan: list[PlannedOrder], *,
                       variant_ids: list[int], methods: dict[tuple[str, str], int],
                       user_ids: dict[str, int], staff_id: int | None,
                       now: datetime) -> list[int]:
    """Place every planned order through checkout, then settle and date it; returns ids."""
    placed: list[tuple[int, PlannedOrder]] = []
    for order in plan:
        shopper = SHOPPERS[order.shopper]
        token = secrets.token_urlsafe(24)
        address = asdict(shopper.address)
        method = methods[zone_of(shopper.address.country_code),
                         "Express" if order.express else "Standard"]
        async with db.transaction() as session:
            cart_id = (await session.execute(insert(Cart).values(
                token=token, kind="CART", user_id=user_ids.get(shopper.email),
                email=shopper.email, channel=order.channel, shipping_address=address,
                billing_address=address, shipping_method_id=method, discount_code=order.code,
                payment_method=order.payment_method, attribution={},
            ).returning(Cart.id))).scalar_one()
            await session.execute(insert(CartLine), [
                {"cart_id": cart_id, "variant_id": variant_ids[index], "quantity": quantity}
                for index, quantity in order.lines])
        result = await complete_checkout(db, token, settings=settings, system=True)
        placed.append((result.order_id, order))
        if order.fate == "PAID":
            await mark_as_paid(db, result.order_id, actor_id=staff_id,
                               reference="Payment received")
        elif order.fate == "CANCELED":
            await cancel_order(db, result.order_id, actor_id=staff_id,
                               reason="Canceled at the customer's request")
        elif order.fate == "ON_HOLD":
            await hold_order(db, result.order_id, actor_id=staff_id,
                             reason="Waiting for the customer to confirm the address")
    await _date(db, placed, now)
    return [order_id for order_id, _ in placed]


async def _date(db: Database, placed: list[tuple[int, PlannedOrder]], now: datetime) -> None:
    """Move each order, its history and its stock movements back to when it "happened";
    later steps (payment, cancelation) follow a few hours apart."""
    async with db.transaction() as session:
        for order_id, order in placed:
            at = (now - timedelta(days=order.days_ago)).replace(microsecond=0)
            await session.execute(update(Order).where(Order.id == order_id).values(
                created_at=at, updated_at=at))
            cart_id = await session.scalar(select(Order.cart_id).where(Order.id == order_id))
            await session.execute(update(Cart).where(Cart.id == cart_id).values(
                created_at=at - timedelta(minutes=12), updated_at=at, completed_at=at))
            events = (await session.scalars(select(OrderEvent.id).where(
                OrderEvent.order_id == order_id).order_by(OrderEvent.id))).all()
            for step, event_id in enumerate(events):
                await session.execute(update(OrderEvent).where(OrderEvent.id == event_id)
                                      .values(created_at=at + timedelta(hours=5 * step)))
            await session.execute(update(StockMovement).where(
                StockMovement.order_id == order_id).values(created_at=at))
