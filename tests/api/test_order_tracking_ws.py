"""orderTracking and orderEvents over real WebSocket connections (both protocols): every
entry staff cause, in order and without gaps; resuming with sinceVersion; who may follow."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select, update

from commerce.accounts.permissions import Permission
from commerce.db.database import Database
from commerce.db.models import AuthToken, User
from commerce.settings import Settings
from commerce.shared.clock import utcnow
from commerce.shared.ids import encode_id
from tests.account_helpers import user_with_token
from tests.conftest import GQL
from tests.live_server import serve
from tests.order_api_helpers import Placed, place_order
from tests.order_factories import make_shop, make_variant
from tests.tracking_ws import ORDER_EVENTS, TRACKING, connect, error_codes

pytestmark = pytest.mark.timeout(60)

PROTOCOLS = ["graphql-transport-ws", "graphql-ws"]
ERRORS = "errors { code message }"


async def setup(db: Database, settings: Settings, *, more: int = 0
                ) -> tuple[Placed, str, str]:
    """An order owned by a customer; (order, the customer's token, a staff token); ``more``
    guest orders are placed after it."""
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=10)
    owner, customer = await user_with_token(db, "ann@example.com")
    order = await place_order(db, settings, shop, {variant: 2}, user_id=owner)
    for n in range(more):
        await place_order(db, settings, shop, {variant: 1}, email=f"guest{n}@example.com")
    _, staff = await user_with_token(
        db, "staff@example.com",
        permissions=[Permission.MANAGE_ORDERS, Permission.MANAGE_PAYMENTS])
    return order, customer, staff


async def staff_do(gql: GQL, staff: str, name: str, input: dict[str, Any],
                   result: str = "order { id }") -> dict[str, Any]:
    kind = name[0].upper() + name[1:] + "Input"
    body = await gql(f"mutation ($input: {kind}!) {{ {name}(input: $input) "
                     f"{{ {result} {ERRORS} }} }}", {"input": input}, token=staff)
    payload: dict[str, Any] = body["data"][name]
    assert payload["errors"] == [], payload["errors"]
    return payload


async def pay_then_refund(gql: GQL, staff: str, order: Placed) -> None:
    paid = await staff_do(gql, staff, "orderMarkAsPaid", {"id": order.id},
                          "order { payments { id } }")
    payment = paid["order"]["payments"][0]["id"]
    await staff_do(gql, staff, "paymentRefund",
                   {"paymentId": payment, "amount": "1.00", "reason": "scratched",
                    "idempotencyKey": uuid.uuid4().hex})


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_every_staff_change_reaches_the_customer_in_order_without_gaps(
        app: Any, db: Database, settings: Settings, gql: GQL, protocol: str) -> None:
    order, customer, staff = await setup(db, settings)
    async with serve(app) as host, connect(host, protocol, token=customer) as ws:
        await ws.subscribe(TRACKING, {"id": order.id})
        first = await ws.event()
        assert first["orderTracking"] == {"version": 1, "type": "SNAPSHOT", "message": None,
                                          "order": {"id": order.id}}
        await staff_do(gql, staff, "orderHold", {"id": order.id, "reason": "call customer"})
        await staff_do(gql, staff, "orderRelease", {"id": order.id})
        await pay_then_refund(gql, staff, order)
        await staff_do(gql, staff, "orderCancel", {"id": order.id})
        got = await ws.events(6)
    assert got == [(2, "ON_HOLD"), (3, "RELEASED"), (4, "PAYMENT_CONFIRMED"), (5, "REFUNDED"),
                   # canceling a paid manual order records the rest as owed: a refund
                   (6, "REFUNDED"), (7, "CANCELED")]
    log = await gql("query ($id: ID!) { order(id: $id) { trackingEvents { version type "
                    "order { id } shipment { id } } } }", {"id": order.id}, token=customer)
    entries = log["data"]["order"]["trackingEvents"]
    assert [(e["version"], e["type"]) for e in entries] == [(1, "PLACED"), *got]
    assert {e["order"]["id"] for e in entries} == {order.id}


async def test_resuming_with_since_version_replays_exactly_the_missed_entries(
        app: Any, db: Database, settings: Settings, gql: GQL) -> None:
    order, customer, staff = await setup(db, settings)
    async with serve(app) as host:
        async with connect(host, token=customer) as ws:
            await ws.subscribe(TRACKING, {"id": order.id})
            assert await ws.events(1) == [(1, "SNAPSHOT")]
            await staff_do(gql, staff, "orderHold", {"id": order.id})
            assert await ws.events(1) == [(2, "ON_HOLD")]
        # Disconnected: two changes happen meanwhile.
        await staff_do(gql, staff, "orderRelease", {"id": order.id})
        await staff_do(gql, staff, "orderHold", {"id": order.id})
        async with connect(host, token=customer) as ws:
            await ws.subscribe(TRACKING, {"id": order.id, "since": 2})
            assert await ws.events(2) == [(3, "RELEASED"), (4, "ON_HOLD")]
            await staff_do(gql, staff, "orderRelease", {"id": order.id})
            assert await ws.events(1) == [(5, "RELEASED")]
            assert await ws.quiet()
        async with connect(host, token=customer) as ws:  # a version from the future
            await ws.subscribe(TRACKING, {"id": order.id, "since": 99})
            assert await ws.quiet()  # subscribed (no snapshot on a resume)
            await staff_do(gql, staff, "orderHold", {"id": order.id})
            assert await ws.events(1) == [(6, "ON_HOLD")]
        async with connect(host, token=customer) as ws:  # from the start
            await ws.subscribe(TRACKING, {"id": order.id, "since": 0})
            assert await ws.events(6) == [(1, "PLACED"), (2, "ON_HOLD"), (3, "RELEASED"),
                                          (4, "ON_HOLD"), (5, "RELEASED"), (6, "ON_HOLD")]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_another_customer_or_an_unknown_order_is_refused_alike(
        app: Any, db: Database, settings: Settings, protocol: str) -> None:
    order, _, _ = await setup(db, settings)
    _, stranger = await user_with_token(db, "eve@example.com")
    unknown = encode_id("Order", order.pk + 1000)
    async with serve(app) as host:
        for token, order_id in ((stranger, order.id), (stranger, unknown), (None, order.id),
                                (None, "garbage")):
            async with connect(host, protocol, token=token) as ws:
                await ws.subscribe(TRACKING, {"id": order_id})
                refused = await ws.message()
                assert refused["type"] == "error", refused
                assert error_codes(refused) == ["FORBIDDEN"]
                assert "data" not in str(refused["payload"]) or refused["payload"] == []


async def test_a_guest_follows_with_the_order_token_and_a_wrong_token_is_refused(
        app: Any, db: Database, settings: Settings, gql: GQL) -> None:
    order, _, staff = await setup(db, settings)
    async with serve(app) as host:
        async with connect(host, order_token="not-the-token") as ws:
            await ws.subscribe(TRACKING, {"id": order.id})
            assert error_codes(await ws.message()) == ["FORBIDDEN"]
        async with connect(host, order_token=order.token) as ws:
            await ws.subscribe(TRACKING, {"id": order.id})
            assert await ws.events(1) == [(1, "SNAPSHOT")]
            await staff_do(gql, staff, "orderHold", {"id": order.id})
            event = await ws.event()
            assert event["orderTracking"]["order"] == {"id": order.id}
            assert event["orderTracking"]["type"] == "ON_HOLD"


async def test_a_revoked_token_stops_the_stream(
        app: Any, db: Database, settings: Settings, gql: GQL) -> None:
    order, customer, staff = await setup(db, settings)
    async with serve(app) as host, connect(host, token=customer) as ws:
        await ws.subscribe(TRACKING, {"id": order.id})
        assert await ws.events(1) == [(1, "SNAPSHOT")]
        async with db.transaction() as s:
            await s.execute(update(AuthToken).where(AuthToken.user_id.in_(
                select(User.id).where(User.email == "ann@example.com"))
            ).values(revoked_at=utcnow()))
        await staff_do(gql, staff, "orderHold", {"id": order.id})
        stopped = await ws.message()
        assert error_codes(stopped) == ["UNAUTHENTICATED"]
        assert (await ws.message())["type"] == "complete"


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_staff_follow_every_order_filtered_by_status(
        app: Any, db: Database, settings: Settings, gql: GQL, protocol: str) -> None:
    first, customer, staff = await setup(db, settings, more=1)
    second = encode_id("Order", first.pk + 1)
    async with serve(app) as host:
        async with connect(host, protocol, token=customer) as ws:
            await ws.subscribe(ORDER_EVENTS, {"status": None})
            assert error_codes(await ws.message()) == ["FORBIDDEN"]
        async with connect(host, protocol, token=staff) as ws:
            await ws.subscribe(ORDER_EVENTS, {"status": ["ON_HOLD"]})
            await ws.quiet(0.5)  # subscribed first (orderEvents sends no first message)
            await staff_do(gql, staff, "orderHold", {"id": first.id})
            await staff_do(gql, staff, "orderRelease", {"id": first.id})  # OPEN: filtered out
            await staff_do(gql, staff, "orderHold", {"id": second})
            got = [(await ws.event())["orderEvents"] for _ in range(2)]
            assert [(e["order"]["id"], e["version"], e["type"]) for e in got] == [
                (first.id, 2, "ON_HOLD"), (second, 2, "ON_HOLD")]
            assert await ws.quiet()


async def test_tracking_events_of_a_page_of_orders_cost_the_same_statements(
        db: Database, settings: Settings, gql: GQL,
        count_statements: Any) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=100)
    _, staff = await user_with_token(db, "staff@example.com",
                                     permissions=[Permission.MANAGE_ORDERS])
    for n in range(12):
        placed = await place_order(db, settings, shop, {variant: 1}, email=f"c{n}@example.com")
        await staff_do(gql, staff, "orderHold", {"id": placed.id})
    query = ("query ($first: Int) { orders(first: $first) { nodes { trackingEvents { "
             "version type order { id } shipment { id } } } } }")

    async def statements(first: int) -> int:
        with count_statements() as counter:
            body = await gql(query, {"first": first}, token=staff)
        nodes = body["data"]["orders"]["nodes"]
        assert [[e["type"] for e in n["trackingEvents"]] for n in nodes] == \
            [["PLACED", "ON_HOLD"]] * first
        return int(counter.count)

    assert await statements(2) == await statements(12)
