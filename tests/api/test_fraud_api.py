"""Fraud review through HTTP: MEDIUM orders in the queue, approve/reject, HIGH at checkout,
the blocklist, and who may see or do what."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select, update

from commerce.accounts.permissions import Permission
from commerce.db.database import Database
from commerce.db.models import Cart, Order, OrderEvent
from commerce.shared.ids import decode_int_id, encode_id
from tests.account_helpers import user_with_token
from tests.conftest import GQL
from tests.order_factories import Shop, make_cart, make_shop, make_variant, stock_of

pytestmark = pytest.mark.timeout(120)

COMPLETE = """mutation ($input: CheckoutCompleteInput!) { checkoutComplete(input: $input) {
  order { id status } errors { code message field } } }"""
RISK = """risk { score level status note decidedAt decidedBy { email }
  facts { description sentiment } }"""
ORDER = f"query ($id: ID!) {{ order(id: $id) {{ id status {RISK} }} }}"
BY_TOKEN = f"query ($t: String!) {{ orderByToken(token: $t) {{ id {RISK} }} }}"
QUEUE = """query ($first: Int, $after: String) { fraudReviewQueue(first: $first, after: $after) {
  nodes { id status risk { level status } } pageInfo { hasNextPage endCursor } } }"""
APPROVE = """mutation ($input: OrderRiskApproveInput!) { orderRiskApprove(input: $input) {
  order { id status events { type message } risk { status note decidedBy { email } } }
  errors { code message field } } }"""
REJECT = """mutation ($input: OrderRiskRejectInput!) { orderRiskReject(input: $input) {
  order { id status risk { status } } errors { code message field } } }"""
RELEASE = """mutation ($input: OrderReleaseInput!) { orderRelease(input: $input) {
  errors { code message } } }"""
ADD = """mutation ($input: BlocklistEntryAddInput!) { blocklistEntryAdd(input: $input) {
  entry { id kind value note createdBy { email } } errors { code message field } } }"""
REMOVE = """mutation ($input: BlocklistEntryRemoveInput!) { blocklistEntryRemove(input: $input) {
  removedId errors { code message field } } }"""
ENTRIES = """query ($kind: BlocklistKind, $after: String) {
  blocklistEntries(first: 2, kind: $kind, after: $after) {
  nodes { kind value } pageInfo { hasNextPage endCursor } } }"""


async def checkout(db: Database, gql: GQL, shop: Shop, variant: int, *,
                   email: str = "eve@example.com", user_id: int | None = None,
                   quantity: int = 1, token: str | None = None) -> dict[str, Any]:
    cart = await make_cart(db, shop, {variant: quantity}, email=email)
    if user_id is not None:
        async with db.transaction() as s:
            await s.execute(update(Cart).where(Cart.token == cart).values(user_id=user_id))
    body = await gql(COMPLETE, {"input": {"cartId": encode_id("Cart", cart)}}, token=token)
    payload: dict[str, Any] = body["data"]["checkoutComplete"]
    payload["cart_token"] = cart
    return payload


async def velocity_heavy(db: Database, gql: GQL, shop: Shop, variant: int, *,
                         held: int = 1, user_id: int | None = None,
                         token: str | None = None) -> list[str]:
    """Three LOW orders from one e-mail, address and client address in a few seconds, then
    ``held`` more: those score 55 (e-mail 20 + client address 20 + shipping address 15),
    MEDIUM with the default thresholds. Returns the held orders' IDs."""
    for _ in range(3):
        placed = await checkout(db, gql, shop, variant)
        assert placed["order"]["status"] == "OPEN", placed
    ids = []
    for _ in range(held):
        placed = await checkout(db, gql, shop, variant, user_id=user_id, token=token)
        # The shopper sees a placed order, nothing about a review.
        assert placed["errors"] == [] and placed["order"]["status"] == "ON_HOLD"
        ids.append(placed["order"]["id"])
    return ids


async def staff_token(db: Database) -> str:
    _, token = await user_with_token(db, "fraud@example.com",
                                     permissions=[Permission.MANAGE_ORDERS])
    return token


async def test_a_medium_order_waits_in_the_queue_and_approving_it_reopens_it_once(
        db: Database, gql: GQL) -> None:
    shop = await make_shop(db)
    mug = await make_variant(db, shop, stock=20)
    [held] = await velocity_heavy(db, gql, shop, mug)
    staff = await staff_token(db)

    queue = (await gql(QUEUE, {"first": 10}, token=staff))["data"]["fraudReviewQueue"]
    assert [(n["id"], n["status"], n["risk"]) for n in queue["nodes"]] == [
        (held, "ON_HOLD", {"level": "MEDIUM", "status": "IN_REVIEW"})]
    risk = (await gql(ORDER, {"id": held}, token=staff))["data"]["order"]["risk"]
    assert (risk["score"], risk["level"], risk["decidedBy"]) == (55, "MEDIUM", None)
    assert {f["sentiment"] for f in risk["facts"]} >= {"NEGATIVE"}
    assert any("client IP address" in f["description"] for f in risk["facts"])

    # Releasing the hold would skip the review.
    released = (await gql(RELEASE, {"input": {"id": held}}, token=staff))["data"]
    assert released["orderRelease"]["errors"][0]["code"] == "INVALID_STATE"

    approved = (await gql(APPROVE, {"input": {"orderId": held, "note": "Called the buyer"}},
                          token=staff))["data"]["orderRiskApprove"]
    assert approved["errors"] == []
    order = approved["order"]
    assert (order["status"], order["risk"]) == ("OPEN", {
        "status": "APPROVED", "note": "Called the buyer",
        "decidedBy": {"email": "fraud@example.com"}})
    assert [e["type"] for e in order["events"]] == ["PLACED", "RISK_HELD", "RISK_APPROVED"]
    assert (await gql(QUEUE, {}, token=staff))["data"]["fraudReviewQueue"]["nodes"] == []

    for mutation, name in ((APPROVE, "orderRiskApprove"), (REJECT, "orderRiskReject")):
        again = (await gql(mutation, {"input": {"orderId": held}}, token=staff))["data"][name]
        assert again["order"] is None
        assert again["errors"] == [{"code": "INVALID_STATE", "field": ["orderId"],
                                    "message": "this order is not in fraud review: its risk "
                                               "is already APPROVED"}]
    status = (await gql(ORDER, {"id": held}, token=staff))["data"]["order"]["status"]
    assert status == "OPEN"


async def test_rejecting_cancels_with_stock_released_once_even_when_sent_five_times_at_once(
        db: Database, gql: GQL) -> None:
    shop = await make_shop(db)
    mug = await make_variant(db, shop, stock=20)
    [held] = await velocity_heavy(db, gql, shop, mug)
    staff = await staff_token(db)
    assert await stock_of(db, mug) == (20, 4)

    results = await asyncio.gather(*(
        gql(REJECT, {"input": {"orderId": held, "note": "stolen card"}}, token=staff)
        for _ in range(5)))
    payloads = [r["data"]["orderRiskReject"] for r in results]
    assert sum(p["errors"] == [] for p in payloads) == 1
    assert sorted(p["errors"][0]["code"] for p in payloads if p["errors"]) == [
        "INVALID_STATE"] * 4
    done = next(p for p in payloads if not p["errors"])["order"]
    assert (done["status"], done["risk"]) == ("CANCELED", {"status": "REJECTED"})
    assert await stock_of(db, mug) == (20, 3)
    async with db.transaction() as s:
        kinds = (await s.execute(select(OrderEvent.type, func.count()).where(
            OrderEvent.order_id == decode_int_id(held, "Order"))
            .group_by(OrderEvent.type))).all()
    assert dict(kinds) == {"PLACED": 1, "RISK_HELD": 1, "RISK_REJECTED": 1, "CANCELED": 1}
    assert (await gql(QUEUE, {}, token=staff))["data"]["fraudReviewQueue"]["nodes"] == []


async def test_the_queue_pages_oldest_first(db: Database, gql: GQL) -> None:
    shop = await make_shop(db)
    mug = await make_variant(db, shop, stock=20)
    held = await velocity_heavy(db, gql, shop, mug, held=3)
    staff = await staff_token(db)
    first = (await gql(QUEUE, {"first": 2}, token=staff))["data"]["fraudReviewQueue"]
    assert [n["id"] for n in first["nodes"]] == held[:2] and first["pageInfo"]["hasNextPage"]
    rest = (await gql(QUEUE, {"first": 2, "after": first["pageInfo"]["endCursor"]},
                      token=staff))["data"]["fraudReviewQueue"]
    assert [n["id"] for n in rest["nodes"]] == held[2:]
    assert not rest["pageInfo"]["hasNextPage"]


async def test_a_high_risk_checkout_gets_a_neutral_error_and_its_order_and_stock_are_undone(
        db: Database, gql: GQL) -> None:
    shop = await make_shop(db)
    mug = await make_variant(db, shop, stock=5)
    staff = await staff_token(db)
    added = (await gql(ADD, {"input": {"kind": "DOMAIN", "value": "@Shady.Example.",
                                       "note": "chargebacks"}}, token=staff))["data"]
    assert added["blocklistEntryAdd"]["entry"]["value"] == "shady.example"

    placed = await checkout(db, gql, shop, mug, email="eve@mail.shady.example", quantity=2)
    expected = {"order": None, "errors": [{
        "code": "ORDER_NOT_ACCEPTED", "field": None,
        "message": "We could not accept this order. Any payment has been returned. "
                   "Please contact the shop."}]}
    assert {k: placed[k] for k in ("order", "errors")} == expected
    assert await stock_of(db, mug) == (5, 0)
    async with db.transaction() as s:
        status = (await s.execute(select(Order.status))).scalar_one()
    assert status == "CANCELED"
    # Completing the same cart again says the same, and cancels nothing twice.
    again = await gql(COMPLETE, {"input": {"cartId": encode_id("Cart", placed["cart_token"])}})
    assert again["data"]["checkoutComplete"] == expected
    assert await stock_of(db, mug) == (5, 0)


async def test_customers_never_see_the_risk_nor_reach_the_queue_or_the_mutations(
        db: Database, gql: GQL) -> None:
    shop = await make_shop(db)
    mug = await make_variant(db, shop, stock=20)
    customer_id, customer = await user_with_token(db, "eve@example.com")
    [held] = await velocity_heavy(db, gql, shop, mug, user_id=customer_id, token=customer)

    own = (await gql(ORDER, {"id": held}, token=customer))["data"]["order"]
    assert own == {"id": held, "status": "ON_HOLD", "risk": None}
    async with db.transaction() as s:
        token = (await s.execute(select(Order.token).where(
            Order.user_id == customer_id))).scalar_one()
    assert (await gql(BY_TOKEN, {"t": token}))["data"]["orderByToken"]["risk"] is None

    _, payments_staff = await user_with_token(db, "cashier@example.com",
                                              permissions=[Permission.MANAGE_PAYMENTS])
    for token_ in (customer, payments_staff, None):
        for document, variables in (
                (QUEUE, {}), (ENTRIES, {}),
                (APPROVE, {"input": {"orderId": held}}),
                (REJECT, {"input": {"orderId": held}}),
                (ADD, {"input": {"kind": "EMAIL", "value": "a@b.example"}}),
                (REMOVE, {"input": {"id": encode_id("BlocklistEntry", 1)}})):
            body = await gql(document, variables, token=token_, expect_errors=True)
            assert body["errors"][0]["extensions"]["code"] in {"FORBIDDEN", "UNAUTHENTICATED"}
    staff = await staff_token(db)
    risk = (await gql(ORDER, {"id": held}, token=staff))["data"]["order"]["risk"]
    assert risk["status"] == "IN_REVIEW"


@pytest.mark.parametrize(("kind", "value", "stored"), [
    ("EMAIL", " Eve@Example.COM ", "eve@example.com"),
    ("DOMAIN", "*.Bücher.example", "xn--bcher-kva.example"),
    ("CLIENT_ADDRESS", "2001:DB8:0:0::1", "2001:db8::1"),
    ("CARD_FINGERPRINT", "Xy12AbCd", "Xy12AbCd"),
])
async def test_blocklist_values_are_normalised_and_a_second_add_is_a_duplicate(
        db: Database, gql: GQL, kind: str, value: str, stored: str) -> None:
    staff = await staff_token(db)
    add = {"input": {"kind": kind, "value": value, "note": "seen in chargebacks"}}
    entry = (await gql(ADD, add, token=staff))["data"]["blocklistEntryAdd"]
    assert entry["errors"] == []
    assert (entry["entry"]["kind"], entry["entry"]["value"],
            entry["entry"]["createdBy"]) == (kind, stored, {"email": "fraud@example.com"})
    again = (await gql(ADD, add, token=staff))["data"]["blocklistEntryAdd"]
    assert (again["entry"], again["errors"][0]["code"], again["errors"][0]["field"]) == (
        None, "DUPLICATE", ["value"])


async def test_concurrent_adds_of_one_value_list_it_once(db: Database, gql: GQL) -> None:
    staff = await staff_token(db)
    add = {"input": {"kind": "EMAIL", "value": "eve@example.com"}}
    results = await asyncio.gather(*(gql(ADD, add, token=staff) for _ in range(6)))
    codes = [r["data"]["blocklistEntryAdd"]["errors"] for r in results]
    assert sum(c == [] for c in codes) == 1
    assert all(c[0]["code"] == "DUPLICATE" for c in codes if c)


@pytest.mark.parametrize(("kind", "value"), [
    ("EMAIL", "not-an-address"), ("DOMAIN", "com"), ("DOMAIN", "bad_domain.example"),
    ("DOMAIN", "-x.example"), ("CLIENT_ADDRESS", "10.0.0.0/8"), ("CLIENT_ADDRESS", "999.1.1.1"),
    ("CARD_FINGERPRINT", "fp with spaces"), ("EMAIL", "  "),
])
async def test_invalid_blocklist_values_are_refused_on_the_value_field(
        db: Database, gql: GQL, kind: str, value: str) -> None:
    staff = await staff_token(db)
    payload = (await gql(ADD, {"input": {"kind": kind, "value": value}}, token=staff)
               )["data"]["blocklistEntryAdd"]
    assert payload["entry"] is None
    assert payload["errors"][0]["code"] in {"INVALID", "REQUIRED"}
    assert payload["errors"][0]["field"] == ["value"]


async def test_blocklist_lists_by_kind_newest_first_and_removes(db: Database, gql: GQL) -> None:
    staff = await staff_token(db)
    ids = []
    for kind, value in (("EMAIL", "a@x.example"), ("DOMAIN", "x.example"),
                        ("EMAIL", "b@x.example"), ("EMAIL", "c@x.example")):
        body = await gql(ADD, {"input": {"kind": kind, "value": value}}, token=staff)
        ids.append(body["data"]["blocklistEntryAdd"]["entry"]["id"])
    page = (await gql(ENTRIES, {"kind": "EMAIL"}, token=staff))["data"]["blocklistEntries"]
    assert [n["value"] for n in page["nodes"]] == ["c@x.example", "b@x.example"]
    rest = (await gql(ENTRIES, {"kind": "EMAIL", "after": page["pageInfo"]["endCursor"]},
                      token=staff))["data"]["blocklistEntries"]
    assert [n["value"] for n in rest["nodes"]] == ["a@x.example"]

    removed = (await gql(REMOVE, {"input": {"id": ids[1]}}, token=staff))["data"]
    assert removed["blocklistEntryRemove"] == {"removedId": ids[1], "errors": []}
    gone = (await gql(REMOVE, {"input": {"id": ids[1]}}, token=staff))["data"]
    assert gone["blocklistEntryRemove"]["errors"][0]["code"] == "NOT_FOUND"
    everything = (await gql(ENTRIES, {}, token=staff))["data"]["blocklistEntries"]
    assert "x.example" not in [n["value"] for n in everything["nodes"]]
