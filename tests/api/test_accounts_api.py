"""Accounts through the GraphQL API: sign-up to sign-out, address book, staff management."""

from __future__ import annotations

from typing import Any

from commerce.accounts.permissions import Permission
from commerce.db.database import Database
from commerce.shared.ids import encode_id
from tests.account_helpers import PASSWORD, user_with_token

USER = "id email firstName lastName isStaff isActive isSuperuser permissions dateJoined"
ADDRESS = "id firstName lastName streetAddress1 city postalCode countryCode countryName"

REGISTER = """mutation($input: CustomerRegisterInput!) { customerRegister(input: $input) {
  user { email firstName isStaff } errors { code field message } } }"""
TOKEN = """mutation($input: TokenCreateInput!) { tokenCreate(input: $input) {
  token expiresAt user { email } errors { code field message } } }"""
ME = "{ me { " + USER + " } }"
ME_UPDATE = """mutation($input: MeUpdateInput!) { meUpdate(input: $input) {
  user { email firstName lastName } errors { code field } } }"""
PASSWORD_CHANGE = """mutation($input: PasswordChangeInput!) { passwordChange(input: $input) {
  user { email } errors { code field } } }"""
REVOKE = """mutation($all: Boolean!) { tokenRevoke(input: {all: $all}) {
  revokedCount errors { code } } }"""


async def test_a_customer_registers_signs_in_and_manages_the_account(gql: Any) -> None:
    registered = await gql(REGISTER, {"input": {
        "email": "Ann@Example.com", "password": PASSWORD, "firstName": "Ann"}})
    assert registered["data"]["customerRegister"] == {
        "user": {"email": "ann@example.com", "firstName": "Ann", "isStaff": False},
        "errors": []}

    signed_in = (await gql(TOKEN, {"input": {"email": "ann@example.com",
                                             "password": PASSWORD}}))["data"]["tokenCreate"]
    assert signed_in["errors"] == [] and signed_in["user"] == {"email": "ann@example.com"}
    token = signed_in["token"]
    assert token and signed_in["expiresAt"]

    me = (await gql(ME, token=token))["data"]["me"]
    assert me["email"] == "ann@example.com" and me["permissions"] == []
    assert me["isActive"] is True and me["isSuperuser"] is False

    updated = await gql(ME_UPDATE, {"input": {"lastName": "Lee", "email": "ann.lee@example.com"}},
                        token=token)
    assert updated["data"]["meUpdate"] == {
        "user": {"email": "ann.lee@example.com", "firstName": "Ann", "lastName": "Lee"},
        "errors": []}

    # A second session, which the password change must end.
    other = (await gql(TOKEN, {"input": {"email": "ann.lee@example.com",
                                         "password": PASSWORD}}))["data"]["tokenCreate"]
    wrong = await gql(PASSWORD_CHANGE, {"input": {"oldPassword": "not-it-at-all",
                                                  "newPassword": "new-password"}}, token=token)
    assert wrong["data"]["passwordChange"]["errors"] == [
        {"code": "PASSWORD_INCORRECT", "field": ["oldPassword"]}]
    changed = await gql(PASSWORD_CHANGE, {"input": {"oldPassword": PASSWORD,
                                                    "newPassword": "new-password"}},
                        token=token)
    assert changed["data"]["passwordChange"]["errors"] == []
    assert (await gql(ME, token=other["token"]))["data"]["me"] is None
    assert (await gql(ME, token=token))["data"]["me"]["email"] == "ann.lee@example.com"

    revoked = await gql(REVOKE, {"all": False}, token=token)
    assert revoked["data"]["tokenRevoke"] == {"revokedCount": 1, "errors": []}
    assert (await gql(ME, token=token))["data"]["me"] is None


async def test_registration_problems_are_payload_errors(db: Database, gql: Any) -> None:
    await user_with_token(db, "ann@example.com")
    body = await gql(REGISTER, {"input": {"email": "ANN@example.com", "password": "short"}})
    assert body["data"]["customerRegister"]["user"] is None
    assert [(e["code"], e["field"]) for e in body["data"]["customerRegister"]["errors"]] == [
        ("PASSWORD_TOO_SHORT", ["password"])]
    body = await gql(REGISTER, {"input": {"email": "ANN@example.com", "password": PASSWORD}})
    assert [(e["code"], e["field"]) for e in body["data"]["customerRegister"]["errors"]] == [
        ("DUPLICATE", ["email"])]


async def test_wrong_credentials_are_a_payload_error_and_me_is_null_anonymously(
        gql: Any) -> None:
    body = await gql(TOKEN, {"input": {"email": "nobody@example.com", "password": "whatever1"}})
    assert body["data"]["tokenCreate"]["token"] is None
    assert body["data"]["tokenCreate"]["errors"][0]["code"] == "INVALID_CREDENTIALS"
    assert (await gql(ME))["data"]["me"] is None


async def test_signed_out_callers_get_unauthenticated_for_account_mutations(gql: Any) -> None:
    body = await gql(ME_UPDATE, {"input": {"firstName": "X"}}, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    body = await gql(REVOKE, {"all": True}, token="cmt_not-a-real-token", expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


ADDRESS_CREATE = """mutation($input: AddressCreateInput!) { addressCreate(input: $input) {
  address { """ + ADDRESS + """ } user { defaultShippingAddress { id }
  defaultBillingAddress { id } addresses { id } } errors { code field } } }"""
ADDRESS_UPDATE = """mutation($input: AddressUpdateInput!) { addressUpdate(input: $input) {
  address { city } user { defaultShippingAddress { id } defaultBillingAddress { id } }
  errors { code field } } }"""
ADDRESS_DELETE = """mutation($id: ID!) { addressDelete(input: {id: $id}) {
  user { addresses { id } } errors { code field } } }"""
HOME = {"firstName": "Ann", "lastName": "Lee", "streetAddress1": "1 Main St",
        "city": "Springfield", "countryCode": "us", "countryArea": "Illinois",
        "postalCode": "62701"}


async def test_a_customer_keeps_an_address_book_with_defaults(db: Database, gql: Any) -> None:
    _, token = await user_with_token(db)
    home = (await gql(ADDRESS_CREATE, {"input": {
        "address": HOME, "setAsDefaultShipping": True, "setAsDefaultBilling": True}},
        token=token))["data"]["addressCreate"]
    assert home["errors"] == []
    home_id = home["address"]["id"]
    assert home["address"]["countryCode"] == "US"
    assert home["address"]["countryName"] == "United States"
    assert home["user"]["defaultShippingAddress"] == {"id": home_id}

    work = (await gql(ADDRESS_CREATE, {"input": {
        "address": {**HOME, "city": "Shelbyville"}, "setAsDefaultShipping": True}},
        token=token))["data"]["addressCreate"]
    work_id = work["address"]["id"]
    assert work["user"]["defaultShippingAddress"] == {"id": work_id}
    assert work["user"]["defaultBillingAddress"] == {"id": home_id}
    assert len(work["user"]["addresses"]) == 2

    moved = (await gql(ADDRESS_UPDATE, {"input": {
        "id": home_id, "address": {**HOME, "city": "Capital City"},
        "setAsDefaultBilling": False}}, token=token))["data"]["addressUpdate"]
    assert moved == {"address": {"city": "Capital City"},
                     "user": {"defaultShippingAddress": {"id": work_id},
                              "defaultBillingAddress": None}, "errors": []}

    deleted = (await gql(ADDRESS_DELETE, {"id": work_id}, token=token))["data"]["addressDelete"]
    assert deleted == {"user": {"addresses": [{"id": home_id}]}, "errors": []}
    me = (await gql("{ me { defaultShippingAddress { id } } }", token=token))["data"]["me"]
    assert me == {"defaultShippingAddress": None}


async def test_address_problems_are_all_reported_with_their_paths(db: Database,
                                                                  gql: Any) -> None:
    _, token = await user_with_token(db)
    body = await gql(ADDRESS_CREATE, {"input": {"address": {
        **HOME, "city": " ", "countryCode": "GB", "postalCode": "12345", "phone": "x"}}},
        token=token)
    assert body["data"]["addressCreate"]["address"] is None
    assert [(e["code"], e["field"]) for e in body["data"]["addressCreate"]["errors"]] == [
        ("REQUIRED", ["address", "city"]), ("INVALID", ["address", "postalCode"]),
        ("INVALID", ["address", "phone"])]


async def test_another_customers_address_is_not_found(db: Database, gql: Any) -> None:
    _, ann = await user_with_token(db, "ann@example.com")
    _, bob = await user_with_token(db, "bob@example.com")
    created = await gql(ADDRESS_CREATE, {"input": {"address": HOME}}, token=ann)
    address_id = created["data"]["addressCreate"]["address"]["id"]
    for document, variables in ((ADDRESS_UPDATE, {"input": {"id": address_id,
                                                           "address": HOME}}),
                                (ADDRESS_DELETE, {"id": address_id})):
        body = await gql(document, variables, token=bob)
        payload = next(iter(body["data"].values()))
        assert payload["errors"] == [{"code": "NOT_FOUND", "field": ["id"]}]
    node = "query($id: ID!) { node(id: $id) { id } }"
    assert (await gql(node, {"id": address_id}, token=bob))["data"]["node"] is None
    assert (await gql(node, {"id": address_id}, token=ann))["data"]["node"] == {
        "id": address_id}


STAFF_CREATE = """mutation($input: StaffCreateInput!) { staffCreate(input: $input) {
  user { id email isStaff permissions isSuperuser } errors { code field } } }"""
STAFF_UPDATE = """mutation($input: StaffUpdateInput!) { staffUpdate(input: $input) {
  user { email isActive permissions } errors { code field } } }"""


async def test_staff_managers_create_and_update_staff_within_their_own_powers(
        db: Database, gql: Any) -> None:
    _, manager = await user_with_token(
        db, "manager@example.com",
        permissions=[Permission.MANAGE_STAFF, Permission.MANAGE_CATALOG])
    refused = await gql(STAFF_CREATE, {"input": {
        "email": "eve@example.com", "password": PASSWORD,
        "permissions": ["MANAGE_PAYMENTS"], "isSuperuser": True}}, token=manager)
    assert refused["data"]["staffCreate"] == {"user": None, "errors": [
        {"code": "OUT_OF_SCOPE_PERMISSION", "field": ["isSuperuser"]},
        {"code": "OUT_OF_SCOPE_PERMISSION", "field": ["permissions"]}]}

    created = (await gql(STAFF_CREATE, {"input": {
        "email": "clerk@example.com", "password": PASSWORD,
        "permissions": ["MANAGE_CATALOG"]}}, token=manager))["data"]["staffCreate"]
    assert created["errors"] == []
    clerk = created["user"]
    assert clerk["isStaff"] is True and clerk["permissions"] == ["MANAGE_CATALOG"]

    updated = await gql(STAFF_UPDATE, {"input": {"id": clerk["id"], "isActive": False,
                                                 "permissions": []}}, token=manager)
    assert updated["data"]["staffUpdate"] == {"user": {
        "email": "clerk@example.com", "isActive": False, "permissions": []}, "errors": []}

    root_id, _ = await user_with_token(db, "root@example.com", superuser=True)
    takeover = await gql(STAFF_UPDATE, {"input": {"id": encode_id("User", root_id),
                                                  "password": "mine-now-123"}},
                         token=manager)
    assert takeover["data"]["staffUpdate"]["errors"] == [
        {"code": "OUT_OF_SCOPE_USER", "field": None}]

    listing = await gql("{ staffUsers(first: 10) { nodes { email } } }", token=manager)
    assert [n["email"] for n in listing["data"]["staffUsers"]["nodes"]] == [
        "manager@example.com", "clerk@example.com", "root@example.com"]


async def test_a_customer_calling_staff_operations_is_forbidden_and_anonymous_unauthenticated(
        db: Database, gql: Any) -> None:
    _, customer = await user_with_token(db)
    variables = {"input": {"email": "eve@example.com", "password": PASSWORD}}
    body = await gql(STAFF_CREATE, variables, token=customer, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await gql(STAFF_CREATE, variables, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    body = await gql("{ staffUsers { nodes { email } } }", token=customer, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_users_are_visible_by_node_only_to_themselves_and_their_managers(
        db: Database, gql: Any) -> None:
    ann_id, ann = await user_with_token(db, "ann@example.com")
    _, bob = await user_with_token(db, "bob@example.com")
    _, support = await user_with_token(db, "support@example.com",
                                       permissions=[Permission.MANAGE_CUSTOMERS])
    node = "query($id: ID!) { node(id: $id) { ... on User { email } } }"
    ann_global = encode_id("User", ann_id)
    assert (await gql(node, {"id": ann_global}, token=ann))["data"]["node"] == {
        "email": "ann@example.com"}
    assert (await gql(node, {"id": ann_global}, token=bob))["data"]["node"] is None
    assert (await gql(node, {"id": ann_global}))["data"]["node"] is None
    assert (await gql(node, {"id": ann_global}, token=support))["data"]["node"] == {
        "email": "ann@example.com"}
