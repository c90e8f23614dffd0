"""Discount codes through HTTP (staff with MANAGE_CATALOG; MANAGE_ORDERS may read)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from commerce.accounts.permissions import Permission
from commerce.db.database import Database
from commerce.db.models import DiscountCode
from commerce.shared.clock import utcnow
from commerce.shared.ids import decode_int_id, encode_id
from tests.factories import create_customer, create_staff

GQL = Any

FIELDS = """id code kind percentage amount { amount currency } startsAt endsAt
  minSubtotal { amount } usageLimit usageLimitPerCustomer timesUsed isActive usableNow"""
CREATE = f"""mutation($input: DiscountCodeCreateInput!) {{ discountCodeCreate(input: $input) {{
  discountCode {{ {FIELDS} }} errors {{ code field message }} }} }}"""
UPDATE = f"""mutation($input: DiscountCodeUpdateInput!) {{ discountCodeUpdate(input: $input) {{
  discountCode {{ {FIELDS} }} errors {{ code field message }} }} }}"""
DELETE = """mutation($input: DiscountCodeDeleteInput!) { discountCodeDelete(input: $input) {
  deletedId errors { code field message } } }"""
LIST = """query($first: Int, $after: String, $filter: DiscountCodeFilter) {
  discountCodes(first: $first, after: $after, filter: $filter) {
    pageInfo { hasNextPage endCursor } nodes { code timesUsed usableNow } } }"""


@pytest.fixture
async def staff(db: Database) -> str:
    return await create_staff(db, [Permission.MANAGE_CATALOG])


async def _create(gql: GQL, staff: str, **fields: Any) -> dict[str, Any]:
    body = await gql(CREATE, {"input": fields}, token=staff)
    payload: dict[str, Any] = body["data"]["discountCodeCreate"]
    assert payload["errors"] == [], payload["errors"]
    return payload["discountCode"]  # type: ignore[no-any-return]


async def test_each_kind_shows_its_value_in_its_own_terms(gql: GQL, staff: str) -> None:
    pct = await _create(gql, staff, code="welcome10", kind="PERCENTAGE", value="10",
                        usageLimitPerCustomer=1)
    fixed = await _create(gql, staff, code="SUMMER5", kind="FIXED_AMOUNT", value="5",
                          minSubtotal="30")
    free = await _create(gql, staff, code="FreeShip", kind="FREE_SHIPPING")
    assert (pct["code"], pct["percentage"], pct["amount"], pct["usageLimitPerCustomer"]) == \
        ("WELCOME10", "10", None, 1)
    assert (fixed["percentage"], fixed["amount"], fixed["minSubtotal"]) == \
        (None, {"amount": "5.00", "currency": "USD"}, {"amount": "30.00"})
    assert (free["code"], free["percentage"], free["amount"], free["timesUsed"],
            free["usableNow"]) == ("FREESHIP", None, None, 0, True)


async def test_bad_input_is_reported_all_at_once(gql: GQL, staff: str) -> None:
    body = await gql(CREATE, {"input": {
        "code": "has space", "kind": "PERCENTAGE", "value": "150", "minSubtotal": "x",
        "startsAt": "2025-06-02T00:00:00Z", "endsAt": "2025-06-01T00:00:00",
        "usageLimit": 0}}, token=staff)
    payload = body["data"]["discountCodeCreate"]
    assert payload["discountCode"] is None
    assert {tuple(e["field"]) for e in payload["errors"]} == {
        ("code",), ("value",), ("minSubtotal",), ("endsAt",), ("usageLimit",)}


async def test_a_code_is_unique_in_any_case(gql: GQL, staff: str) -> None:
    await _create(gql, staff, code="SAVE", kind="FREE_SHIPPING")
    body = await gql(CREATE, {"input": {"code": "save", "kind": "FREE_SHIPPING"}}, token=staff)
    assert body["data"]["discountCodeCreate"]["errors"][0]["code"] == "DUPLICATE"


async def test_an_update_reads_the_value_by_the_kind_the_code_will_have(
        gql: GQL, staff: str) -> None:
    code = await _create(gql, staff, code="X", kind="PERCENTAGE", value="10")
    body = await gql(UPDATE, {"input": {"id": code["id"], "value": "12.5"}}, token=staff)
    assert body["data"]["discountCodeUpdate"]["discountCode"]["percentage"] == "12.5"
    body = await gql(UPDATE, {"input": {"id": code["id"], "kind": "FIXED_AMOUNT"}},
                     token=staff)
    assert body["data"]["discountCodeUpdate"]["errors"][0]["code"] == "REQUIRED"
    body = await gql(UPDATE, {"input": {"id": code["id"], "kind": "FIXED_AMOUNT",
                                        "value": "12.5"}}, token=staff)
    changed = body["data"]["discountCodeUpdate"]["discountCode"]
    assert (changed["kind"], changed["amount"], changed["percentage"]) == \
        ("FIXED_AMOUNT", {"amount": "12.50", "currency": "USD"}, None)
    ends = (utcnow() - timedelta(hours=1)).isoformat()
    body = await gql(UPDATE, {"input": {"id": code["id"], "endsAt": ends}}, token=staff)
    assert body["data"]["discountCodeUpdate"]["discountCode"]["usableNow"] is False


async def test_codes_list_alphabetically_with_search_active_filter_and_uses(
        db: Database, gql: GQL, staff: str) -> None:
    past = (utcnow() - timedelta(days=1)).isoformat()
    for code, extra in (("WELCOME10", {"kind": "PERCENTAGE", "value": "10"}),
                        ("SPRING20", {"kind": "PERCENTAGE", "value": "20", "endsAt": past}),
                        ("FREESHIP", {"kind": "FREE_SHIPPING"}),
                        ("SUMMER5", {"kind": "FIXED_AMOUNT", "value": "5",
                                     "usageLimit": 2})):
        await _create(gql, staff, code=code, **extra)
    async with db.transaction() as s:
        await s.execute(update(DiscountCode).where(DiscountCode.code == "SUMMER5")
                        .values(times_used=2))
    first = (await gql(LIST, {"first": 2}, token=staff))["data"]["discountCodes"]
    rest = (await gql(LIST, {"first": 2, "after": first["pageInfo"]["endCursor"]},
                      token=staff))["data"]["discountCodes"]
    assert [n["code"] for n in first["nodes"] + rest["nodes"]] == \
        ["FREESHIP", "SPRING20", "SUMMER5", "WELCOME10"]
    assert rest["nodes"][0] == {"code": "SUMMER5", "timesUsed": 2, "usableNow": False}
    active = await gql(LIST, {"filter": {"active": True}}, token=staff)
    assert [n["code"] for n in active["data"]["discountCodes"]["nodes"]] == \
        ["FREESHIP", "WELCOME10"]
    found = await gql(LIST, {"filter": {"search": "s", "active": False}}, token=staff)
    assert [n["code"] for n in found["data"]["discountCodes"]["nodes"]] == \
        ["SPRING20", "SUMMER5"]


async def test_only_an_unused_code_can_be_deleted(db: Database, gql: GQL, staff: str) -> None:
    used = await _create(gql, staff, code="USED", kind="FREE_SHIPPING")
    unused = await _create(gql, staff, code="UNUSED", kind="FREE_SHIPPING")
    async with db.transaction() as s:
        await s.execute(update(DiscountCode).where(
            DiscountCode.id == decode_int_id(used["id"], "DiscountCode")).values(times_used=1))
    body = await gql(DELETE, {"input": {"id": used["id"]}}, token=staff)
    assert body["data"]["discountCodeDelete"]["errors"][0]["code"] == "IN_USE"
    body = await gql(DELETE, {"input": {"id": unused["id"]}}, token=staff)
    assert body["data"]["discountCodeDelete"] == {"deletedId": unused["id"], "errors": []}


async def test_discount_codes_need_manage_catalog_to_change_and_orders_staff_may_read(
        db: Database, gql: GQL, staff: str) -> None:
    code = await _create(gql, staff, code="X", kind="FREE_SHIPPING")
    orders = await create_staff(db, [Permission.MANAGE_ORDERS])
    for token, expected in ((None, "UNAUTHENTICATED"), (await create_customer(db), "FORBIDDEN"),
                            (orders, "FORBIDDEN")):
        body = await gql(CREATE, {"input": {"code": "Y", "kind": "FREE_SHIPPING"}},
                         token=token, expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] == expected
    assert (await gql(LIST, {}, token=orders))["data"]["discountCodes"]["nodes"]
    inventory = await create_staff(db, [Permission.MANAGE_INVENTORY])
    body = await gql(LIST, {}, token=inventory, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    node = "query($id: ID!) { node(id: $id) { ... on DiscountCode { code } } }"
    assert (await gql(node, {"id": code["id"]}, token=orders))["data"]["node"] == {"code": "X"}
    assert (await gql(node, {"id": code["id"]}, token=inventory))["data"]["node"] is None
    assert (await gql(node, {"id": encode_id("DiscountCode", 999)},
                      token=orders))["data"]["node"] is None
