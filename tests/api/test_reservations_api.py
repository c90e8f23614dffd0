"""Every place that shows available stock subtracts live reservations of other carts, and
shows the units again when the reservation lapses (no sweeper: only the clock moves)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from commerce.accounts.permissions import Permission
from commerce.db.database import Database
from commerce.inventory.allocation import Demand
from commerce.inventory.reservations import reserve
from commerce.shared import clock
from commerce.shared.ids import encode_id
from tests.factories import create_staff
from tests.integration.test_reservations import _cart_id
from tests.order_factories import make_cart, make_shop, make_variant

GQL = Any
HOLD = timedelta(minutes=15)

SHOPPER_VIEW = """query($sku: String!, $cart: ID!, $other: ID!) {
  productVariant(sku: $sku) { quantityAvailable inStock }
  inStock: products(first: 10, filter: {inStock: true}) { nodes { name } }
  cart(id: $cart) { warnings { code quantityAvailable } }
  other: cart(id: $other) { warnings { code quantityAvailable } } }"""

STAFF_VIEW = """query($sku: String!) {
  productVariant(sku: $sku) { stocks { quantity allocated reserved available } }
  lowStockVariants(threshold: 1) { nodes { sku } } }"""


async def _view(gql: GQL, sku: str, cart: str, other: str, staff: str
                ) -> tuple[dict[str, Any], dict[str, Any]]:
    shopper = (await gql(SHOPPER_VIEW, {"sku": sku, "cart": encode_id("Cart", cart),
                                        "other": encode_id("Cart", other)}))["data"]
    inventory = (await gql(STAFF_VIEW, {"sku": sku}, token=staff))["data"]
    return shopper, inventory


async def test_availability_drops_while_reserved_and_comes_back_on_lapse(
        db: Database, gql: GQL, monkeypatch: pytest.MonkeyPatch) -> None:
    shop = await make_shop(db)
    await make_variant(db, shop, stock=3, sku="MUG")
    variant = await make_variant(db, shop, stock=3, sku="TEA")
    holder = await make_cart(db, shop, {variant: 3}, email="holder@example.com")
    other = await make_cart(db, shop, {variant: 1}, email="other@example.com")
    staff = await create_staff(db, [Permission.MANAGE_INVENTORY, Permission.MANAGE_CATALOG])
    now = clock.utcnow()
    holder_id = await _cart_id(db, holder)
    async with db.transaction() as s:
        await reserve(s, holder_id, [Demand(variant, 3)], now=now,
                      expires_at=now + HOLD)

    shopper, inventory = await _view(gql, "TEA", holder, other, staff)

    assert shopper["productVariant"] == {"quantityAvailable": 0, "inStock": False}
    assert [p["name"] for p in shopper["inStock"]["nodes"]] == ["Product MUG"]
    assert shopper["cart"]["warnings"] == []  # the holder's own units are its to take
    assert shopper["other"]["warnings"] == [{"code": "OUT_OF_STOCK", "quantityAvailable": 0}]
    assert inventory["productVariant"]["stocks"] == [
        {"quantity": 3, "allocated": 0, "reserved": 3, "available": 0}]
    assert inventory["lowStockVariants"]["nodes"] == [{"sku": "TEA"}]

    later = now + HOLD
    monkeypatch.setattr(clock, "utcnow", lambda: later)  # the hold has lapsed; nothing swept
    shopper, inventory = await _view(gql, "TEA", holder, other, staff)

    assert shopper["productVariant"] == {"quantityAvailable": 3, "inStock": True}
    assert sorted(p["name"] for p in shopper["inStock"]["nodes"]) == ["Product MUG",
                                                                       "Product TEA"]
    assert shopper["other"]["warnings"] == []
    assert inventory["productVariant"]["stocks"] == [
        {"quantity": 3, "allocated": 0, "reserved": 0, "available": 3}]
    assert inventory["lowStockVariants"]["nodes"] == []


async def test_a_partial_reservation_shows_what_is_left(db: Database, gql: GQL) -> None:
    shop = await make_shop(db, warehouses=2)
    variant = await make_variant(db, shop, stock=[2, 3], sku="TEA")
    holder = await make_cart(db, shop, {variant: 4}, email="holder@example.com")
    other = await make_cart(db, shop, {variant: 2}, email="other@example.com")
    staff = await create_staff(db, [Permission.MANAGE_INVENTORY, Permission.MANAGE_CATALOG])
    now: datetime = clock.utcnow()
    holder_id = await _cart_id(db, holder)
    async with db.transaction() as s:
        await reserve(s, holder_id, [Demand(variant, 4)], now=now,
                      expires_at=now + HOLD)

    shopper, inventory = await _view(gql, "TEA", holder, other, staff)

    assert shopper["productVariant"] == {"quantityAvailable": 1, "inStock": True}
    assert shopper["other"]["warnings"] == [
        {"code": "INSUFFICIENT_STOCK", "quantityAvailable": 1}]
    stocks = inventory["productVariant"]["stocks"]
    assert sum(s["reserved"] for s in stocks) == 4
    assert sum(s["available"] for s in stocks) == 1
