"""The books through HTTP: expenses and manual entries post balanced entries (typed field
errors otherwise), reversals once, the journal and trial balance for readers, and who may."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from commerce.accounting import ledger
from commerce.accounts.permissions import Permission
from commerce.db.database import Database
from tests.account_helpers import user_with_token
from tests.conftest import GQL

pytestmark = pytest.mark.timeout(120)

ENTRY = """entry { id number memo sourceType postedAt
  lines { accountCode amount { amount currency } debit { amount } credit { amount } }
  reverses { number } reversedBy { number } }
errors { code message field }"""
EXPENSE = ("mutation ($input: ExpenseRecordInput!) { expenseRecord(input: $input) { "
           + ENTRY + " } }")
CREATE = ("mutation ($input: JournalEntryCreateInput!) { journalEntryCreate(input: $input) { "
          + ENTRY + " } }")
REVERSE = ("mutation ($input: JournalEntryReverseInput!) { journalEntryReverse(input: $input) "
           "{ " + ENTRY + " } }")
ACCOUNT = ("mutation ($input: LedgerAccountCreateInput!) { ledgerAccountCreate(input: $input) "
           "{ account { code name type isSystem } errors { code field } } }")
JOURNAL = """query ($first: Int, $after: String, $filter: JournalEntryFilter) {
  journalEntries(first: $first, after: $after, filter: $filter) {
    nodes { number sourceType lines { accountCode amount { amount } } }
    pageInfo { hasNextPage endCursor } } }"""
TRIAL = """query ($asOf: DateTime) { trialBalance(asOf: $asOf) {
  lines { accountCode accountType debit { amount } credit { amount } balance { amount currency } }
  totals { amount currency } } }"""


@pytest.fixture
async def accountant(db: Database) -> str:
    async with db.transaction() as s:
        await ledger.ensure_chart(s)
    _, token = await user_with_token(db, "books@example.com",
                                     permissions=[Permission.MANAGE_ACCOUNTING])
    return token


async def test_an_expense_posts_debit_expense_credit_bank_or_payables(
        gql: GQL, accountant: str) -> None:
    paid = (await gql(EXPENSE, {"input": {
        "category": "ADVERTISING", "amount": "120.50", "vendor": "Ads Inc", "note": "June",
        "date": "2026-06-30T12:00:00+00:00"}}, token=accountant))["data"]["expenseRecord"]
    assert paid["errors"] == []
    entry = paid["entry"]
    assert (entry["number"], entry["sourceType"], entry["memo"]) == (1, "EXPENSE",
                                                                     "Ads Inc — June")
    assert entry["postedAt"].startswith("2026-06-30T12:00:00")
    assert [(x["accountCode"], x["amount"]["amount"], x["debit"], x["credit"])
            for x in entry["lines"]] == [("5300", "120.50", {"amount": "120.50"}, None),
                                         ("1000", "-120.50", None, {"amount": "120.50"})]
    owed = (await gql(EXPENSE, {"input": {"category": "STAFFING", "amount": "80",
                                          "paid": False}}, token=accountant))
    assert [x["accountCode"] for x in owed["data"]["expenseRecord"]["entry"]["lines"]] == [
        "5400", "2000"]


async def test_an_expense_with_an_idempotency_key_is_recorded_once(
        gql: GQL, accountant: str) -> None:
    variables = {"input": {"category": "OTHER", "amount": "5", "idempotencyKey": "inv-1"}}
    first = (await gql(EXPENSE, variables, token=accountant))["data"]["expenseRecord"]
    again = (await gql(EXPENSE, variables, token=accountant))["data"]["expenseRecord"]
    assert first["entry"]["id"] == again["entry"]["id"]
    page = (await gql(JOURNAL, {}, token=accountant))["data"]["journalEntries"]
    assert len(page["nodes"]) == 1


@pytest.mark.parametrize(("fields", "code", "field"), [
    ({"amount": "0"}, "INVALID", ["amount"]),
    ({"amount": "-3"}, "INVALID", ["amount"]),
    ({"amount": "1.234"}, "INVALID", ["amount"]),
    ({"currency": "XYZ"}, "INVALID", ["currency"]),
    ({"vendor": "v" * 201}, "INVALID", ["vendor"]),
    ({"idempotencyKey": " "}, "INVALID", ["idempotencyKey"]),
])
async def test_an_invalid_expense_gets_field_errors_and_posts_nothing(
        gql: GQL, accountant: str, fields: dict[str, Any], code: str,
        field: list[str]) -> None:
    result = (await gql(EXPENSE, {"input": {"category": "OTHER", "amount": "5", **fields}},
                        token=accountant))["data"]["expenseRecord"]
    assert result["entry"] is None
    assert [(e["code"], e["field"]) for e in result["errors"]] == [(code, field)]
    assert (await gql(JOURNAL, {}, token=accountant))["data"]["journalEntries"]["nodes"] == []


async def test_a_manual_entry_must_balance_per_currency_with_errors_per_line(
        gql: GQL, accountant: str) -> None:
    good = (await gql(CREATE, {"input": {"memo": "Owner's capital", "lines": [
        {"accountCode": "1000", "debit": "1000"},
        {"accountCode": "3000", "credit": "1000"}]}}, token=accountant))
    assert good["data"]["journalEntryCreate"]["errors"] == []
    cases = [
        ([{"accountCode": "1000", "debit": "10"}, {"accountCode": "3000", "credit": "9"}],
         ("INVALID", ["lines"])),
        ([{"accountCode": "1000", "debit": "10"},
          {"accountCode": "3000", "credit": "10", "currency": "EUR"}],
         ("INVALID", ["lines"])),
        ([{"accountCode": "1000", "debit": "10", "credit": "10"},
          {"accountCode": "3000", "credit": "10"}], ("INVALID", ["lines", "0", "debit"])),
        ([{"accountCode": "1000", "debit": "10"}], ("INVALID", ["lines"])),
        ([{"accountCode": "1000", "debit": "10"}, {"accountCode": "3000", "credit": "x"}],
         ("INVALID", ["lines", "1", "credit"])),
        ([{"accountCode": "1000", "debit": "10"}, {"accountCode": "9999", "credit": "10"}],
         ("NOT_FOUND", ["lines"])),
    ]
    for lines, expected in cases:
        bad = (await gql(CREATE, {"input": {"lines": lines}}, token=accountant))
        payload = bad["data"]["journalEntryCreate"]
        assert payload["entry"] is None
        assert (payload["errors"][0]["code"], payload["errors"][0]["field"]) == expected, lines
    page = (await gql(JOURNAL, {}, token=accountant))["data"]["journalEntries"]
    assert [n["number"] for n in page["nodes"]] == [1]


async def test_reverse_once_then_invalid_state(gql: GQL, accountant: str) -> None:
    entry = (await gql(EXPENSE, {"input": {"category": "SHIPPING", "amount": "7.25"}},
                       token=accountant))["data"]["expenseRecord"]["entry"]
    reversed_ = (await gql(REVERSE, {"input": {"id": entry["id"], "memo": "typo"}},
                           token=accountant))["data"]["journalEntryReverse"]
    assert reversed_["errors"] == []
    assert reversed_["entry"]["reverses"] == {"number": 1}
    assert [(x["accountCode"], x["amount"]["amount"]) for x in reversed_["entry"]["lines"]] == [
        ("5200", "-7.25"), ("1000", "7.25")]
    again = (await gql(REVERSE, {"input": {"id": entry["id"]}},
                       token=accountant))["data"]["journalEntryReverse"]
    assert [(e["code"], e["field"]) for e in again["errors"]] == [("INVALID_STATE", ["id"])]
    bad_id = (await gql(REVERSE, {"input": {"id": "nope"}},
                        token=accountant))["data"]["journalEntryReverse"]
    assert bad_id["errors"][0]["code"] == "INVALID"
    trial = (await gql(TRIAL, {}, token=accountant))["data"]["trialBalance"]
    assert {x["accountCode"]: x["balance"]["amount"] for x in trial["lines"]} == {
        "1000": "0.00", "5200": "0.00"}
    # Debits of both entries: 7.25 to shipping costs, then 7.25 back to the bank.
    assert trial["totals"] == [{"amount": "14.50", "currency": "USD"}]


async def test_trial_balance_as_of_a_date_and_debits_equal_credits(
        gql: GQL, accountant: str) -> None:
    for day, amount in (("2026-01-10", "10"), ("2026-02-10", "20")):
        await gql(EXPENSE, {"input": {"category": "OTHER", "amount": amount,
                                      "date": f"{day}T00:00:00+00:00"}}, token=accountant)
    january = (await gql(TRIAL, {"asOf": "2026-01-31T23:59:59+00:00"},
                         token=accountant))["data"]["trialBalance"]
    assert [(x["accountCode"], x["balance"]["amount"]) for x in january["lines"]] == [
        ("1000", "-10.00"), ("5900", "10.00")]
    everything = (await gql(TRIAL, {}, token=accountant))["data"]["trialBalance"]
    assert everything["totals"] == [{"amount": "30.00", "currency": "USD"}]
    debits = sum(float(x["debit"]["amount"]) for x in everything["lines"])
    credits = sum(float(x["credit"]["amount"]) for x in everything["lines"])
    assert debits == credits == 30


async def test_the_journal_pages_newest_first_and_filters(gql: GQL, accountant: str) -> None:
    for amount in ("1", "2", "3"):
        await gql(EXPENSE, {"input": {"category": "OTHER", "amount": amount}},
                  token=accountant)
    await gql(CREATE, {"input": {"lines": [{"accountCode": "1000", "debit": "1"},
                                           {"accountCode": "3000", "credit": "1"}]}},
              token=accountant)
    first = (await gql(JOURNAL, {"first": 3}, token=accountant))["data"]["journalEntries"]
    assert [n["number"] for n in first["nodes"]] == [4, 3, 2]
    assert first["pageInfo"]["hasNextPage"]
    rest = (await gql(JOURNAL, {"first": 3, "after": first["pageInfo"]["endCursor"]},
                      token=accountant))["data"]["journalEntries"]
    assert [n["number"] for n in rest["nodes"]] == [1]
    manual = (await gql(JOURNAL, {"filter": {"sourceType": "MANUAL"}},
                        token=accountant))["data"]["journalEntries"]
    assert [n["number"] for n in manual["nodes"]] == [4]


async def test_staff_add_accounts_with_unique_codes(gql: GQL, accountant: str) -> None:
    made = (await gql(ACCOUNT, {"input": {"code": "5310", "name": "Sponsorships",
                                          "type": "EXPENSE"}}, token=accountant))
    assert made["data"]["ledgerAccountCreate"]["account"] == {
        "code": "5310", "name": "Sponsorships", "type": "EXPENSE", "isSystem": False}
    for code, error in (("5310", "DUPLICATE"), ("1000", "DUPLICATE"), ("2200-US-CA", "INVALID"),
                        ("a b", "INVALID")):
        again = (await gql(ACCOUNT, {"input": {"code": code, "name": "X", "type": "EXPENSE"}},
                           token=accountant))["data"]["ledgerAccountCreate"]
        assert [(e["code"], e["field"]) for e in again["errors"]] == [(error, ["code"])], code
    await gql(CREATE, {"input": {"lines": [{"accountCode": "5310", "debit": "1"},
                                           {"accountCode": "1000", "credit": "1"}]}},
              token=accountant)
    accounts = (await gql("{ ledgerAccounts { code } }", token=accountant))["data"]
    assert "5310" in [a["code"] for a in accounts["ledgerAccounts"]]


async def test_readers_read_but_only_accountants_write(db: Database, gql: GQL,
                                                       accountant: str) -> None:
    _, reader = await user_with_token(db, "reports@example.com",
                                      permissions=[Permission.VIEW_REPORTS])
    _, clerk = await user_with_token(db, "clerk@example.com",
                                     permissions=[Permission.MANAGE_ORDERS])
    assert (await gql(TRIAL, {}, token=reader))["data"]["trialBalance"]["lines"] == []
    assert (await gql(JOURNAL, {}, token=reader))["data"]["journalEntries"]["nodes"] == []
    denied = await gql(EXPENSE, {"input": {"category": "OTHER", "amount": "1"}}, token=reader,
                       expect_errors=True)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    for token in (clerk, None):
        body = await gql(JOURNAL, {}, token=token, expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] in {"FORBIDDEN", "UNAUTHENTICATED"}


async def test_the_journal_costs_the_same_statements_for_2_or_12_entries(
        gql: GQL, accountant: str, count_statements: Callable[[], Any]) -> None:
    async def statements() -> int:
        with count_statements() as counter:
            await gql("""{ journalEntries(first: 50) { nodes { number
              lines { accountCode } reverses { number } reversedBy { number } } } }""",
                      token=accountant)
        return int(counter.count)

    for amount in ("1", "2"):
        await gql(EXPENSE, {"input": {"category": "OTHER", "amount": amount}},
                  token=accountant)
    few = await statements()
    for _ in range(10):
        await gql(EXPENSE, {"input": {"category": "OTHER", "amount": "1"}}, token=accountant)
    assert await statements() == few


async def test_the_journal_filters_by_accounting_date_and_refuses_a_foreign_cursor(
        gql: GQL, accountant: str) -> None:
    for day in ("2026-01-10", "2026-02-10", "2026-03-10"):
        await gql(EXPENSE, {"input": {"category": "OTHER", "amount": "1",
                                      "date": f"{day}T00:00:00+00:00"}}, token=accountant)
    february = (await gql(JOURNAL, {"filter": {"postedFrom": "2026-02-01T00:00:00+00:00",
                                               "postedTo": "2026-03-10T00:00:00+00:00"}},
                          token=accountant))["data"]["journalEntries"]
    assert [n["number"] for n in february["nodes"]] == [2]
    page = (await gql(JOURNAL, {"first": 1}, token=accountant))["data"]["journalEntries"]
    # A cursor of the unfiltered list does not continue a filtered one.
    body = await gql(JOURNAL, {"first": 1, "after": page["pageInfo"]["endCursor"],
                               "filter": {"sourceType": "EXPENSE"}}, token=accountant,
                     expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "INVALID_ARGUMENT"


async def test_a_date_without_a_time_zone_is_a_field_error_not_a_crash(
        gql: GQL, accountant: str) -> None:
    # Found trying the demo: "2026-12-01" parsed as a naive date-time and the insert blew up.
    for date in ("2026-12-01", "2026-12-01T09:00:00"):
        refused = (await gql(EXPENSE, {"input": {"category": "OTHER", "amount": "5",
                                                 "date": date}}, token=accountant)
                   )["data"]["expenseRecord"]
        assert [(e["code"], e["field"]) for e in refused["errors"]] == [("INVALID", ["date"])]
    page = (await gql(JOURNAL, {}, token=accountant))["data"]["journalEntries"]
    assert page["nodes"] == []
