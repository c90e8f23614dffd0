"""Reading orders through HTTP: by token, a customer's own, the staff listing, visibility."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from commerce.accounts.permissions import Permission
from commerce.db.database import Database
from commerce.orders.service import add_note, cancel_order, mark_as_paid
from commerce.settings import Settings
from commerce.shared.ids import encode_id
from tests.account_helpers import make_user, user_with_token
from tests.conftest import GQL
from tests.order_api_helpers import Placed, place_order, set_order
from tests.order_factories import make_shop, make_variant

pytestmark = pytest.mark.timeout(120)

ORDER_FIELDS = "id number token email status customer { email } events { type message }"
BY_TOKEN = f"query ($token: String!) {{ orderByToken(token: $token) {{ {ORDER_FIELDS} }} }}"
BY_ID = f"query ($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}"
NODE = "query ($id: ID!) { node(id: $id) { id ... on Order { number } } }"
MY_ORDERS = """
query ($first: Int, $after: String) {
  me { orders(first: $first, after: $after) {
    nodes { number token } pageInfo { hasNextPage endCursor } } }
}
"""
LIST = """
query ($first: Int, $after: String, $filter: OrderFilterInput, $sortBy: OrderSortInput) {
  orders(first: $first, after: $after, filter: $filter, sortBy: $sortBy) {
    nodes { number } pageInfo { hasNextPage endCursor }
  }
}
"""


def day(month: int) -> datetime:
    return datetime(2024, month, 1, 12, tzinfo=UTC)


async def numbers(gql: GQL, token: str, *, first: int = 20, after: str | None = None,
                  **arguments: Any) -> tuple[list[str], dict[str, Any]]:
    body = await gql(LIST, {"first": first, "after": after, **arguments}, token=token)
    page = body["data"]["orders"]
    return [n["number"] for n in page["nodes"]], page["pageInfo"]


async def staff_token(db: Database, *permissions: Permission) -> str:
    _, token = await user_with_token(db, "staff@example.com",
                                     permissions=list(permissions) or [Permission.MANAGE_ORDERS])
    return token


# --- a guest, a customer and another customer -------------------------------------------


async def test_a_guest_reads_the_order_by_token_without_staff_details(
        db: Database, settings: Settings, gql: GQL) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop)
    order = await place_order(db, settings, shop, {variant: 1})
    await add_note(db, order.pk, actor_id=None, message="customer sounded unsure")

    read = (await gql(BY_TOKEN, {"token": order.token}))["data"]["orderByToken"]

    assert read["number"] == order.number and read["token"] == order.token
    assert read["customer"] is None
    assert [e["type"] for e in read["events"]] == ["PLACED"]  # internal notes stay internal


async def test_a_customer_reads_their_own_order_but_not_another_customers(
        db: Database, settings: Settings, gql: GQL) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop)
    ann_id, ann = await user_with_token(db, "ann@example.com")
    bob_id = await make_user(db, "bob@example.com")
    anns = await place_order(db, settings, shop, {variant: 1}, user_id=ann_id)
    bobs = await place_order(db, settings, shop, {variant: 1}, user_id=bob_id,
                             email="bob@example.com")

    own = (await gql(BY_ID, {"id": anns.id}, token=ann))["data"]["order"]
    other = (await gql(BY_ID, {"id": bobs.id}, token=ann))["data"]["order"]
    anonymous = (await gql(BY_ID, {"id": anns.id}))["data"]["order"]
    node = (await gql(NODE, {"id": bobs.id}, token=ann))["data"]["node"]
    own_node = (await gql(NODE, {"id": anns.id}, token=ann))["data"]["node"]

    assert own["number"] == anns.number and own["token"] == anns.token
    assert own["customer"] is None  # staff only
    assert other is None and anonymous is None and node is None
    assert own_node == {"id": anns.id, "number": anns.number}


async def test_me_orders_lists_only_my_orders_newest_first_in_pages(
        db: Database, settings: Settings, gql: GQL) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop)
    ann_id, ann = await user_with_token(db, "ann@example.com")
    mine = [await place_order(db, settings, shop, {variant: 1}, user_id=ann_id,
                              created_at=day(m)) for m in (1, 2, 3)]
    await place_order(db, settings, shop, {variant: 1}, email="guest@example.com")

    first = (await gql(MY_ORDERS, {"first": 2}, token=ann))["data"]["me"]["orders"]
    rest = (await gql(MY_ORDERS, {"first": 2, "after": first["pageInfo"]["endCursor"]},
                      token=ann))["data"]["me"]["orders"]

    seen = first["nodes"] + rest["nodes"]
    assert [n["number"] for n in seen] == [o.number for o in reversed(mine)]
    assert [n["token"] for n in seen] == [o.token for o in reversed(mine)]
    assert first["pageInfo"]["hasNextPage"] and not rest["pageInfo"]["hasNextPage"]


async def test_tokens_are_not_shown_to_staff_who_cannot_manage_orders(
        db: Database, settings: Settings, gql: GQL) -> None:
    shop = await make_shop(db)
    ann_id, _ = await user_with_token(db, "ann@example.com")
    await place_order(db, settings, shop, {await make_variant(db, shop): 1}, user_id=ann_id)
    support = await staff_token(db, Permission.MANAGE_CUSTOMERS)
    body = await gql("""query ($id: ID!) { node(id: $id) { ... on User {
        orders { nodes { number token customer { email } } } } } }""",
                     {"id": encode_id("User", ann_id)}, token=support)
    node = body["data"]["node"]
    [order] = node["orders"]["nodes"]
    assert order["token"] is None
    assert order["customer"] == {"email": "ann@example.com"}


# --- the staff listing ------------------------------------------------------------------


async def _five_orders(db: Database, settings: Settings) -> tuple[list[Placed], int]:
    """o1..o5 placed a month apart; totals 15, 35, 25, 55, 45 (1 unit = 10 + 5 shipping)."""
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=100)
    ann_id, _ = await user_with_token(db, "ann@example.com")
    specs = [(1, 1, "ann@example.com", "Ann", "Archer", ann_id),
             (2, 3, "bob@example.com", "Bob", "Stone", None),
             (3, 2, "ann@example.com", "Ann", "Archer", ann_id),
             (4, 5, "carol@example.com", "Carol", "Cole", None),
             (5, 4, "dave@example.com", "Dave", "Dunn", None)]
    orders = [await place_order(db, settings, shop, {variant: qty}, email=email,
                                first_name=first, last_name=last, user_id=user,
                                created_at=day(month))
              for month, qty, email, first, last, user in specs]
    await cancel_order(db, orders[2].pk, actor_id=None)
    await mark_as_paid(db, orders[3].pk, actor_id=None)
    await set_order(db, orders[4].pk, fulfillment_status="FULFILLED")
    return orders, ann_id


async def test_staff_filter_orders_by_each_condition(
        db: Database, settings: Settings, gql: GQL) -> None:
    o, ann_id = await _five_orders(db, settings)
    staff = await staff_token(db)
    n = [x.number for x in o]

    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({}, [n[4], n[3], n[2], n[1], n[0]]),
        ({"status": "CANCELED"}, [n[2]]),
        ({"status": "OPEN"}, [n[4], n[3], n[1], n[0]]),
        ({"paymentStatus": "PAID"}, [n[3]]),
        ({"fulfillmentStatus": "FULFILLED"}, [n[4]]),
        ({"customerId": encode_id("User", ann_id)}, [n[2], n[0]]),
        ({"search": n[1]}, [n[1]]),
        ({"search": "CAROL@"}, [n[3]]),
        ({"search": "stone"}, [n[1]]),
        ({"search": "100%"}, []),  # wildcards are literal
        ({"createdFrom": "2024-02-01T00:00:00Z", "createdTo": "2024-04-01T12:00:00Z"},
         [n[2], n[1]]),
        ({"status": "OPEN", "search": "ann"}, [n[0]]),
    ]
    for flt, expected in cases:
        got, _ = await numbers(gql, staff, filter=flt)
        assert got == expected, flt


@pytest.mark.parametrize(("field", "direction", "positions"), [
    ("CREATED_AT", "DESC", [4, 3, 2, 1, 0]),
    ("CREATED_AT", "ASC", [0, 1, 2, 3, 4]),
    ("NUMBER", "ASC", [0, 1, 2, 3, 4]),
    ("NUMBER", "DESC", [4, 3, 2, 1, 0]),
    ("TOTAL", "ASC", [0, 2, 1, 4, 3]),
    ("TOTAL", "DESC", [3, 4, 1, 2, 0]),
])
async def test_staff_page_through_each_sort_without_gaps_or_repeats(
        db: Database, settings: Settings, gql: GQL, field: str, direction: str,
        positions: list[int]) -> None:
    o, _ = await _five_orders(db, settings)
    staff = await staff_token(db)
    sort = {"field": field, "direction": direction}

    seen: list[str] = []
    after = None
    for _ in range(5):
        page, info = await numbers(gql, staff, first=2, after=after, sortBy=sort)
        seen += page
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]

    assert seen == [o[i].number for i in positions]


async def test_a_cursor_from_another_sort_is_refused(
        db: Database, settings: Settings, gql: GQL) -> None:
    await _five_orders(db, settings)
    staff = await staff_token(db)
    _, info = await numbers(gql, staff, first=2)
    body = await gql(LIST, {"first": 2, "after": info["endCursor"],
                            "sortBy": {"field": "TOTAL"}}, token=staff, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "INVALID_ARGUMENT"


async def test_only_staff_with_manage_orders_list_orders(
        db: Database, settings: Settings, gql: GQL) -> None:
    _, customer = await user_with_token(db, "ann@example.com")
    catalog_staff = await staff_token(db, Permission.MANAGE_CATALOG)
    for token, code in ((None, "UNAUTHENTICATED"), (customer, "FORBIDDEN"),
                        (catalog_staff, "FORBIDDEN")):
        body = await gql(LIST, {}, token=token, expect_errors=True)
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == code


# --- constant statements ----------------------------------------------------------------

FULL_PAGE = """
query ($first: Int) {
  orders(first: $first) {
    edges { node {
      number token total { amount } customer { email }
      shippingAddress { city }
      lines { sku quantity total { amount } variant { sku product { name } } }
      events { type actor { email } amount { amount } }
    } }
  }
}
"""


async def test_an_orders_page_with_lines_and_events_costs_the_same_at_5_and_50(
        db: Database, settings: Settings, gql: GQL,
        count_statements: Callable[[], Any]) -> None:
    shop = await make_shop(db)
    variants = [await make_variant(db, shop, stock=500) for _ in range(3)]
    ann_id, _ = await user_with_token(db, "ann@example.com")
    staff_id, staff = await user_with_token(db, "staff@example.com",
                                            permissions=[Permission.MANAGE_ORDERS])
    for i in range(50):
        placed = await place_order(db, settings, shop, {variants[i % 3]: 1, variants[2]: 2},
                                   user_id=ann_id if i % 2 else None)
        await add_note(db, placed.pk, actor_id=staff_id, message=f"note {i}")

    counts = []
    for first in (5, 50):
        with count_statements() as counter:
            body = await gql(FULL_PAGE, {"first": first}, token=staff)
        edges = body["data"]["orders"]["edges"]
        assert len(edges) == first
        assert all(e["node"]["lines"] and len(e["node"]["events"]) == 2 for e in edges)
        assert any(e["node"]["events"][1]["actor"] == {"email": "staff@example.com"}
                   for e in edges)
        counts.append(counter.count)

    assert counts[0] == counts[1]
    # viewer, orders, lines, events, variants, products, users
    assert counts[0] <= 8
