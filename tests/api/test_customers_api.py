"""Customer management through the GraphQL API: listing, one customer, notes, status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from commerce.accounts.permissions import Permission
from commerce.db.database import Database
from commerce.shared.ids import encode_id
from tests.account_helpers import make_token, make_user, user_with_token
from tests.customer_helpers import make_order

CUSTOMERS = """query($first: Int, $after: String, $filter: CustomerFilterInput,
                     $sortBy: CustomerSortInput) {
  customers(first: $first, after: $after, filter: $filter, sortBy: $sortBy) {
    nodes { email orderCount totalSpent { amount currency } lastOrderAt }
    pageInfo { hasNextPage endCursor } } }"""
CUSTOMER = """query($id: ID!) { customer(id: $id) {
  id email firstName isActive note orderCount totalSpent { amount } lastOrderAt
  user { email isStaff } addresses { city }
  orders(first: 5) { nodes { number total { amount } } }
  notes { message author { email } createdAt } } }"""
NOTE_ADD = """mutation($input: CustomerNoteAddInput!) { customerNoteAdd(input: $input) {
  note { message author { email } } customer { notes { message } }
  errors { code field message } } }"""
UPDATE = """mutation($input: CustomerUpdateInput!) { customerUpdate(input: $input) {
  customer { email firstName lastName isActive note } errors { code field } } }"""
ME = "{ me { email } }"


async def staff_token(db: Database, *permissions: Permission) -> str:
    _, token = await user_with_token(db, "staff@example.com",
                                     permissions=permissions or [Permission.MANAGE_CUSTOMERS])
    return token


async def test_staff_list_customers_with_their_order_aggregates(db: Database, gql: Any) -> None:
    token = await staff_token(db)
    ann = await make_user(db, "ann@example.com")
    await make_user(db, "bob@example.com", first_name="Bob")
    await make_order(db, ann, 1250)
    await make_order(db, ann, 999, status="CANCELED")
    body = await gql(CUSTOMERS, {"sortBy": {"field": "TOTAL_SPENT", "direction": "DESC"}},
                     token=token)
    nodes = body["data"]["customers"]["nodes"]
    assert [(n["email"], n["orderCount"], n["totalSpent"]) for n in nodes] == [
        ("ann@example.com", 2, {"amount": "12.50", "currency": "USD"}),
        ("bob@example.com", 0, {"amount": "0.00", "currency": "USD"})]
    assert nodes[0]["lastOrderAt"] is not None and nodes[1]["lastOrderAt"] is None

    searched = await gql(CUSTOMERS, {"filter": {"search": "BOB", "hasOrders": False}},
                         token=token)
    assert [n["email"] for n in searched["data"]["customers"]["nodes"]] == ["bob@example.com"]


async def test_the_listing_pages_with_cursors_and_rejects_bad_ones(db: Database,
                                                                   gql: Any) -> None:
    token = await staff_token(db)
    for name in "abc":
        await make_user(db, f"{name}@example.com")
    sort = {"field": "EMAIL", "direction": "ASC"}
    first = (await gql(CUSTOMERS, {"first": 2, "sortBy": sort}, token=token))["data"]
    assert [n["email"] for n in first["customers"]["nodes"]] == ["a@example.com",
                                                                 "b@example.com"]
    assert first["customers"]["pageInfo"]["hasNextPage"] is True
    after = first["customers"]["pageInfo"]["endCursor"]
    rest = (await gql(CUSTOMERS, {"first": 2, "after": after, "sortBy": sort},
                      token=token))["data"]
    assert [n["email"] for n in rest["customers"]["nodes"]] == ["c@example.com"]
    bad = await gql(CUSTOMERS, {"after": after, "sortBy": {"field": "CREATED_AT"}},
                    token=token, expect_errors=True)
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_ARGUMENT"
    too_many = await gql(CUSTOMERS, {"first": 101}, token=token, expect_errors=True)
    assert too_many["errors"][0]["extensions"]["code"] == "INVALID_ARGUMENT"
    too_long = await gql(CUSTOMERS, {"filter": {"search": "x" * 255}}, token=token,
                         expect_errors=True)
    assert too_long["errors"][0]["extensions"]["code"] == "INVALID_ARGUMENT"


async def test_a_customer_shows_profile_orders_addresses_and_notes(db: Database,
                                                                   gql: Any) -> None:
    token = await staff_token(db)
    ann = await make_user(db, "ann@example.com")
    await make_order(db, ann, 4000)
    await make_order(db, None, 999)  # a guest's order is nobody's history
    customer_id = encode_id("Customer", ann)
    added = await gql(NOTE_ADD, {"input": {"customerId": customer_id,
                                           "message": "Called about a late parcel"}},
                      token=token)
    assert added["data"]["customerNoteAdd"] == {
        "note": {"message": "Called about a late parcel",
                 "author": {"email": "staff@example.com"}},
        "customer": {"notes": [{"message": "Called about a late parcel"}]}, "errors": []}
    await gql(NOTE_ADD, {"input": {"customerId": customer_id, "message": "Second"}},
              token=token)

    customer = (await gql(CUSTOMER, {"id": customer_id}, token=token))["data"]["customer"]
    assert customer["id"] == customer_id and customer["email"] == "ann@example.com"
    assert (customer["orderCount"], customer["totalSpent"]) == (1, {"amount": "40.00"})
    assert customer["user"] == {"email": "ann@example.com", "isStaff": False}
    assert [o["total"] for o in customer["orders"]["nodes"]] == [{"amount": "40.00"}]
    assert [n["message"] for n in customer["notes"]] == ["Second", "Called about a late parcel"]
    # A User ID reaches the same customer; a staff account is no customer.
    by_user = await gql(CUSTOMER, {"id": encode_id("User", ann)}, token=token)
    assert by_user["data"]["customer"]["id"] == customer_id
    staff_id = encode_id("User", 1)
    assert (await gql(CUSTOMER, {"id": staff_id}, token=token))["data"]["customer"] is None
    assert (await gql(CUSTOMER, {"id": "nonsense"}, token=token))["data"]["customer"] is None
    node = await gql("query($id: ID!) { node(id: $id) { ... on Customer { email } } }",
                     {"id": customer_id}, token=token)
    assert node["data"]["node"] == {"email": "ann@example.com"}


async def test_a_note_without_text_or_customer_is_a_payload_error(db: Database,
                                                                  gql: Any) -> None:
    token = await staff_token(db)
    ann = await make_user(db, "ann@example.com")
    empty = await gql(NOTE_ADD, {"input": {"customerId": encode_id("Customer", ann),
                                           "message": " "}}, token=token)
    assert empty["data"]["customerNoteAdd"]["errors"][0]["code"] == "REQUIRED"
    wrong = await gql(NOTE_ADD, {"input": {"customerId": encode_id("Product", ann),
                                           "message": "hi"}}, token=token)
    assert wrong["data"]["customerNoteAdd"]["errors"][0]["field"] == ["customerId"]


async def test_disabling_a_customer_signs_them_out_and_a_taken_email_is_a_duplicate(
        db: Database, gql: Any) -> None:
    token = await staff_token(db)
    ann, ann_token = await user_with_token(db, "ann@example.com")
    await make_user(db, "bob@example.com")
    assert (await gql(ME, token=ann_token))["data"]["me"] == {"email": "ann@example.com"}

    taken = await gql(UPDATE, {"input": {"id": encode_id("Customer", ann),
                                         "email": "bob@example.com"}}, token=token)
    assert taken["data"]["customerUpdate"] == {
        "customer": None, "errors": [{"code": "DUPLICATE", "field": ["email"]}]}

    disabled = await gql(UPDATE, {"input": {"id": encode_id("Customer", ann),
                                            "isActive": False, "lastName": "Smith",
                                            "note": "Chargeback in 2023"}}, token=token)
    assert disabled["data"]["customerUpdate"] == {
        "customer": {"email": "ann@example.com", "firstName": "Ann", "lastName": "Smith",
                     "isActive": False, "note": "Chargeback in 2023"}, "errors": []}
    assert (await gql(ME, token=ann_token))["data"]["me"] is None
    # Re-enabled, the account can sign in again, but the old session stays revoked.
    await gql(UPDATE, {"input": {"id": encode_id("Customer", ann), "isActive": True}},
              token=token)
    assert (await gql(ME, token=ann_token))["data"]["me"] is None
    assert (await gql(ME, token=await make_token(db, ann)))["data"]["me"] == {
        "email": "ann@example.com"}


async def test_customer_management_needs_manage_customers(db: Database, gql: Any) -> None:
    other = await staff_token(db, Permission.MANAGE_ORDERS)
    ann, customer_token = await user_with_token(db, "ann@example.com")
    customer_id = encode_id("Customer", ann)
    documents = [
        (CUSTOMERS, {}),
        (CUSTOMER, {"id": customer_id}),
        (NOTE_ADD, {"input": {"customerId": customer_id, "message": "x"}}),
        (UPDATE, {"input": {"id": customer_id, "isActive": False}}),
    ]
    for document, variables in documents:
        for token, code in ((None, "UNAUTHENTICATED"), (customer_token, "FORBIDDEN"),
                            (other, "FORBIDDEN")):
            body = await gql(document, variables, token=token, expect_errors=True)
            assert body["errors"][0]["extensions"]["code"] == code, (document, token)
    node = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": customer_id},
                     token=other)
    assert node["data"]["node"] is None
    # Nothing changed.
    assert (await gql(ME, token=customer_token))["data"]["me"] == {"email": "ann@example.com"}


async def test_a_page_of_customers_with_aggregates_costs_the_same_statements_at_5_and_50(
        db: Database, gql: Any, count_statements: Callable[[], Any]) -> None:
    token = await staff_token(db)
    for i in range(50):
        user = await make_user(db, f"c{i:02d}@example.com")
        for n in range(i % 3):
            await make_order(db, user, 100 * (n + 1))

    async def statements(first: int, sort: str) -> int:
        with count_statements() as counter:
            body = await gql(
                "query($first: Int, $sortBy: CustomerSortInput) { customers(first: $first, "
                "sortBy: $sortBy) { nodes { email orderCount totalSpent { amount } "
                "lastOrderAt notes { message } } } }",
                {"first": first, "sortBy": {"field": sort}}, token=token)
        assert len(body["data"]["customers"]["nodes"]) == first
        return int(counter.count)

    for sort in ("EMAIL", "TOTAL_SPENT"):
        small, large = await statements(5, sort), await statements(50, sort)
        assert small == large
        assert small <= 4  # viewer, customers page, one grouped aggregate, notes
