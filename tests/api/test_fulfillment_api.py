"""The warehouse through HTTP: pick list, scan, pack, ship (stock leaves once), cancel, who
may, what blocks it, and the packing slip link."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from commerce.accounts.permissions import Permission
from commerce.db.database import Database
from commerce.db.models import (
    OrderAllocation,
    OrderLine,
    OrderTrackingEvent,
    StockMovement,
)
from commerce.settings import Settings
from commerce.shared.ids import encode_id
from tests.account_helpers import user_with_token
from tests.conftest import GQL
from tests.order_api_helpers import Placed, place_order, set_order
from tests.order_factories import journal_balances, make_shop, make_variant, stock_of

pytestmark = pytest.mark.timeout(120)

FULFILLMENT = """fulfillment { id number status packingSlipUrl warehouse { code }
  lines { sku quantity quantityPicked orderLine { sku quantityFulfilled } }
  packages { weightGrams lengthCm widthCm heightCm }
  shipment { carrier trackingNumber trackingUrl status promisedDate }
  createdAt packedAt shippedAt canceledAt }
errors { code message field }"""
CREATE = ("mutation ($input: FulfillmentCreateInput!) { fulfillmentCreate(input: $input) { "
          + FULFILLMENT + " } }")
SCAN = ("mutation ($input: FulfillmentItemScanInput!) { fulfillmentItemScan(input: $input) { "
        + FULFILLMENT + " } }")
PACK = ("mutation ($input: FulfillmentPackInput!) { fulfillmentPack(input: $input) { "
        + FULFILLMENT + " } }")
SHIP = ("mutation ($input: ShipmentCreateInput!) { shipmentCreate(input: $input) { "
        "captureError shipment { id carrier } " + FULFILLMENT + " } }")
CANCEL = ("mutation ($input: FulfillmentCancelInput!) { fulfillmentCancel(input: $input) { "
          + FULFILLMENT + " } }")
ORDER = """query ($id: ID!) { node(id: $id) { ... on Order { fulfillmentStatus
  lines { sku quantityFulfilled }
  fulfillments { number status lines { sku quantity quantityPicked }
                 packages { weightGrams } shipment { trackingNumber } warehouse { code } } } } }"""
PARCEL = {"weightGrams": 1200, "lengthCm": 30, "widthCm": 20, "heightCm": 10}


@dataclass
class Setup:
    order: Placed
    staff: str
    warehouse: str
    warehouse_pks: list[int]
    a: int  # variant ids
    b: int
    sku_a: str
    sku_b: str


async def setup(db: Database, settings: Settings, *, paid: bool = True,
                warehouses: int = 1, stock_a: int | list[int] = 10) -> Setup:
    shop = await make_shop(db, warehouses=warehouses)
    a = await make_variant(db, shop, stock=stock_a, price=1000, sku="MUG-RED")
    b = await make_variant(db, shop, stock=5, price=2500, sku="TEE-M")
    order = await place_order(db, settings, shop, {a: 2, b: 1})
    if paid:
        await set_order(db, order.pk, payment_status="PAID")
    _, staff = await user_with_token(db, "picker@example.com",
                                     permissions=[Permission.MANAGE_FULFILLMENT])
    return Setup(order, staff, encode_id("Warehouse", shop.warehouse_ids[0]),
                 shop.warehouse_ids, a, b, "MUG-RED", "TEE-M")


async def create(gql: GQL, s: Setup, lines: list[dict[str, Any]] | None = None,
                 warehouse: str | None = None) -> dict[str, Any]:
    body = await gql(CREATE, {"input": {"orderId": s.order.id,
                                        "warehouseId": warehouse or s.warehouse,
                                        "lines": lines or []}}, token=s.staff)
    result: dict[str, Any] = body["data"]["fulfillmentCreate"]
    return result


async def scan(gql: GQL, s: Setup, fid: str, barcode: str, quantity: int = 1
               ) -> dict[str, Any]:
    body = await gql(SCAN, {"input": {"fulfillmentId": fid, "barcode": barcode,
                                      "quantity": quantity}}, token=s.staff)
    result: dict[str, Any] = body["data"]["fulfillmentItemScan"]
    return result


async def pack(gql: GQL, s: Setup, fid: str) -> dict[str, Any]:
    body = await gql(PACK, {"input": {"fulfillmentId": fid, "packages": [PARCEL]}},
                     token=s.staff)
    result: dict[str, Any] = body["data"]["fulfillmentPack"]
    return result


def ship_input(fid: str, number: str = "1Z999AA10123456784") -> dict[str, Any]:
    return {"input": {"fulfillmentId": fid, "carrier": "UPS", "service": "Ground",
                      "trackingNumber": number}}


async def ship(gql: GQL, s: Setup, fid: str, number: str = "1Z999AA10123456784"
               ) -> dict[str, Any]:
    body = await gql(SHIP, ship_input(fid, number), token=s.staff)
    result: dict[str, Any] = body["data"]["shipmentCreate"]
    return result


async def picked_and_packed(gql: GQL, s: Setup, lines: list[dict[str, Any]] | None = None
                            ) -> str:
    created = await create(gql, s, lines)
    assert created["errors"] == []
    fid: str = created["fulfillment"]["id"]
    for line in created["fulfillment"]["lines"]:
        assert (await scan(gql, s, fid, line["sku"], line["quantity"]))["errors"] == []
    assert (await pack(gql, s, fid))["errors"] == []
    return fid


WAREHOUSE_STEPS = ("PICKING", "PACKED", "SHIPPED")


async def tracking_types(db: Database, order_id: int) -> list[str]:
    """The order's warehouse steps in its tracking log, in version order (checkout's own
    entries, such as PLACED, are left out: other code writes them)."""
    async with db.transaction() as session:
        return [t for t in (await session.execute(
            select(OrderTrackingEvent.type).where(OrderTrackingEvent.order_id == order_id)
            .order_by(OrderTrackingEvent.version))).scalars() if t in WAREHOUSE_STEPS]


async def shipment_movements(db: Database) -> list[tuple[str, int, int, int, int]]:
    async with db.transaction() as session:
        return [(r.sku, r.quantity_delta, r.allocated_delta, r.quantity_after,
                 r.allocated_after) for r in (await session.execute(
                     select(StockMovement).where(StockMovement.reason == "SHIPMENT")
                     .order_by(StockMovement.id))).scalars()]


async def test_pick_scan_pack_ship_moves_stock_once(
        db: Database, settings: Settings, gql: GQL, client: httpx.AsyncClient) -> None:
    s = await setup(db, settings)
    assert await stock_of(db, s.a) == (10, 2)

    created = await create(gql, s)
    assert created["errors"] == []
    f = created["fulfillment"]
    fid = f["id"]
    assert (f["number"], f["status"], f["warehouse"]) == (f"{s.order.number}-1", "PICKING",
                                                          {"code": "WH0"})
    assert [(ln["sku"], ln["quantity"], ln["quantityPicked"]) for ln in f["lines"]] == [
        ("MUG-RED", 2, 0), ("TEE-M", 1, 0)]

    wrong = await scan(gql, s, fid, "SOCK-9")
    assert [(e["code"], e["field"]) for e in wrong["errors"]] == [("WRONG_ITEM", ["barcode"])]
    assert (await scan(gql, s, fid, "MUG-RED\n"))["errors"] == []  # scanners end with \n
    not_yet = await pack(gql, s, fid)
    assert not_yet["errors"][0]["code"] == "INVALID_STATE"
    assert "MUG-RED 1 of 2" in not_yet["errors"][0]["message"]
    over = await scan(gql, s, fid, "MUG-RED", 2)
    assert [e["code"] for e in over["errors"]] == ["OVER_PICK"]
    done = await scan(gql, s, fid, "MUG-RED")
    assert (await scan(gql, s, fid, "MUG-RED"))["errors"][0]["code"] == "OVER_PICK"
    assert [ln["quantityPicked"] for ln in done["fulfillment"]["lines"]] == [2, 0]
    assert (await scan(gql, s, fid, "TEE-M"))["errors"] == []

    packed = await pack(gql, s, fid)
    assert packed["errors"] == []
    assert packed["fulfillment"]["status"] == "PACKED"
    assert packed["fulfillment"]["packages"] == [PARCEL]
    assert (await scan(gql, s, fid, "TEE-M"))["errors"][0]["code"] == "INVALID_STATE"
    assert await stock_of(db, s.a) == (10, 2)  # nothing moves before shipping

    bad = await ship(gql, s, fid, "not a number!")
    assert [(e["code"], e["field"]) for e in bad["errors"]] == [
        ("INVALID", ["trackingNumber"])]
    shipped = await ship(gql, s, fid, "1z 999 aa1 0123456784")
    assert shipped["errors"] == [] and shipped["captureError"] is None
    f = shipped["fulfillment"]
    assert f["status"] == "SHIPPED" and f["shippedAt"] is not None
    assert f["shipment"]["trackingNumber"] == "1Z999AA10123456784"
    assert f["shipment"]["trackingUrl"].endswith("1Z999AA10123456784")
    assert f["shipment"]["promisedDate"] is not None  # Standard: 5 business days
    assert [ln["orderLine"]["quantityFulfilled"] for ln in f["lines"]] == [2, 1]

    assert await stock_of(db, s.a) == (8, 0)
    assert await stock_of(db, s.b) == (4, 0)
    assert await shipment_movements(db) == [("MUG-RED", -2, -2, 8, 0), ("TEE-M", -1, -1, 4, 0)]
    assert await journal_balances(db)
    async with db.transaction() as session:
        left = (await session.execute(select(func.count()).select_from(OrderAllocation))
                ).scalar_one()
    assert left == 0
    assert await tracking_types(db, s.order.pk) == ["PICKING", "PACKED", "SHIPPED"]

    again = await ship(gql, s, fid, "1Z999AA10123456795")
    assert again["errors"][0]["code"] == "INVALID_STATE"
    assert await stock_of(db, s.a) == (8, 0)
    # MANAGE_FULFILLMENT alone does not reach orders (their own queries need MANAGE_ORDERS).
    assert (await gql(ORDER, {"id": s.order.id}, token=s.staff))["data"]["node"] is None
    _, manager = await user_with_token(db, "boss@example.com",
                                       permissions=[Permission.MANAGE_ORDERS])
    order = (await gql(ORDER, {"id": s.order.id}, token=manager))["data"]["node"]
    assert order["fulfillmentStatus"] == "FULFILLED"
    assert [(x["number"], x["status"], x["shipment"]) for x in order["fulfillments"]] == [
        (f"{s.order.number}-1", "SHIPPED", {"trackingNumber": "1Z999AA10123456784"})]


async def test_partial_shipments_then_the_rest(db: Database, settings: Settings,
                                               gql: GQL) -> None:
    s = await setup(db, settings)
    line_a = encode_id("OrderLine", await _line_pk(db, s.order.pk, "MUG-RED"))
    first = await picked_and_packed(gql, s, [{"orderLineId": line_a, "quantity": 1}])
    assert (await ship(gql, s, first))["errors"] == []
    assert await stock_of(db, s.a) == (9, 1)
    assert await journal_balances(db)

    rest = await create(gql, s)
    assert [(ln["sku"], ln["quantity"]) for ln in rest["fulfillment"]["lines"]] == [
        ("MUG-RED", 1), ("TEE-M", 1)]
    assert rest["fulfillment"]["number"].endswith("-2")
    _, manager = await user_with_token(db, "boss@example.com",
                                       permissions=[Permission.MANAGE_ORDERS])
    order = (await gql(ORDER, {"id": s.order.id}, token=manager))["data"]["node"]
    assert order["fulfillmentStatus"] == "PARTIALLY_FULFILLED"
    for line in rest["fulfillment"]["lines"]:
        await scan(gql, s, rest["fulfillment"]["id"], line["sku"], line["quantity"])
    await pack(gql, s, rest["fulfillment"]["id"])
    dup = await ship(gql, s, rest["fulfillment"]["id"])  # the first shipment's number
    assert [(e["code"], e["field"]) for e in dup["errors"]] == [
        ("DUPLICATE", ["trackingNumber"])]
    assert (await ship(gql, s, rest["fulfillment"]["id"], "1Z999AA10123456795")
            )["errors"] == []
    order = (await gql(ORDER, {"id": s.order.id}, token=manager))["data"]["node"]
    assert order["fulfillmentStatus"] == "FULFILLED"
    assert await stock_of(db, s.a) == (8, 0)
    assert await stock_of(db, s.b) == (4, 0)
    assert await journal_balances(db)


async def _line_pk(db: Database, order_id: int, sku: str) -> int:
    async with db.transaction() as session:
        return int((await session.execute(select(OrderLine.id).where(
            OrderLine.order_id == order_id, OrderLine.sku == sku))).scalar_one())


async def test_create_checks_lines_and_warehouse(db: Database, settings: Settings,
                                                 gql: GQL) -> None:
    s = await setup(db, settings, warehouses=2, stock_a=[0, 10])  # MUG-RED only in WH1
    line_a = encode_id("OrderLine", await _line_pk(db, s.order.pk, "MUG-RED"))
    other = encode_id("Warehouse", s.warehouse_pks[1])

    too_many = await create(gql, s, [{"orderLineId": line_a, "quantity": 3}], other)
    assert [(e["code"], e["field"]) for e in too_many["errors"]] == [
        ("INSUFFICIENT_STOCK", ["lines", "0", "quantity"])]
    wrong_place = await create(gql, s, [{"orderLineId": line_a, "quantity": 1}])
    assert [e["code"] for e in wrong_place["errors"]] == ["INSUFFICIENT_STOCK"]
    assert "from this warehouse" in wrong_place["errors"][0]["message"]
    unknown = await create(gql, s, [{"orderLineId": encode_id("OrderLine", 999999),
                                     "quantity": 1}])
    assert [(e["code"], e["field"]) for e in unknown["errors"]] == [
        ("NOT_FOUND", ["lines", "0", "orderLineId"])]
    no_house = await create(gql, s, warehouse=encode_id("Warehouse", 999999))
    assert [(e["code"], e["field"]) for e in no_house["errors"]] == [
        ("NOT_FOUND", ["warehouseId"])]
    ok = await create(gql, s, warehouse=other)
    assert [(ln["sku"], ln["quantity"]) for ln in ok["fulfillment"]["lines"]] == [
        ("MUG-RED", 2)]
    rest = await create(gql, s)
    assert [(ln["sku"], ln["quantity"]) for ln in rest["fulfillment"]["lines"]] == [
        ("TEE-M", 1)]


@pytest.mark.parametrize(("change", "allowed"), [
    ({"status": "ON_HOLD", "payment_status": "PAID"}, False),
    ({"status": "CANCELED", "payment_status": "PAID"}, False),
    ({"payment_status": "NOT_PAID"}, False),  # bank transfer: pay first
    ({"payment_status": "PARTIALLY_PAID"}, False),
    ({"payment_status": "AUTHORIZED", "payment_method": "CARD"}, True),
    ({"payment_status": "NOT_PAID", "payment_method": "CASH_ON_DELIVERY"}, True),
    ({"status": "ON_HOLD", "payment_method": "CASH_ON_DELIVERY"}, False),
])
async def test_orders_on_hold_canceled_or_unpaid_are_not_fulfilled(
        db: Database, settings: Settings, gql: GQL, change: dict[str, str],
        allowed: bool) -> None:
    s = await setup(db, settings, paid=False)
    await set_order(db, s.order.pk, **change)
    result = await create(gql, s)
    if allowed:
        assert result["errors"] == []
    else:
        assert [(e["code"], e["field"]) for e in result["errors"]] == [
            ("INVALID_STATE", ["orderId"])]
        assert await tracking_types(db, s.order.pk) == []


async def test_cancel_frees_units_for_another_fulfillment(db: Database, settings: Settings,
                                                          gql: GQL) -> None:
    s = await setup(db, settings)
    first = (await create(gql, s))["fulfillment"]["id"]
    nothing = await create(gql, s)
    assert [e["field"] for e in nothing["errors"]] == [["lines"]]
    canceled = (await gql(CANCEL, {"input": {"fulfillmentId": first}}, token=s.staff)
                )["data"]["fulfillmentCancel"]
    assert canceled["errors"] == []
    assert canceled["fulfillment"]["status"] == "CANCELED"
    assert await stock_of(db, s.a) == (10, 2)  # the allocation is untouched
    again = await create(gql, s)
    assert again["errors"] == [] and again["fulfillment"]["number"].endswith("-2")
    twice = (await gql(CANCEL, {"input": {"fulfillmentId": first}}, token=s.staff)
             )["data"]["fulfillmentCancel"]
    assert twice["errors"][0]["code"] == "INVALID_STATE"
    fid = again["fulfillment"]["id"]
    for line in again["fulfillment"]["lines"]:
        await scan(gql, s, fid, line["sku"], line["quantity"])
    await pack(gql, s, fid)
    assert (await ship(gql, s, fid))["errors"] == []
    shipped = (await gql(CANCEL, {"input": {"fulfillmentId": fid}}, token=s.staff)
               )["data"]["fulfillmentCancel"]
    assert shipped["errors"][0]["code"] == "INVALID_STATE"


async def test_pack_checks_parcels(db: Database, settings: Settings, gql: GQL) -> None:
    s = await setup(db, settings)
    created = await create(gql, s)
    fid = created["fulfillment"]["id"]
    for line in created["fulfillment"]["lines"]:
        await scan(gql, s, fid, line["sku"], line["quantity"])
    none = (await gql(PACK, {"input": {"fulfillmentId": fid, "packages": []}}, token=s.staff)
            )["data"]["fulfillmentPack"]
    assert [e["field"] for e in none["errors"]] == [["packages"]]
    heavy = {**PARCEL, "weightGrams": 70001, "lengthCm": 276, "heightCm": 0}
    bad = (await gql(PACK, {"input": {"fulfillmentId": fid, "packages": [PARCEL, heavy]}},
                     token=s.staff))["data"]["fulfillmentPack"]
    assert [e["field"] for e in bad["errors"]] == [
        ["packages", "1", "weightGrams"], ["packages", "1", "lengthCm"],
        ["packages", "1", "heightCm"]]
    assert (await pack(gql, s, fid))["errors"] == []
    assert (await pack(gql, s, fid))["errors"][0]["code"] == "INVALID_STATE"


async def test_customers_and_other_staff_are_refused(db: Database, settings: Settings,
                                                     gql: GQL) -> None:
    s = await setup(db, settings)
    fid = (await create(gql, s))["fulfillment"]["id"]
    _, customer = await user_with_token(db, "cust@example.com")
    _, orders_only = await user_with_token(db, "clerk@example.com",
                                           permissions=[Permission.MANAGE_ORDERS])
    for token in (customer, orders_only):
        for document, variables in (
                (CREATE, {"input": {"orderId": s.order.id, "warehouseId": s.warehouse}}),
                (SCAN, {"input": {"fulfillmentId": fid, "barcode": "MUG-RED"}}),
                (CANCEL, {"input": {"fulfillmentId": fid}}),
                (SHIP, ship_input(fid))):
            body = await gql(document, variables, token=token, expect_errors=True)
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        node = await gql("query ($id: ID!) { node(id: $id) { id } }", {"id": fid},
                         token=token)
        assert node["data"]["node"] is None
    orders_view = await gql(
        "query ($id: ID!) { node(id: $id) { ... on Order { fulfillments { number "
        "packingSlipUrl } } } }", {"id": s.order.id}, token=orders_only)
    # MANAGE_ORDERS sees the fulfilment but gets no slip link.
    assert orders_view["data"]["node"]["fulfillments"] == [
        {"number": f"{s.order.number}-1", "packingSlipUrl": None}]


async def test_packing_slip_link(db: Database, settings: Settings, gql: GQL,
                                 client: httpx.AsyncClient,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    s = await setup(db, settings)
    f = (await create(gql, s))["fulfillment"]
    url = f["packingSlipUrl"]
    assert url.startswith(f"/fulfillments/{f['id']}/packing-slip.pdf?signature=")
    response = await client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert s.order.number in text and "MUG-RED" in text and "TEE-M" in text

    assert (await client.get(url.replace("signature=", "signature=x"))).status_code == 403
    assert (await client.get(url[:-2] + ("AA" if not url.endswith("AA") else "BB"))
            ).status_code == 403
    assert (await client.get(url.split("?")[0])).status_code == 403
    other = encode_id("Fulfillment", 999999)
    assert (await client.get(url.replace(f["id"], other))).status_code == 403  # not its id

    from commerce.fulfillment.slips import slip_path

    assert (await client.get(slip_path(settings, 999999))).status_code == 404
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - 16 * 60)
    stale = slip_path(settings, int(_pk(f["id"])))
    monkeypatch.setattr(time, "time", real)
    assert (await client.get(stale)).status_code == 403

    _, viewer = await user_with_token(db, "boss@example.com",
                                      permissions=[Permission.MANAGE_ORDERS,
                                                   Permission.MANAGE_FULFILLMENT])
    body = await gql("query ($id: ID!) { fulfillment(id: $id) { packingSlipUrl } }",
                     {"id": f["id"]}, token=viewer)
    assert body["data"]["fulfillment"]["packingSlipUrl"].startswith("/fulfillments/")


def _pk(global_id: str) -> str:
    from commerce.shared.ids import decode_id

    return decode_id(global_id)[1]


async def test_queue_lists_by_status_and_warehouse(db: Database, settings: Settings,
                                                   gql: GQL) -> None:
    s = await setup(db, settings)
    first = (await create(gql, s, [{"orderLineId": encode_id(
        "OrderLine", await _line_pk(db, s.order.pk, "MUG-RED")), "quantity": 1}]))
    second = await create(gql, s)
    await gql(CANCEL, {"input": {"fulfillmentId": first["fulfillment"]["id"]}}, token=s.staff)
    query = """query ($filter: FulfillmentFilter, $after: String) {
      fulfillments(first: 1, filter: $filter, after: $after) {
        nodes { number status } pageInfo { hasNextPage endCursor } } }"""
    page = (await gql(query, {}, token=s.staff))["data"]["fulfillments"]
    assert page["nodes"] == [{"number": first["fulfillment"]["number"], "status": "CANCELED"}]
    page = (await gql(query, {"after": page["pageInfo"]["endCursor"]}, token=s.staff)
            )["data"]["fulfillments"]
    assert page["nodes"] == [{"number": second["fulfillment"]["number"],
                              "status": "PICKING"}]
    assert page["pageInfo"]["hasNextPage"] is False
    picking = (await gql(query, {"filter": {"status": "PICKING", "warehouseId": s.warehouse}},
                         token=s.staff))["data"]["fulfillments"]
    assert [n["status"] for n in picking["nodes"]] == ["PICKING"]


async def test_order_fulfillments_cost_constant_statements(
        db: Database, settings: Settings, gql: GQL,
        count_statements: Callable[[], Any]) -> None:
    s = await setup(db, settings)
    _, manager = await user_with_token(db, "boss@example.com",
                                       permissions=[Permission.MANAGE_ORDERS,
                                                    Permission.MANAGE_INVENTORY])
    line_a = encode_id("OrderLine", await _line_pk(db, s.order.pk, "MUG-RED"))
    await picked_and_packed(gql, s, [{"orderLineId": line_a, "quantity": 1}])

    async def count() -> int:
        with count_statements() as counter:
            body = await gql(ORDER, {"id": s.order.id}, token=manager)
        assert body["data"]["node"]["fulfillments"]
        return int(counter.count)

    one = await count()
    fid = (await create(gql, s))["fulfillment"]["id"]
    await scan(gql, s, fid, "MUG-RED")
    await scan(gql, s, fid, "TEE-M")
    await pack(gql, s, fid)
    assert (await ship(gql, s, fid))["errors"] == []
    await create(gql, s, [])  # nothing left: refused, no third one
    two = await count()
    assert two == one


async def test_lines_that_do_not_track_inventory_ship_without_moving_stock(
        db: Database, settings: Settings, gql: GQL) -> None:
    shop = await make_shop(db)
    tracked = await make_variant(db, shop, stock=5, sku="MUG-RED")
    card = await make_variant(db, shop, stock=[], sku="GIFT-CARD", track=False)
    order = await place_order(db, settings, shop, {tracked: 1, card: 2})
    await set_order(db, order.pk, payment_status="PAID")
    _, staff = await user_with_token(db, "picker@example.com",
                                     permissions=[Permission.MANAGE_FULFILLMENT])
    s = Setup(order, staff, encode_id("Warehouse", shop.warehouse_ids[0]),
              shop.warehouse_ids, tracked, card, "MUG-RED", "GIFT-CARD")
    created = await create(gql, s)
    assert [(ln["sku"], ln["quantity"]) for ln in created["fulfillment"]["lines"]] == [
        ("MUG-RED", 1), ("GIFT-CARD", 2)]
    assert [e["code"] for e in (await create(gql, s))["errors"]] == ["INSUFFICIENT_STOCK"]
    fid = created["fulfillment"]["id"]
    await scan(gql, s, fid, "MUG-RED")
    await scan(gql, s, fid, "GIFT-CARD", 2)
    await pack(gql, s, fid)
    shipped = await ship(gql, s, fid)
    assert shipped["errors"] == []
    assert [ln["orderLine"]["quantityFulfilled"] for ln in shipped["fulfillment"]["lines"]] \
        == [1, 2]
    assert await stock_of(db, tracked) == (4, 0)
    assert await stock_of(db, card) == (0, 0)  # an empty row to name; nothing moved
    assert [m[0] for m in await shipment_movements(db)] == ["MUG-RED"]
    assert await journal_balances(db)


async def test_a_signature_for_another_purpose_is_refused(
        db: Database, settings: Settings, gql: GQL, client: httpx.AsyncClient) -> None:
    from urllib.parse import quote

    from commerce.shared.signing import signer

    s = await setup(db, settings)
    f = (await create(gql, s))["fulfillment"]
    forged = quote(signer(settings, "unsubscribe").sign(_pk(f["id"])), safe="")
    response = await client.get(f"/fulfillments/{f['id']}/packing-slip.pdf?signature={forged}")
    assert response.status_code == 403


async def test_an_order_put_on_hold_after_packing_does_not_ship(
        db: Database, settings: Settings, gql: GQL) -> None:
    s = await setup(db, settings)
    fid = await picked_and_packed(gql, s)
    await set_order(db, s.order.pk, status="ON_HOLD")
    held = await ship(gql, s, fid)
    assert [(e["code"], e["field"]) for e in held["errors"]] == [
        ("INVALID_STATE", ["fulfillmentId"])]
    assert await stock_of(db, s.a) == (10, 2)
    await set_order(db, s.order.pk, status="OPEN")
    released = await ship(gql, s, fid)
    assert released["errors"] == [] and released["fulfillment"]["status"] == "SHIPPED"


async def test_the_customer_does_not_see_the_warehouse(db: Database, settings: Settings,
                                                      gql: GQL) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=5, sku="MUG-RED")
    owner, token = await user_with_token(db, "owner@example.com")
    order = await place_order(db, settings, shop, {variant: 1}, user_id=owner)
    await set_order(db, order.pk, payment_status="PAID")
    _, staff = await user_with_token(db, "picker@example.com",
                                     permissions=[Permission.MANAGE_FULFILLMENT])
    s = Setup(order, staff, encode_id("Warehouse", shop.warehouse_ids[0]),
              shop.warehouse_ids, variant, variant, "MUG-RED", "MUG-RED")
    fid = (await create(gql, s))["fulfillment"]["id"]
    body = await gql("query ($id: ID!) { node(id: $id) { ... on Order { number "
                     "fulfillments { id } } } }", {"id": order.id}, token=token)
    assert body["data"]["node"] == {"number": order.number, "fulfillments": []}
    body = await gql("query ($id: ID!) { fulfillment(id: $id) { id } }", {"id": fid},
                     token=token, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_canceling_the_order_cancels_its_open_pick_lists(
        db: Database, settings: Settings, gql: GQL) -> None:
    s = await setup(db, settings, warehouses=1)
    picking = (await create(gql, s, [{"orderLineId": encode_id(
        "OrderLine", await _line_pk(db, s.order.pk, s.sku_a)), "quantity": 1}]))
    packed = await picked_and_packed(gql, s, [{"orderLineId": encode_id(
        "OrderLine", await _line_pk(db, s.order.pk, s.sku_b)), "quantity": 1}])
    _, admin = await user_with_token(db, "boss@example.com",
                                     permissions=[Permission.MANAGE_ORDERS])
    body = await gql("mutation ($id: ID!) { orderCancel(input: {id: $id}) { "
                     "errors { code } } }", {"id": s.order.id}, token=admin)
    assert body["data"]["orderCancel"]["errors"] == []
    order = (await gql(ORDER, {"id": s.order.id}, token=admin))["data"]["node"]
    assert sorted(f["status"] for f in order["fulfillments"]) == ["CANCELED", "CANCELED"]
    assert await stock_of(db, s.a) == (10, 0)  # the order's allocation went back
    refused = await ship(gql, s, packed)
    assert refused["errors"][0]["code"] == "INVALID_STATE"
    assert picking["errors"] == []
