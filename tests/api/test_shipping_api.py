"""Shipping zones, methods and tax rates through HTTP (staff with MANAGE_ORDERS)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from commerce.accounts.permissions import Permission
from commerce.db.database import Database
from commerce.shared.ids import encode_id
from commerce.shipping import service
from commerce.shipping.rules import BandData, MethodData, ZoneData
from tests.factories import create_customer, create_staff

GQL = Any

ZONE_CREATE = """mutation($input: ShippingZoneCreateInput!) { shippingZoneCreate(input: $input) {
  shippingZone { id name countries methods { name } } errors { code field message } } }"""
ZONE_UPDATE = """mutation($input: ShippingZoneUpdateInput!) { shippingZoneUpdate(input: $input) {
  shippingZone { name countries } errors { code field } } }"""
ZONE_DELETE = """mutation($input: ShippingZoneDeleteInput!) { shippingZoneDelete(input: $input) {
  deletedId errors { code field } } }"""
METHOD_CREATE = """mutation($input: ShippingMethodCreateInput!) {
  shippingMethodCreate(input: $input) {
    shippingMethod { id name description minDeliveryDays maxDeliveryDays isActive position
      freeOver { amount currency } zone { name }
      rates { price { amount currency } minWeightGrams maxWeightGrams
              minOrderValue { amount } maxOrderValue { amount } } }
    errors { code field message } } }"""
METHOD_UPDATE = """mutation($input: ShippingMethodUpdateInput!) {
  shippingMethodUpdate(input: $input) {
    shippingMethod { name freeOver { amount } isActive rates { price { amount } } }
    errors { code field message } } }"""
METHOD_DELETE = """mutation($input: ShippingMethodDeleteInput!) {
  shippingMethodDelete(input: $input) { deletedId shippingZone { methods { name } }
    errors { code } } }"""
TAX_CREATE = """mutation($input: TaxRateCreateInput!) { taxRateCreate(input: $input) {
  taxRate { id countryCode countryArea rate appliesToShipping name }
  errors { code field message } } }"""
TAX_UPDATE = """mutation($input: TaxRateUpdateInput!) { taxRateUpdate(input: $input) {
  taxRate { rate appliesToShipping } errors { code field message } } }"""
TAX_DELETE = """mutation($input: TaxRateDeleteInput!) { taxRateDelete(input: $input) {
  deletedId errors { code } } }"""
ZONES = """query($first: Int, $after: String) { shippingZones(first: $first, after: $after) {
  pageInfo { hasNextPage endCursor }
  nodes { name countries methods { name rates { price { amount } } } } } }"""
TAX_RATES = """query($first: Int, $after: String) { taxRates(first: $first, after: $after) {
  pageInfo { hasNextPage endCursor } nodes { countryCode countryArea rate } } }"""


@pytest.fixture
async def staff(db: Database) -> str:
    return await create_staff(db, [Permission.MANAGE_ORDERS])


async def _zone(gql: GQL, staff: str, **fields: Any) -> str:
    body = await gql(ZONE_CREATE, {"input": {"name": "EU", "countries": ["DE", "FR"],
                                             **fields}}, token=staff)
    zone: str = body["data"]["shippingZoneCreate"]["shippingZone"]["id"]
    return zone


async def test_staff_create_a_zone_and_a_method_with_bands_shown_as_money(
        gql: GQL, staff: str) -> None:
    zone = await _zone(gql, staff)
    body = await gql(METHOD_CREATE, {"input": {
        "zoneId": zone, "name": " Standard ", "description": "Tracked", "minDeliveryDays": 2,
        "maxDeliveryDays": 4, "freeOver": "50",
        "rates": [{"price": "4.99", "maxWeightGrams": 1000},
                  {"price": "8.99", "minWeightGrams": 1000, "maxOrderValue": "100.00"}]}},
        token=staff)
    payload = body["data"]["shippingMethodCreate"]
    assert payload["errors"] == []
    method = payload["shippingMethod"]
    assert (method["name"], method["zone"], method["freeOver"], method["position"]) == \
        ("Standard", {"name": "EU"}, {"amount": "50.00", "currency": "USD"}, 1)
    assert method["rates"] == [
        {"price": {"amount": "4.99", "currency": "USD"}, "minWeightGrams": None,
         "maxWeightGrams": 1000, "minOrderValue": None, "maxOrderValue": None},
        {"price": {"amount": "8.99", "currency": "USD"}, "minWeightGrams": 1000,
         "maxWeightGrams": None, "minOrderValue": None, "maxOrderValue": {"amount": "100.00"}}]


async def test_bad_zone_input_is_reported_field_by_field(gql: GQL, staff: str) -> None:
    body = await gql(ZONE_CREATE, {"input": {"name": "", "countries": ["de", "QQ", "DE"]}},
                     token=staff)
    payload = body["data"]["shippingZoneCreate"]
    assert payload["shippingZone"] is None
    assert {(e["code"], tuple(e["field"])) for e in payload["errors"]} == {
        ("REQUIRED", ("name",)), ("INVALID", ("countries", "1")),
        ("DUPLICATE", ("countries", "2"))}


async def test_bad_method_input_is_reported_all_at_once_and_nothing_is_created(
        gql: GQL, staff: str) -> None:
    zone = await _zone(gql, staff)
    body = await gql(METHOD_CREATE, {"input": {
        "zoneId": zone, "name": "Express", "minDeliveryDays": 3, "maxDeliveryDays": 1,
        "freeOver": "1.234",
        "rates": [{"price": "-1"}, {"price": "5", "minWeightGrams": 500,
                                    "maxWeightGrams": 100}]}}, token=staff)
    errors = body["data"]["shippingMethodCreate"]["errors"]
    assert {tuple(e["field"]) for e in errors} == {
        ("freeOver",), ("rates", "0", "price"), ("maxDeliveryDays",),
        ("rates", "1", "maxWeightGrams")}
    zones = await gql(ZONES, {"first": 10}, token=staff)
    assert zones["data"]["shippingZones"]["nodes"][0]["methods"] == []


async def test_a_method_update_replaces_rates_only_when_given(gql: GQL, staff: str) -> None:
    zone = await _zone(gql, staff)
    created = await gql(METHOD_CREATE, {"input": {"zoneId": zone, "name": "Standard",
                                                  "rates": [{"price": "5"}, {"price": "7"}]}},
                        token=staff)
    method = created["data"]["shippingMethodCreate"]["shippingMethod"]["id"]
    body = await gql(METHOD_UPDATE, {"input": {"id": method, "isActive": False,
                                               "freeOver": "30"}}, token=staff)
    assert body["data"]["shippingMethodUpdate"]["shippingMethod"] == {
        "name": "Standard", "freeOver": {"amount": "30.00"}, "isActive": False,
        "rates": [{"price": {"amount": "5.00"}}, {"price": {"amount": "7.00"}}]}
    body = await gql(METHOD_UPDATE, {"input": {"id": method, "freeOver": None,
                                               "rates": [{"price": "3.50"}]}}, token=staff)
    assert body["data"]["shippingMethodUpdate"]["shippingMethod"]["rates"] == \
        [{"price": {"amount": "3.50"}}]
    assert body["data"]["shippingMethodUpdate"]["shippingMethod"]["freeOver"] is None
    body = await gql(METHOD_UPDATE, {"input": {"id": method, "name": None}}, token=staff)
    assert body["data"]["shippingMethodUpdate"]["errors"] == [
        {"code": "INVALID", "field": ["name"], "message": "must not be null"}]


async def test_deleting_a_method_then_its_zone(gql: GQL, staff: str) -> None:
    zone = await _zone(gql, staff)
    created = await gql(METHOD_CREATE, {"input": {"zoneId": zone, "name": "Standard"}},
                        token=staff)
    method = created["data"]["shippingMethodCreate"]["shippingMethod"]["id"]
    body = await gql(METHOD_DELETE, {"input": {"id": method}}, token=staff)
    assert body["data"]["shippingMethodDelete"] == {
        "deletedId": method, "shippingZone": {"methods": []}, "errors": []}
    body = await gql(ZONE_DELETE, {"input": {"id": zone}}, token=staff)
    assert body["data"]["shippingZoneDelete"]["deletedId"] == zone
    body = await gql(ZONE_DELETE, {"input": {"id": zone}}, token=staff)
    assert body["data"]["shippingZoneDelete"]["errors"] == [{"code": "NOT_FOUND",
                                                              "field": ["id"]}]
    body = await gql(ZONE_DELETE, {"input": {"id": encode_id("TaxRate", 1)}}, token=staff)
    assert body["data"]["shippingZoneDelete"]["errors"][0] == {"code": "INVALID",
                                                                "field": ["id"]}


async def test_zone_update_changes_only_what_is_given(gql: GQL, staff: str) -> None:
    zone = await _zone(gql, staff)
    body = await gql(ZONE_UPDATE, {"input": {"id": zone, "countries": ["it", "ES"]}},
                     token=staff)
    assert body["data"]["shippingZoneUpdate"]["shippingZone"] == {"name": "EU",
                                                                  "countries": ["IT", "ES"]}


async def test_tax_rates_take_a_percent_and_refuse_finer_ones(gql: GQL, staff: str) -> None:
    body = await gql(TAX_CREATE, {"input": {"countryCode": "us", "countryArea": "ny",
                                            "rate": "8.875", "appliesToShipping": False}},
                     token=staff)
    assert body["data"]["taxRateCreate"]["errors"] == [{
        "code": "INVALID", "field": ["rate"],
        "message": "use at most two decimal places, e.g. \"8.25\""}]
    body = await gql(TAX_CREATE, {"input": {"countryCode": "us", "countryArea": "ny",
                                            "rate": "8.88", "appliesToShipping": False,
                                            "name": "New York"}}, token=staff)
    rate = body["data"]["taxRateCreate"]["taxRate"]
    assert {k: v for k, v in rate.items() if k != "id"} == {
        "countryCode": "US", "countryArea": "NY", "rate": "8.88", "appliesToShipping": False,
        "name": "New York"}
    body = await gql(TAX_CREATE, {"input": {"countryCode": "US", "countryArea": "NY",
                                            "rate": "4"}}, token=staff)
    assert body["data"]["taxRateCreate"]["errors"][0]["code"] == "DUPLICATE"
    body = await gql(TAX_UPDATE, {"input": {"id": rate["id"], "rate": "4",
                                            "appliesToShipping": True}}, token=staff)
    assert body["data"]["taxRateUpdate"]["taxRate"] == {"rate": "4", "appliesToShipping": True}
    body = await gql(TAX_UPDATE, {"input": {"id": rate["id"], "rate": "101"}}, token=staff)
    assert body["data"]["taxRateUpdate"]["errors"][0]["field"] == ["rate"]
    body = await gql(TAX_DELETE, {"input": {"id": rate["id"]}}, token=staff)
    assert body["data"]["taxRateDelete"] == {"deletedId": rate["id"], "errors": []}


async def test_tax_rates_are_listed_by_country_the_country_before_its_regions(
        gql: GQL, staff: str) -> None:
    for country, area, rate in (("US", "CA", "7.25"), ("GB", "", "20"), ("US", "", "0"),
                                ("DE", "", "19"), ("US", "NY", "4")):
        await gql(TAX_CREATE, {"input": {"countryCode": country, "countryArea": area,
                                          "rate": rate}}, token=staff)
    first = await gql(TAX_RATES, {"first": 3}, token=staff)
    page = first["data"]["taxRates"]
    rest = await gql(TAX_RATES, {"first": 3, "after": page["pageInfo"]["endCursor"]},
                     token=staff)
    rows = page["nodes"] + rest["data"]["taxRates"]["nodes"]
    assert [(r["countryCode"], r["countryArea"], r["rate"]) for r in rows] == [
        ("DE", "", "19"), ("GB", "", "20"), ("US", "", "0"), ("US", "CA", "7.25"),
        ("US", "NY", "4")]
    assert page["pageInfo"]["hasNextPage"] and \
        not rest["data"]["taxRates"]["pageInfo"]["hasNextPage"]


async def test_zones_list_with_methods_and_rates_in_constant_statements(
        db: Database, gql: GQL, staff: str, count_statements: Callable[[], Any]) -> None:
    for i in range(12):
        zone = await service.zone_create(db, ZoneData(name=f"Zone {i:02d}", countries=["US"]))
        for name in ("Standard", "Express"):
            await service.method_create(db, MethodData(
                zone_id=zone, name=name, rates=[BandData(price=100 * i),
                                                BandData(price=100 * i + 1)]))

    async def statements(first: int) -> int:
        with count_statements() as counter:
            body = await gql(ZONES, {"first": first}, token=staff)
        assert len(body["data"]["shippingZones"]["nodes"]) == first
        return int(counter.count)

    assert await statements(2) == await statements(10)
    body = await gql(ZONES, {"first": 1}, token=staff)
    assert body["data"]["shippingZones"]["nodes"][0]["methods"] == [
        {"name": "Standard", "rates": [{"price": {"amount": "0.00"}},
                                       {"price": {"amount": "0.01"}}]},
        {"name": "Express", "rates": [{"price": {"amount": "0.00"}},
                                      {"price": {"amount": "0.01"}}]}]


@pytest.mark.parametrize(("document", "variables"), [
    (ZONE_CREATE, {"input": {"name": "EU"}}),
    (METHOD_CREATE, {"input": {"zoneId": encode_id("ShippingZone", 1), "name": "X"}}),
    (TAX_CREATE, {"input": {"countryCode": "GB", "rate": "20"}}),
    (TAX_DELETE, {"input": {"id": encode_id("TaxRate", 1)}}),
])
async def test_shipping_and_tax_mutations_need_manage_orders(
        db: Database, gql: GQL, document: str, variables: dict[str, Any]) -> None:
    for token, code in ((None, "UNAUTHENTICATED"), (await create_customer(db), "FORBIDDEN"),
                        (await create_staff(db, [Permission.MANAGE_CATALOG,
                                                 Permission.MANAGE_INVENTORY]), "FORBIDDEN")):
        body = await gql(document, variables, token=token, expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] == code


async def test_fulfillment_staff_read_zones_and_accounting_staff_read_tax_rates(
        db: Database, gql: GQL, staff: str) -> None:
    zone = await _zone(gql, staff)
    rate = (await gql(TAX_CREATE, {"input": {"countryCode": "GB", "rate": "20"}},
                      token=staff))["data"]["taxRateCreate"]["taxRate"]["id"]
    fulfillment = await create_staff(db, [Permission.MANAGE_FULFILLMENT])
    accounting = await create_staff(db, [Permission.MANAGE_ACCOUNTING])
    assert (await gql(ZONES, {}, token=fulfillment))["data"]["shippingZones"]["nodes"]
    assert (await gql(TAX_RATES, {}, token=accounting))["data"]["taxRates"]["nodes"]
    body = await gql(TAX_RATES, {}, token=fulfillment, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    node = "query($id: ID!) { node(id: $id) { id } }"
    assert (await gql(node, {"id": zone}, token=fulfillment))["data"]["node"] == {"id": zone}
    assert (await gql(node, {"id": rate}, token=fulfillment))["data"]["node"] is None
    assert (await gql(node, {"id": rate}, token=accounting))["data"]["node"] == {"id": rate}
    assert (await gql(node, {"id": zone}, token=await create_customer(db)))["data"]["node"] \
        is None
