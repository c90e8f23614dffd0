"""Staff order mutations through HTTP: cancel, mark as paid, notes, hold, addresses, who may."""

from __future__ import annotations

from typing import Any

import pytest

from commerce.accounts.permissions import Permission
from commerce.db.database import Database
from commerce.db.models import TaxRate
from commerce.settings import Settings
from commerce.shared.ids import encode_id
from tests.account_helpers import user_with_token
from tests.conftest import GQL
from tests.order_api_helpers import Placed, place_order, set_order
from tests.order_factories import journal_balances, make_shop, make_variant, stock_of

pytestmark = pytest.mark.timeout(120)

RESULT = """
order { id status paymentStatus amountPaid { amount } amountDue { amount } total { amount }
        shippingAddress { firstName lastName city postalCode countryCode }
        billingAddress { firstName }
        events { type message amount { amount } actor { email } } }
errors { code message field }
"""


def mutation(name: str) -> str:
    input_type = name[0].upper() + name[1:] + "Input"
    return f"mutation ($input: {input_type}!) {{ {name}(input: $input) {{ {RESULT} }} }}"


async def run(gql: GQL, name: str, input: dict[str, Any], token: str | None) -> dict[str, Any]:
    body = await gql(mutation(name), {"input": input}, token=token)
    payload: dict[str, Any] = body["data"][name]
    return payload


async def setup(db: Database, settings: Settings, stock: int = 10) -> tuple[Placed, int, str]:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=stock)
    order = await place_order(db, settings, shop, {variant: 3})
    _, staff = await user_with_token(db, "staff@example.com",
                                     permissions=[Permission.MANAGE_ORDERS])
    return order, variant, staff


async def test_canceling_releases_the_stock_and_records_who_and_why(
        db: Database, settings: Settings, gql: GQL) -> None:
    order, variant, staff = await setup(db, settings)
    assert await stock_of(db, variant) == (10, 3)

    payload = await run(gql, "orderCancel", {"id": order.id, "reason": "customer asked"}, staff)

    assert payload["errors"] == []
    assert payload["order"]["status"] == "CANCELED"
    assert [(e["type"], e["message"]) for e in payload["order"]["events"]] == [
        ("PLACED", "Order placed (bank transfer)"), ("CANCELED", "customer asked")]
    assert payload["order"]["events"][1]["actor"] == {"email": "staff@example.com"}
    assert await stock_of(db, variant) == (10, 0)
    assert await journal_balances(db)

    again = await run(gql, "orderCancel", {"id": order.id}, staff)
    assert [e["code"] for e in again["errors"]] == ["INVALID_STATE"]
    assert await stock_of(db, variant) == (10, 0)


async def test_marking_as_paid_settles_the_order_once(
        db: Database, settings: Settings, gql: GQL) -> None:
    order, _, staff = await setup(db, settings)

    payload = await run(gql, "orderMarkAsPaid", {"id": order.id, "reference": "TRX-1"}, staff)

    o = payload["order"]
    assert payload["errors"] == [] and o["paymentStatus"] == "PAID"
    assert o["amountPaid"] == o["total"] and o["amountDue"] == {"amount": "0.00"}
    assert o["events"][-1]["type"] == "MARKED_AS_PAID"
    assert o["events"][-1]["message"] == "TRX-1"
    assert o["events"][-1]["amount"] == o["total"]

    again = await run(gql, "orderMarkAsPaid", {"id": order.id}, staff)
    assert again["order"] is None
    assert [e["code"] for e in again["errors"]] == ["INVALID_STATE"]


async def test_a_note_is_added_to_the_history_and_a_blank_one_is_refused(
        db: Database, settings: Settings, gql: GQL) -> None:
    order, _, staff = await setup(db, settings)

    payload = await run(gql, "orderNoteAdd", {"id": order.id, "message": " Call first "}, staff)
    blank = await run(gql, "orderNoteAdd", {"id": order.id, "message": "   "}, staff)

    assert payload["order"]["events"][-1]["type"] == "NOTE_ADDED"
    assert payload["order"]["events"][-1]["message"] == "Call first"
    assert [(e["code"], e["field"]) for e in blank["errors"]] == [("REQUIRED", ["message"])]


async def test_hold_and_release_move_the_status_and_illegal_moves_are_invalid_state(
        db: Database, settings: Settings, gql: GQL) -> None:
    order, variant, staff = await setup(db, settings)

    held = await run(gql, "orderHold", {"id": order.id, "reason": "address check"}, staff)
    released = await run(gql, "orderRelease", {"id": order.id}, staff)
    twice = await run(gql, "orderRelease", {"id": order.id}, staff)

    assert held["order"]["status"] == "ON_HOLD"
    assert await stock_of(db, variant) == (10, 3)  # a hold keeps the stock
    assert released["order"]["status"] == "OPEN"
    assert [e["type"] for e in released["order"]["events"]][-2:] == ["STATUS_CHANGED"] * 2
    assert [e["code"] for e in twice["errors"]] == ["INVALID_STATE"]


NEW_ADDRESS = {"firstName": " Zoe ", "lastName": "Quinn", "streetAddress1": "9 Elm St",
               "city": "Portland", "postalCode": "97201", "countryCode": "us",
               "countryArea": "OR"}


async def test_addresses_change_before_fulfillment_and_become_searchable(
        db: Database, settings: Settings, gql: GQL) -> None:
    order, _, staff = await setup(db, settings)

    payload = await run(gql, "orderUpdate", {"id": order.id, "shippingAddress": NEW_ADDRESS},
                        staff)

    assert payload["errors"] == []
    assert payload["order"]["shippingAddress"] == {
        "firstName": "Zoe", "lastName": "Quinn", "city": "Portland", "postalCode": "97201",
        "countryCode": "US"}
    assert payload["order"]["billingAddress"] == {"firstName": "Ann"}  # untouched
    assert payload["order"]["events"][-1]["type"] == "ADDRESS_UPDATED"
    found = await gql("{ orders(filter: {search: \"quinn\"}) { nodes { id } } }", token=staff)
    assert found["data"]["orders"]["nodes"] == [{"id": order.id}]


async def test_invalid_addresses_are_reported_field_by_field(
        db: Database, settings: Settings, gql: GQL) -> None:
    order, _, staff = await setup(db, settings)
    bad = {**NEW_ADDRESS, "postalCode": "", "countryCode": "XX"}

    payload = await run(gql, "orderUpdate", {
        "id": order.id, "shippingAddress": {**NEW_ADDRESS, "postalCode": ""},
        "billingAddress": bad}, staff)
    nothing = await run(gql, "orderUpdate", {"id": order.id}, staff)

    assert payload["order"] is None
    assert {(e["code"], tuple(e["field"])) for e in payload["errors"]} == {
        ("REQUIRED", ("shippingAddress", "postalCode")),
        ("INVALID", ("billingAddress", "countryCode"))}
    assert [e["code"] for e in nothing["errors"]] == ["REQUIRED"]


async def test_addresses_cannot_change_after_fulfillment(
        db: Database, settings: Settings, gql: GQL) -> None:
    order, _, staff = await setup(db, settings)
    await set_order(db, order.pk, fulfillment_status="PARTIALLY_FULFILLED")

    payload = await run(gql, "orderUpdate", {"id": order.id, "billingAddress": NEW_ADDRESS},
                        staff)

    assert payload["order"] is None
    assert [e["code"] for e in payload["errors"]] == ["INVALID_STATE"]


async def test_an_unknown_or_malformed_order_id_is_a_payload_error(
        db: Database, settings: Settings, gql: GQL) -> None:
    _, _, staff = await setup(db, settings)
    missing = await run(gql, "orderCancel", {"id": encode_id("Order", 999)}, staff)
    wrong = await run(gql, "orderCancel", {"id": encode_id("Product", 1)}, staff)
    assert [(e["code"], e["field"]) for e in missing["errors"]] == [("NOT_FOUND", ["id"])]
    assert [(e["code"], e["field"]) for e in wrong["errors"]] == [("INVALID", ["id"])]


OPERATIONS: list[tuple[str, dict[str, Any]]] = [
    ("orderCancel", {}),
    ("orderHold", {}),
    ("orderRelease", {}),
    ("orderNoteAdd", {"message": "hi"}),
    ("orderMarkAsPaid", {}),
    ("orderUpdate", {"billingAddress": NEW_ADDRESS}),
]


async def test_order_mutations_need_manage_orders(
        db: Database, settings: Settings, gql: GQL) -> None:
    order, variant, _ = await setup(db, settings)
    _, customer = await user_with_token(db, "ann@example.com")
    _, catalog_staff = await user_with_token(db, "cat@example.com",
                                             permissions=[Permission.MANAGE_CATALOG])
    for name, extra in OPERATIONS:
        for token, code in ((None, "UNAUTHENTICATED"), (customer, "FORBIDDEN"),
                            (catalog_staff, "FORBIDDEN")):
            body = await gql(mutation(name), {"input": {"id": order.id, **extra}}, token=token,
                             expect_errors=True)
            assert body["errors"][0]["extensions"]["code"] == code, (name, code)
            assert body["data"] is None
    assert await stock_of(db, variant) == (10, 3)
    got = await gql("query ($t: String!) { orderByToken(token: $t) { status paymentStatus "
                    "events { type } } }", {"t": order.token})
    assert got["data"]["orderByToken"] == {"status": "OPEN", "paymentStatus": "NOT_PAID",
                                           "events": [{"type": "PLACED"}]}


SAN_FRANCISCO = {**NEW_ADDRESS, "city": "San Francisco", "postalCode": "94102",
                 "countryArea": "California"}


async def test_a_new_address_re_taxes_an_unpaid_order_and_a_paid_one_refuses(
        db: Database, settings: Settings, gql: GQL) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop)
    order = await place_order(db, settings, shop, {variant: 3})
    other = await place_order(db, settings, shop, {variant: 3})
    _, staff = await user_with_token(db, "staff@example.com",
                                     permissions=[Permission.MANAGE_ORDERS])
    async with db.transaction() as s:  # taxes shipping too
        s.add(TaxRate(country_code="US", country_area="CA", rate_bp=1000))
    await run(gql, "orderMarkAsPaid", {"id": other.id}, staff)

    unpaid = await run(gql, "orderUpdate", {"id": order.id, "shippingAddress": SAN_FRANCISCO},
                       staff)
    paid = await run(gql, "orderUpdate", {"id": other.id, "shippingAddress": SAN_FRANCISCO},
                     staff)

    assert unpaid["errors"] == []
    assert unpaid["order"]["total"] == {"amount": "38.50"}  # 30.00 + 5.00 + 10 % of both
    assert unpaid["order"]["events"][-1]["message"] == (
        "shipping address updated; totals recomputed: tax rate 0 % → 10 %, tax 0.00 → 3.50, "
        "total 35.00 → 38.50 USD")
    assert paid["order"] is None
    assert [(e["code"], e["field"]) for e in paid["errors"]] == [
        ("INVALID_STATE", ["shippingAddress", "countryArea"])]
    assert "has been paid" in paid["errors"][0]["message"]
