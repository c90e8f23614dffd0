"""Returns through HTTP: a customer's request, staff's approve, receive, dispose (restock
moves stock once), refund through the original payment and close; each refusal with its
field; who may do what; and the refund cap under concurrent requests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from commerce.accounts.permissions import Permission
from commerce.db.database import Database
from commerce.db.models import (
    Order,
    OrderLine,
    OrderTrackingEvent,
    PaymentTransaction,
    Stock,
    StockMovement,
)
from commerce.settings import Settings
from commerce.shared.clock import utcnow
from tests.account_helpers import user_with_token
from tests.conftest import GQL
from tests.returns_helpers import (
    APPROVE,
    CANCEL,
    CLOSE,
    CREATE,
    DECLINE,
    DISPOSE,
    RECEIVE,
    REFUND,
    REQUEST,
    Sold,
    line,
    make_final_sale,
    sell,
    set_shipment_dates,
)

pytestmark = pytest.mark.timeout(120)

QUEUE = """query ($status: ReturnStatus) { returns(first: 10, filter: {status: $status}) {
  nodes { number status } pageInfo { hasNextPage } } }"""
MINE = """{ me { returns(first: 10) { nodes { number status lines { sku quantity } } } } }"""
ORDER_RETURNS = """query ($id: ID!) { node(id: $id) { ... on Order { paymentStatus
  returns { number status refundAmount { amount } } } } }"""


async def staff_token(db: Database) -> str:
    _, token = await user_with_token(db, "returns@example.com",
                                     permissions=[Permission.MANAGE_RETURNS])
    return token


async def run(gql: GQL, query: str, input: dict[str, Any], token: str | None
              ) -> dict[str, Any]:
    body = await gql(query, {"input": input}, token=token)
    payload: dict[str, Any] = next(iter(body["data"].values()))
    return payload


async def request(gql: GQL, sold: Sold, lines: list[dict[str, Any]], **extra: Any
                  ) -> dict[str, Any]:
    return await run(gql, REQUEST, {"orderId": sold.order.id, "lines": lines, **extra},
                     sold.customer)


async def tracking_types(db: Database, order_id: int) -> list[str]:
    async with db.transaction() as s:
        return list((await s.execute(
            select(OrderTrackingEvent.type).where(OrderTrackingEvent.order_id == order_id)
            .order_by(OrderTrackingEvent.version))).scalars())


async def on_hand(db: Database, variant_id: int) -> int:
    async with db.transaction() as s:
        return int((await s.execute(select(func.sum(Stock.quantity)).where(
            Stock.variant_id == variant_id))).scalar_one())


async def refunds(db: Database, order_id: int) -> list[tuple[int, str]]:
    async with db.transaction() as s:
        return [(r.amount, r.status) for r in (await s.execute(
            select(PaymentTransaction.amount, PaymentTransaction.status)
            .where(PaymentTransaction.order_id == order_id,
                   PaymentTransaction.kind == "REFUND")
            .order_by(PaymentTransaction.id))).all()]


async def test_a_return_from_request_to_refund(db: Database, settings: Settings,
                                               gql: GQL) -> None:
    sold = await sell(db, settings)
    staff = await staff_token(db)
    got = await request(gql, sold, [line(sold.line_a, 2, "SIZE_TOO_SMALL", "too tight")],
                        photoUrls=["https://example.com/a.jpg"])
    assert got["errors"] == []
    ret = got["return"]
    assert (ret["number"], ret["status"]) == (f"{sold.order.number}-R1", "REQUESTED")
    assert ret["lines"][0]["reason"] == "SIZE_TOO_SMALL"
    assert ret["lines"][0]["note"] == "too tight"
    rid = ret["id"]

    approved = await run(gql, APPROVE, {"returnId": rid, "instructions": "Use the label.",
                                        "returnShippingFee": "2.00",
                                        "restockingFeePercent": "10"}, staff)
    assert approved["errors"] == []
    assert approved["return"]["status"] == "OPEN"
    assert approved["return"]["instructions"] == "Use the label."
    assert approved["return"]["returnShippingFee"]["amount"] == "2.00"

    received = await run(gql, RECEIVE, {"returnId": rid, "lines": [
        {"orderLineId": sold.line_a, "quantity": 2}]}, staff)
    assert received["return"]["lines"][0]["quantityReceived"] == 2

    before = await on_hand(db, sold.a)
    disposed = await run(gql, DISPOSE, {"returnId": rid, "lines": [
        {"orderLineId": sold.line_a, "quantity": 1, "disposition": "RESTOCK",
         "warehouseId": sold.warehouse},
        {"orderLineId": sold.line_a, "quantity": 1, "disposition": "DAMAGED"}]}, staff)
    assert disposed["errors"] == []
    assert disposed["return"]["lines"][0]["quantityRestocked"] == 1
    assert disposed["return"]["lines"][0]["quantityDamaged"] == 1
    assert await on_hand(db, sold.a) == before + 1
    async with db.transaction() as s:
        journal = (await s.execute(select(StockMovement.quantity_delta, StockMovement.order_id)
                                   .where(StockMovement.variant_id == sold.a,
                                          StockMovement.reason == "RETURN"))).all()
    assert [(j.quantity_delta, j.order_id) for j in journal] == [(1, sold.order.pk)]
    # Nothing more to dispose of: the next unit is refused and stock stays put.
    again = await run(gql, DISPOSE, {"returnId": rid, "lines": [
        {"orderLineId": sold.line_a, "quantity": 1, "disposition": "RESTOCK",
         "warehouseId": sold.warehouse}]}, staff)
    assert [e["field"] for e in again["errors"]] == [["lines", "0", "quantity"]]
    assert await on_hand(db, sold.a) == before + 1

    refunded = await run(gql, REFUND, {"returnId": rid}, staff)
    assert refunded["errors"] == []
    # 2 x 10.00, minus 10 % restocking, minus 2.00 return shipping.
    assert refunded["return"]["refundAmount"]["amount"] == "16.00"
    assert refunded["return"]["refundStatus"] == "DONE"
    assert refunded["return"]["lines"][0]["refundAmount"]["amount"] == "20.00"
    assert await refunds(db, sold.order.pk) == [(1600, "SUCCESS")]
    types = await tracking_types(db, sold.order.pk)
    assert types.count("RETURN_REQUESTED") == 1
    assert types.count("RETURN_APPROVED") == 1
    assert types.count("RETURN_RECEIVED") == 1
    assert types.count("REFUNDED") == 1  # recorded once, by the payments path

    twice = await run(gql, REFUND, {"returnId": rid}, staff)
    assert twice["errors"][0]["code"] == "INVALID_STATE"
    assert await refunds(db, sold.order.pk) == [(1600, "SUCCESS")]

    closed = await run(gql, CLOSE, {"returnId": rid}, staff)
    assert closed["return"]["status"] == "CLOSED"
    assert closed["return"]["closedAt"] is not None

    order = (await gql(ORDER_RETURNS, {"id": sold.order.id}, token=sold.customer))["data"]
    assert order["node"]["paymentStatus"] == "PARTIALLY_REFUNDED"
    assert order["node"]["returns"] == [{"number": f"{sold.order.number}-R1",
                                         "status": "CLOSED",
                                         "refundAmount": {"amount": "16.00"}}]
    mine = (await gql(MINE, token=sold.customer))["data"]["me"]["returns"]["nodes"]
    assert [r["status"] for r in mine] == ["CLOSED"]
    queue = (await gql(QUEUE, {"status": "CLOSED"}, token=staff))["data"]["returns"]
    assert [r["number"] for r in queue["nodes"]] == [f"{sold.order.number}-R1"]
    assert (await gql(QUEUE, {"status": "OPEN"}, token=staff))["data"]["returns"][
        "nodes"] == []


async def test_each_refusal_names_its_field(db: Database, settings: Settings,
                                            gql: GQL) -> None:
    sold = await sell(db, settings, ship_b=False)
    got = await request(gql, sold, [line(sold.line_a, 4), line(sold.line_b, 1)])
    assert got["return"] is None
    assert {(e["code"], tuple(e["field"])) for e in got["errors"]} == {
        ("INVALID", ("lines", "0", "quantity")),  # 3 shipped
        ("INVALID", ("lines", "1", "orderLineId")),  # never shipped
    }
    assert "never shipped" in got["errors"][1]["message"]

    ok = await request(gql, sold, [line(sold.line_a, 3)])
    assert ok["errors"] == []
    already = await request(gql, sold, [line(sold.line_a, 1)])
    assert [(e["field"], "already returned" in e["message"]) for e in already["errors"]] == [
        (["lines", "0", "orderLineId"], True)]

    other = await sell(db, settings, email="bo@example.com", shop=sold.shop)
    await make_final_sale(db, other.b)
    final = await request(gql, other, [line(other.line_b, 1)])
    assert final["errors"][0]["field"] == ["lines", "0", "orderLineId"]
    assert "final sale" in final["errors"][0]["message"]

    # Delivered 31 days ago: outside the 30-day window. Never delivered, shipped 10 days
    # ago: the window counts from shipping, still open.
    await set_shipment_dates(db, other.order.pk, shipped_at=utcnow() - timedelta(days=40),
                             delivered_at=utcnow() - timedelta(days=31))
    late = await request(gql, other, [line(other.line_a, 1)])
    assert late["errors"][0]["field"] == ["lines", "0", "orderLineId"]
    assert "window has ended" in late["errors"][0]["message"]
    await set_shipment_dates(db, other.order.pk, shipped_at=utcnow() - timedelta(days=10),
                             delivered_at=None)
    assert (await request(gql, other, [line(other.line_a, 1)]))["errors"] == []

    bad = await request(gql, other, [line(other.line_a, 1)], photoUrls=["ftp://x"])
    assert bad["errors"][0]["field"] == ["photoUrls", "0"]


async def test_who_may_do_what(db: Database, settings: Settings, gql: GQL) -> None:
    sold = await sell(db, settings)
    _, stranger = await user_with_token(db, "eve@example.com")
    theirs = await run(gql, REQUEST, {"orderId": sold.order.id,
                                      "lines": [line(sold.line_a, 1)]}, stranger)
    assert [(e["code"], e["field"]) for e in theirs["errors"]] == [("NOT_FOUND", ["orderId"])]
    wrong_token = await run(gql, REQUEST, {"orderId": sold.order.id, "orderToken": "nope",
                                           "lines": [line(sold.line_a, 1)]}, None)
    assert wrong_token["errors"][0]["code"] == "NOT_FOUND"
    guest = await run(gql, REQUEST, {"orderId": sold.order.id, "orderToken": sold.order.token,
                                     "lines": [line(sold.line_a, 1)]}, None)
    assert guest["errors"] == []
    rid = guest["return"]["id"]

    body = await gql(APPROVE, {"input": {"returnId": rid}}, token=sold.customer,
                     expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await gql(CREATE, {"input": {"orderId": sold.order.id,
                                        "lines": [line(sold.line_a, 1)]}},
                     token=sold.customer, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await gql(QUEUE, {"status": None}, token=sold.customer, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # Another customer cannot read the return through node() either.
    node = await gql("query ($id: ID!) { node(id: $id) { ... on Return { number } } }",
                     {"id": rid}, token=stranger)
    assert node["data"]["node"] is None
    mine = await gql("query ($id: ID!) { node(id: $id) { ... on Return { number } } }",
                     {"id": rid}, token=sold.customer)
    assert mine["data"]["node"]["number"] == f"{sold.order.number}-R1"


async def test_decline_cancel_and_staff_create(db: Database, settings: Settings,
                                               gql: GQL) -> None:
    sold = await sell(db, settings)
    staff = await staff_token(db)
    first = (await request(gql, sold, [line(sold.line_a, 3)]))["return"]["id"]
    declined = await run(gql, DECLINE, {"returnId": first, "reason": "OTHER",
                                        "note": "worn"}, staff)
    assert (declined["return"]["status"], declined["return"]["declineReason"],
            declined["return"]["declineNote"]) == ("DECLINED", "OTHER", "worn")
    assert (await run(gql, APPROVE, {"returnId": first}, staff))["errors"][0]["code"] == (
        "INVALID_STATE")
    # A declined return gives its units back; staff may waive the window.
    await set_shipment_dates(db, sold.order.pk, shipped_at=utcnow() - timedelta(days=90),
                             delivered_at=utcnow() - timedelta(days=80))
    assert (await request(gql, sold, [line(sold.line_a, 1)]))["errors"][0]["field"] == [
        "lines", "0", "orderLineId"]
    opened = await run(gql, CREATE, {"orderId": sold.order.id,
                                     "lines": [line(sold.line_a, 2)],
                                     "instructions": "Courier picks up Monday.",
                                     "returnShippingFee": "0", "restockingFeePercent": "5"},
                       staff)
    assert opened["return"]["status"] == "OPEN"
    assert opened["return"]["instructions"] == "Courier picks up Monday."
    assert opened["return"]["restockingFeePercent"] == "5"
    bad = await run(gql, CREATE, {"orderId": sold.order.id, "lines": [line(sold.line_a, 1)],
                                  "restockingFeePercent": "101"}, staff)
    assert bad["errors"][0]["field"] == ["restockingFeePercent"]
    rid = opened["return"]["id"]
    await run(gql, RECEIVE, {"returnId": rid, "lines": [
        {"orderLineId": sold.line_a, "quantity": 1}]}, staff)
    over = await run(gql, RECEIVE, {"returnId": rid, "lines": [
        {"orderLineId": sold.line_a, "quantity": 2}]}, staff)
    assert over["errors"][0]["field"] == ["lines", "0", "quantity"]
    late = await run(gql, CANCEL, {"returnId": rid}, staff)
    assert late["errors"][0]["code"] == "INVALID_STATE"
    fresh = await run(gql, CREATE, {"orderId": sold.order.id,
                                    "lines": [line(sold.line_a, 1)]}, staff)
    canceled = await run(gql, CANCEL, {"returnId": fresh["return"]["id"]}, staff)
    assert canceled["return"]["status"] == "CANCELED"


async def test_a_line_returned_in_parts_refunds_exactly_its_total(
        db: Database, settings: Settings, gql: GQL) -> None:
    sold = await sell(db, settings, tax_bp=825)  # 3 x 10.00 + 8.25 % tax
    staff = await staff_token(db)
    async with db.transaction() as s:
        total = (await s.execute(select(OrderLine.total).where(
            OrderLine.id == sold.line_a_pk))).scalar_one()
    amounts = []
    for units in (1, 1, 1):
        rid = (await run(gql, CREATE, {"orderId": sold.order.id,
                                       "lines": [line(sold.line_a, units)]},
                         staff))["return"]["id"]
        got = await run(gql, REFUND, {"returnId": rid}, staff)
        assert got["errors"] == []
        amounts.append(got["return"]["lines"][0]["refundAmount"]["amount"])
    assert sum(int(a.replace(".", "")) for a in amounts) == total
    assert [a for a, _ in await refunds(db, sold.order.pk)] == [
        int(a.replace(".", "")) for a in amounts]


async def test_concurrent_refunds_of_a_return_refund_it_once(
        db: Database, settings: Settings, gql: GQL) -> None:
    sold = await sell(db, settings)  # 3 x 10.00 + 25.00 + 5.00 shipping = 60.00 paid
    staff = await staff_token(db)
    rid = (await run(gql, CREATE, {"orderId": sold.order.id,
                                   "lines": [line(sold.line_a, 2)]}, staff))["return"]["id"]
    # Less than was paid: only the return's own claim (not the payment's cap) stops a
    # second refund of the same return.
    results = await asyncio.gather(*[run(gql, REFUND, {"returnId": rid}, staff)
                                     for _ in range(4)])
    assert any(not r["errors"] for r in results), results
    assert await refunds(db, sold.order.pk) == [(2000, "SUCCESS")]
    # Shipping is refunded once per order, even when two returns ask for it at once.
    both = [(await run(gql, CREATE, {"orderId": sold.order.id, "lines": [line(ol, 1)]},
                       staff))["return"]["id"] for ol in (sold.line_b, sold.line_a)]
    got = await asyncio.gather(*[run(gql, REFUND, {"returnId": r, "refundShipping": True},
                                     staff) for r in both])
    assert [r["errors"] for r in got] == [[], []]
    assert sorted(r["return"]["refundShipping"]["amount"] for r in got) == ["0.00", "5.00"]
    assert sorted(await refunds(db, sold.order.pk)) == sorted(
        [(2000, "SUCCESS"), (2500 + (500 if got[0]["return"]["refundShipping"]["amount"]
                                     == "5.00" else 0), "SUCCESS"),
         (1000 + (500 if got[1]["return"]["refundShipping"]["amount"] == "5.00" else 0),
          "SUCCESS")])
    async with db.transaction() as s:
        status = (await s.execute(select(Order.payment_status).where(
            Order.id == sold.order.pk))).scalar_one()
    assert status == "REFUNDED"


async def test_concurrent_requests_cannot_return_a_unit_twice(
        db: Database, settings: Settings, gql: GQL) -> None:
    sold = await sell(db, settings)
    results = await asyncio.gather(*[request(gql, sold, [line(sold.line_a, 2)])
                                     for _ in range(3)])
    assert sum(1 for r in results if not r["errors"]) == 1


PAGE = """query ($first: Int) { returns(first: $first) { nodes { number status
  refundAmount { amount } lines { sku quantity orderLine { sku } }
  order { number returns { number } } } } }"""


async def test_the_queue_reads_in_constant_statements(
        db: Database, settings: Settings, gql: GQL,
        count_statements: Callable[[], Any]) -> None:
    staff = await staff_token(db)
    shop = None
    for i in range(4):
        sold = await sell(db, settings, email=f"c{i}@example.com", shop=shop)
        shop = sold.shop
        for order_line in (sold.line_a, sold.line_b):
            await run(gql, CREATE, {"orderId": sold.order.id,
                                    "lines": [line(order_line, 1)]}, staff)
    # The staff reading the queue may also read orders (lines and Order.returns).
    _, reader = await user_with_token(db, "lead@example.com", permissions=[
        Permission.MANAGE_RETURNS, Permission.MANAGE_ORDERS])
    counts = []
    for first in (2, 8):
        with count_statements() as counter:
            body = await gql(PAGE, {"first": first}, token=reader)
        assert len(body["data"]["returns"]["nodes"]) == first
        assert all(n["order"] is not None for n in body["data"]["returns"]["nodes"])
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


async def test_concurrent_restocks_move_stock_once_each(db: Database, settings: Settings,
                                                        gql: GQL) -> None:
    sold = await sell(db, settings)
    staff = await staff_token(db)
    rid = (await run(gql, CREATE, {"orderId": sold.order.id,
                                   "lines": [line(sold.line_a, 3)]}, staff))["return"]["id"]
    await run(gql, RECEIVE, {"returnId": rid, "lines": [
        {"orderLineId": sold.line_a, "quantity": 2}]}, staff)
    before = await on_hand(db, sold.a)
    restock = {"returnId": rid, "lines": [{"orderLineId": sold.line_a, "quantity": 1,
                                           "disposition": "RESTOCK",
                                           "warehouseId": sold.warehouse}]}
    results = await asyncio.gather(*[run(gql, DISPOSE, restock, staff) for _ in range(4)])
    # Two units were received: two restocks pass, the others are refused with their field.
    assert sum(1 for r in results if not r["errors"]) == 2
    assert all(r["errors"][0]["field"] == ["lines", "0", "quantity"]
               for r in results if r["errors"])
    assert await on_hand(db, sold.a) == before + 2
    async with db.transaction() as s:
        journal = (await s.execute(
            select(StockMovement.quantity_delta, StockMovement.quantity_after)
            .where(StockMovement.variant_id == sold.a, StockMovement.reason == "RETURN")
            .order_by(StockMovement.id))).all()
    assert [(j.quantity_delta, j.quantity_after) for j in journal] == [
        (1, before + 1), (1, before + 2)]


async def test_the_queue_pages_by_keyset_and_filters_by_status(
        db: Database, settings: Settings, gql: GQL) -> None:
    sold = await sell(db, settings, qty_a=5)
    staff = await staff_token(db)
    for _ in range(5):
        await request(gql, sold, [line(sold.line_a, 1)])
    ids = [r["number"] for r in (await gql(QUEUE, {"status": "REQUESTED"}, token=staff))[
        "data"]["returns"]["nodes"]]
    assert ids == [f"{sold.order.number}-R{n}" for n in range(1, 6)]
    page = """query ($after: String) { returns(first: 2, after: $after) {
      nodes { number } pageInfo { hasNextPage endCursor } } }"""
    seen: list[str] = []
    after = None
    while True:
        got = (await gql(page, {"after": after}, token=staff))["data"]["returns"]
        seen += [n["number"] for n in got["nodes"]]
        if not got["pageInfo"]["hasNextPage"]:
            break
        after = got["pageInfo"]["endCursor"]
    assert seen == ids
    bad = await gql(page, {"after": "nonsense"}, token=staff, expect_errors=True)
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_ARGUMENT"


async def test_a_discounted_taxed_line_refunds_its_shares_of_discount_and_tax(
        db: Database, settings: Settings, gql: GQL) -> None:
    sold = await sell(db, settings, tax_bp=825, discount_bp=1000)  # 10 % off, 8.25 % tax
    staff = await staff_token(db)
    async with db.transaction() as s:
        order_line = (await s.execute(select(OrderLine).where(
            OrderLine.id == sold.line_a_pk))).scalar_one()
    assert order_line.discount > 0 and order_line.tax > 0
    refunded = []
    for units in (2, 1):
        rid = (await run(gql, CREATE, {"orderId": sold.order.id,
                                       "lines": [line(sold.line_a, units)]},
                         staff))["return"]["id"]
        got = await run(gql, REFUND, {"returnId": rid}, staff)
        assert got["errors"] == []
        refunded.append(got["return"]["lines"][0])

    def minor(money: dict[str, str]) -> int:
        return int(money["amount"].replace(".", ""))
    assert sum(minor(r["refundAmount"]) for r in refunded) == order_line.total
    assert sum(minor(r["refundTax"]) for r in refunded) == order_line.tax
    # 2 of 3 units: two thirds of the line's total, rounded half away from zero.
    assert minor(refunded[0]["refundAmount"]) == (2 * order_line.total * 2 + 3) // 6
