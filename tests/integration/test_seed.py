"""The demo shop: seeded once, with the shape the README and the issue promise."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import func, select

from commerce.accounts.passwords import verify_password
from commerce.db.database import Database
from commerce.db.models import (
    Category,
    Collection,
    CollectionProduct,
    DiscountCode,
    DiscountUsage,
    Order,
    OrderAllocation,
    OrderEvent,
    OrderLine,
    OrderRisk,
    Payment,
    PaymentTransaction,
    Product,
    ProductImage,
    ProductVariant,
    ShippingMethod,
    ShippingRate,
    ShippingZone,
    Stock,
    StockMovement,
    TaxRate,
    User,
)
from commerce.fraud.queries import review_queue
from commerce.payments import rules
from commerce.payments.records import movements
from commerce.seed import CUSTOMER_ADDRESS, _candidates, seed_demo_shop
from commerce.seed_orders import REVIEW_SHOPPERS, REVIEWS, plan_orders
from commerce.seed_payments import demo_card
from commerce.seed_plan import plan_shop
from commerce.seed_shipping import EU
from commerce.settings import Settings
from commerce.shared.addresses import AddressData, clean_address, match_area
from commerce.shared.clock import utcnow
from commerce.shared.errors import Problems
from tests.conftest import _empty


@pytest.fixture(scope="module")
async def shop(database: Database, settings: Settings) -> AsyncIterator[Database]:
    """One seeded database shared by this module's read-only tests (seeding takes ~1 s)."""
    await _empty(database)
    assert await seed_demo_shop(database, settings) is True
    yield database
    await _empty(database)


async def _rows(db: Database, statement: Any) -> list[Any]:
    reader = db.reader()
    try:
        return list(await reader.all(statement))
    finally:
        await reader.close()


def test_the_demo_shop_plan_is_the_same_every_time() -> None:
    first, second = plan_shop("USD", 7), plan_shop("USD", 7)
    assert [(p.row, [v.row for v in p.variants]) for p in first] == \
        [(p.row, [v.row for v in p.variants]) for p in second]


async def test_seeding_twice_creates_the_shop_only_once(shop: Database,
                                                        settings: Settings) -> None:
    before = (await _rows(shop, select(func.count()).select_from(Product)))[0][0]
    assert await seed_demo_shop(shop, settings) is False
    after = (await _rows(shop, select(func.count()).select_from(Product)))[0][0]
    assert before == after


async def test_the_shop_has_enough_active_products_and_nested_categories(
        shop: Database) -> None:
    statuses = Counter(r.status for r in await _rows(shop, select(Product.status)))
    assert statuses["ACTIVE"] >= 200
    assert statuses["DRAFT"] > 0
    categories = await _rows(shop, select(Category.id, Category.parent_id))
    assert len(categories) >= 8
    assert any(c.parent_id is not None for c in categories)
    used = {r.category_id for r in await _rows(shop, select(Product.category_id))}
    assert len(used) >= 8 and None not in used


async def test_every_product_has_one_to_five_variants_and_consistent_denormalised_columns(
        shop: Database, settings: Settings) -> None:
    variants: dict[int, list[Any]] = defaultdict(list)
    for v in await _rows(shop, select(ProductVariant).order_by(
            ProductVariant.product_id, ProductVariant.position, ProductVariant.id)):
        variants[v.product_id].append(v)
    products = await _rows(shop, select(Product.id, Product.name, Product.min_price,
                                        Product.max_price, Product.search_text,
                                        Product.currency))
    for p in products:
        own = variants[p.id]
        assert 1 <= len(own) <= 5, p.name
        prices = [v.price_amount for v in own]
        assert (p.min_price, p.max_price) == (min(prices), max(prices)), p.name
        assert p.search_text == " ".join([p.name, *(v.sku for v in own)]).lower()
        assert p.currency == settings.currency
        assert all(v.currency == settings.currency for v in own)
        assert all(v.compare_at_amount is None or v.compare_at_amount > v.price_amount
                   for v in own)
    barcodes = [v.barcode for own in variants.values() for v in own if v.barcode]
    assert len(barcodes) == len(set(barcodes))


async def test_stock_includes_sold_out_low_and_untracked_variants(shop: Database) -> None:
    tracked = {r.id: r.track_inventory for r in await _rows(
        shop, select(ProductVariant.id, ProductVariant.track_inventory))}
    available: Counter[int] = Counter()
    for s in await _rows(shop, select(Stock.variant_id, Stock.quantity, Stock.allocated)):
        available[s.variant_id] += s.quantity - s.allocated
    levels = [available[vid] for vid, is_tracked in tracked.items() if is_tracked]
    assert any(level == 0 for level in levels)
    assert any(1 <= level <= 3 for level in levels)
    assert sum(level > 3 for level in levels) > len(levels) / 2
    assert any(not is_tracked for is_tracked in tracked.values())
    warehouses = {r.warehouse_id for r in await _rows(shop, select(Stock.warehouse_id))}
    assert len(warehouses) == 2


async def test_products_have_images_and_the_sale_collection_has_discounts(
        shop: Database) -> None:
    images = Counter(r.product_id for r in await _rows(
        shop, select(ProductImage.product_id, ProductImage.url)))
    product_ids = [r.id for r in await _rows(shop, select(Product.id))]
    assert all(1 <= images[pid] <= 3 for pid in product_ids)
    urls = await _rows(shop, select(ProductImage.url, ProductImage.alt))
    assert all(u.url.startswith("https://") and u.alt for u in urls)
    on_sale = await _rows(shop, select(ProductVariant.compare_at_amount).join(
        CollectionProduct, CollectionProduct.product_id == ProductVariant.product_id).join(
        Collection, Collection.id == CollectionProduct.collection_id).where(
        Collection.slug == "summer-sale"))
    assert on_sale and all(r.compare_at_amount is not None for r in on_sale)
    slugs = {r.slug for r in await _rows(shop, select(Collection.slug))}
    assert {"summer-sale", "new-arrivals", "best-sellers"} <= slugs


@pytest.mark.parametrize(("email", "password", "staff"), [
    ("admin@example.com", "admin12345", True),
    ("customer@example.com", "customer12345", False),
])
async def test_the_demo_logins_exist_with_their_passwords(
        shop: Database, email: str, password: str, staff: bool) -> None:
    rows = await _rows(shop, select(User).where(User.email == email))
    assert len(rows) == 1
    user = rows[0]
    assert verify_password(user.password_hash, password)
    assert (user.is_staff, user.is_superuser) == (staff, staff)


def test_the_order_history_plan_is_the_same_every_time() -> None:
    candidates = _candidates(plan_shop("USD", 7))
    first, second = plan_orders(candidates, 9, 5000), plan_orders(candidates, 9, 5000)
    assert first == second
    assert 30 <= len(first) <= 60
    methods = Counter(o.payment_method for o in first if o.fate == "PAID")
    assert methods["CARD"] >= 5 and methods["BANK_TRANSFER"] + methods["CASH_ON_DELIVERY"] >= 10
    assert [o.fate for o in first].count("REVIEW") == len(REVIEWS)
    assert sum(o.refund > 0 for o in first) == 1
    assert [o.days_ago for o in first] == sorted((o.days_ago for o in first), reverse=True)


def test_demo_cards_are_the_same_for_a_shopper_and_differ_between_shoppers() -> None:
    card = demo_card("maria.garcia@example.com", "US")
    assert card == demo_card("maria.garcia@example.com", "US")
    assert card.fingerprint != demo_card("james.wilson@example.com", "US").fingerprint
    assert len(card.last4) == 4 and card.brand and 1 <= (card.exp_month or 0) <= 12


async def test_zones_cover_the_us_canada_the_uk_and_the_eu_with_standard_and_express(
        shop: Database) -> None:
    zones = await _rows(shop, select(ShippingZone.id, ShippingZone.countries))
    methods = await _rows(shop, select(ShippingMethod))
    bands = Counter(r.method_id for r in await _rows(shop, select(ShippingRate.method_id)))
    served: dict[str, set[str]] = defaultdict(set)
    for zone in zones:
        for country in zone.countries:
            served[country] |= {m.name for m in methods if m.zone_id == zone.id}
    for country in ("US", "CA", "GB", *EU):
        assert served[country] == {"Standard", "Express"}, country
    assert len(EU) == 27
    assert all(bands[m.id] >= 2 for m in methods)  # priced by weight band
    assert all(m.free_over is not None for m in methods if m.name == "Standard")
    assert all(m.min_delivery_days <= m.max_delivery_days for m in methods)


async def test_tax_rates_cover_the_same_countries_and_us_shipping_is_not_taxed(
        shop: Database) -> None:
    rates = {(r.country_code, r.country_area): r for r in await _rows(shop, select(TaxRate))}
    assert (rates["GB", ""].rate_bp, rates["DE", ""].rate_bp, rates["FR", ""].rate_bp,
            rates["CA", ""].rate_bp) == (2000, 1900, 2000, 500)
    assert all((country, "") in rates for country in EU)
    assert sum(1 for c, a in rates if c == "CA" and a) >= 3
    us = [r for (c, a), r in rates.items() if c == "US"]
    assert len(us) >= 3 and all(r.country_area and not r.applies_to_shipping for r in us)


async def test_discount_codes_include_live_and_expired_ones_counted_by_their_orders(
        shop: Database) -> None:
    codes = {r.code: r for r in await _rows(shop, select(DiscountCode))}
    assert (codes["WELCOME10"].kind, codes["WELCOME10"].value) == ("PERCENTAGE", 1000)
    assert codes["FREESHIP"].kind == "FREE_SHIPPING"
    assert (codes["SUMMER5"].kind, codes["SUMMER5"].value) == ("FIXED_AMOUNT", 500)
    now = utcnow()
    assert any(c.ends_at is not None and c.ends_at < now for c in codes.values())
    # A canceled order gave its use back.
    uses = Counter(r.discount_code for r in await _rows(
        shop, select(Order.discount_code).where(Order.status != "CANCELED")) if r.discount_code)
    assert uses and all(codes[code].times_used == n for code, n in uses.items())
    usages = await _rows(shop, select(func.count()).select_from(DiscountUsage))
    assert usages[0][0] == sum(uses.values())


async def test_an_order_history_in_several_states_over_the_last_weeks(shop: Database) -> None:
    orders = await _rows(shop, select(Order))
    assert 30 <= len(orders) <= 60
    states = Counter((o.status, o.payment_status) for o in orders)
    assert states["CANCELED", "NOT_PAID"] and states["OPEN", "PAID"] and \
        states["OPEN", "NOT_PAID"] and any(s == "ON_HOLD" for s, _ in states)
    assert {o.payment_method for o in orders} == {"BANK_TRANSFER", "CASH_ON_DELIVERY", "CARD"}
    assert len({o.shipping_address["country_code"] for o in orders}) >= 5
    days = {(utcnow() - o.created_at).days for o in orders}
    assert max(days) >= 30 and min(days) <= 7
    numbers = [int(o.number) for o in sorted(orders, key=lambda o: o.created_at)]
    assert numbers == sorted(numbers)
    customer = (await _rows(shop, select(User.id).where(
        User.email == "customer@example.com")))[0].id
    assert any(o.user_id == customer for o in orders)
    assert all(o.total > 0 for o in orders)
    assert any(o.tax > 0 for o in orders) and any(o.discount > 0 for o in orders)


async def test_allocated_stock_is_exactly_what_open_orders_hold_and_the_journal_balances(
        shop: Database) -> None:
    stocks = await _rows(shop, select(Stock.id, Stock.quantity, Stock.allocated))
    held: Counter[int] = Counter()
    for row in await _rows(shop, select(OrderAllocation.stock_id, OrderAllocation.quantity)
                           .join(OrderLine, OrderLine.id == OrderAllocation.order_line_id)
                           .join(Order, Order.id == OrderLine.order_id)
                           .where(Order.status.in_(["OPEN", "ON_HOLD"]))):
        held[row.stock_id] += row.quantity
    journal = {r.stock_id: r for r in await _rows(shop, select(
        StockMovement.stock_id, func.sum(StockMovement.quantity_delta).label("q"),
        func.sum(StockMovement.allocated_delta).label("a")).group_by(StockMovement.stock_id))}
    assert sum(held.values()) > 0
    for stock in stocks:
        assert stock.allocated == held[stock.id]
        if stock.quantity or stock.allocated:
            assert (int(journal[stock.id].q), int(journal[stock.id].a)) == \
                (stock.quantity, stock.allocated)


async def test_every_demo_address_and_tax_region_is_valid_and_already_normalised(
        shop: Database) -> None:
    """The seed writes rows directly; they must be what the address rules would store, or
    the demo's taxes (matched on the area's key) would silently differ from a real cart's."""
    stored = [*(await _rows(shop, select(Order.shipping_address))),
              *(await _rows(shop, select(Order.billing_address)))]
    addresses = [AddressData(**row[0]) for row in stored]
    addresses += [AddressData(**{k: v for k, v in CUSTOMER_ADDRESS.items()
                                 if not k.startswith("is_")})]
    assert {a.country_code for a in addresses} >= {"US", "CA", "GB", "DE"}
    for address in addresses:
        problems = Problems()
        assert clean_address(address, problems) == address, address
        assert not problems, (address, problems.items)
    for rate in await _rows(shop, select(TaxRate.country_code, TaxRate.country_area)):
        assert match_area(rate.country_code, rate.country_area) == rate.country_area


async def test_paid_orders_show_card_payments_through_stripe_and_manual_ones(
        shop: Database) -> None:
    payments = await _rows(shop, select(Payment))
    orders = {o.id: o for o in await _rows(shop, select(Order))}
    cards = [p for p in payments if p.gateway == "stripe"]
    manual = [p for p in payments if p.gateway == "manual"]
    assert len(cards) >= 5 and len(manual) >= 10
    keys = {t.idempotency_key: t for t in await _rows(shop, select(PaymentTransaction))}
    for p in cards:
        # As a captured Stripe payment leaves it: the intent, the card (never its number),
        # the capture keyed by the intent, the order paying by card.
        assert p.method == "CARD" and p.psp_reference.startswith("pi_demo_")
        assert p.status in ("CAPTURED", "PARTIALLY_REFUNDED")
        assert p.card_brand and len(p.card_last4) == 4 and p.card_exp_month and \
            p.card_exp_year and len(p.card_fingerprint) == 16 and p.cvc_check == "pass"
        assert p.intent_key == f"commerce-payment-{p.id}-create" and p.cart_id is not None
        capture = keys[f"stripe:{p.psp_reference}:capture"]
        assert (capture.kind, capture.status, capture.amount, capture.order_id) == \
            ("CAPTURE", "SUCCESS", p.amount, p.order_id)
        assert orders[p.order_id].payment_method == "CARD"
        assert p.amount == orders[p.order_id].total
    refunded = [p for p in cards if p.status == "PARTIALLY_REFUNDED"]
    assert len(refunded) == 1
    refund = keys[f"stripe:re_demo_{refunded[0].psp_reference.removeprefix('pi_demo_')}"]
    assert refund.kind == "REFUND" and 0 < refund.amount < refunded[0].amount
    assert orders[refunded[0].order_id].payment_status == "PARTIALLY_REFUNDED"
    assert all(p.method in ("BANK_TRANSFER", "CASH_ON_DELIVERY") for p in manual)
    # The returns desk refunded three returned items through their manual payments.
    statuses = Counter(p.status for p in manual)
    assert statuses["PARTIALLY_REFUNDED"] == 3
    assert statuses["CAPTURED"] == len(manual) - 3
    # Cash on delivery paid in two instalments: two orders halfway, one paid off.
    by_order = Counter(p.order_id for p in manual)
    halfway = [o for o in orders.values() if o.payment_status == "PARTIALLY_PAID"]
    assert len(halfway) == 2 and all(
        o.payment_method == "CASH_ON_DELIVERY" and by_order[o.id] == 1 and
        0 < o.amount_paid < o.total for o in halfway)
    assert any(orders[oid].payment_status == "PAID" and n == 2 for oid, n in by_order.items())


async def test_every_order_amount_paid_is_what_its_transactions_add_up_to(
        shop: Database) -> None:
    async with shop.transaction() as session:
        for order in (await session.scalars(select(Order))).all():
            totals = rules.totals(await movements(session, order_id=order.id))
            assert order.amount_paid == totals.paid, order.number
            assert order.payment_status == \
                rules.order_payment_status(order.total, totals).value, order.number
            if order.status == "CANCELED":
                assert totals.captured == 0


async def test_payments_are_dated_with_their_orders_not_all_now(shop: Database) -> None:
    orders = {o.id: o for o in await _rows(shop, select(Order))}
    now = utcnow()
    for table in (Payment, PaymentTransaction):
        rows = await _rows(shop, select(table))
        for row in rows:
            placed = orders[row.order_id].created_at
            assert placed <= row.created_at <= now, (table.__name__, row.id)
        days = {(now - row.created_at).days for row in rows}
        assert max(days) >= 30 and min(days) <= 7
    # Each order's history reads in order: placed first, then each later step.
    events = await _rows(shop, select(OrderEvent).order_by(OrderEvent.id))
    for event in events:
        assert orders[event.order_id].created_at <= event.created_at <= now
    assert all(a.created_at <= b.created_at for a, b in pairwise(events)
               if a.order_id == b.order_id)


async def test_a_few_recent_orders_wait_in_the_review_queue_and_no_other_is_flagged(
        shop: Database) -> None:
    reader = shop.reader()
    try:
        queue = await review_queue(reader, first=100, after=None)
    finally:
        await reader.close()
    assert 3 <= len(queue.items) <= 5
    assert {r.email for r in queue.items} == {s.email for s in REVIEW_SHOPPERS}
    assert all(r.status == "ON_HOLD" and (utcnow() - r.created_at).days < 10
               for r in queue.items)
    risks = await _rows(shop, select(OrderRisk.level, OrderRisk.status, OrderRisk.facts,
                                     Order.email).join(Order, Order.id == OrderRisk.order_id))
    held = [r for r in risks if r.level != "LOW"]
    # Screened by the real rules: MEDIUM, with the facts staff would read.
    assert {r.email for r in held} == {s.email for s in REVIEW_SHOPPERS}
    for risk in held:
        assert (risk.level, risk.status) == ("MEDIUM", "IN_REVIEW")
        negative = [f["description"] for f in risk.facts if f["sentiment"] == "NEGATIVE"]
        assert any("disposable" in d for d in negative) and len(negative) >= 2
    # Every other order (shoppers repeat; card orders carry Stripe's checks) passed as LOW.
    orders = await _rows(shop, select(Order.id, Order.email))
    assert len(risks) == len(orders)
    assert sum(r.level == "LOW" for r in risks) == len(orders) - len(held)
