"""Staff writes to the books (MANAGE_ACCOUNTING): manual entries, reversals, expenses and
new accounts. Posted entries never change; a correction is ``journalEntryReverse``."""

from __future__ import annotations

from datetime import datetime

import strawberry

from commerce.accounting import queries, service
from commerce.accounting.chart import AccountType
from commerce.accounting.postings import ExpenseCategory
from commerce.accounts.permissions import Permission
from commerce.api.graphql import decode
from commerce.api.graphql.accounting.types import JournalEntry, LedgerAccount
from commerce.api.graphql.context import Info
from commerce.api.graphql.errors import UserError, from_domain
from commerce.api.graphql.scalars import Decimal
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError
from commerce.shared.money import is_currency


def _currency(code: str | None, default: str, field: list[str]) -> str:
    code = (code or default).strip().upper()
    if not is_currency(code):
        raise DomainError.one(ErrorCode.INVALID, f"unknown currency {code!r}", field)
    return code


def _amount(value: Decimal | None, currency: str, field: list[str]) -> int:
    return 0 if value is None else decode.money(str(value), currency, field)


@strawberry.input(description="One line of a manual entry: a debit or a credit.")
class JournalLineInput:
    account_code: str = strawberry.field(description="The account's code (see "
                                                     "`ledgerAccounts`).")
    debit: Decimal | None = strawberry.field(default=None, description="The debit, as a "
                                             "decimal string; give this or `credit`.")
    credit: Decimal | None = strawberry.field(default=None, description="The credit, as a "
                                              "positive decimal string; give this or `debit`.")
    currency: str | None = strawberry.field(default=None, description="ISO 4217 code; "
                                            "default: the shop currency.")


@strawberry.input(description="A manual journal entry; its debits must equal its credits "
                               "in every currency.")
class JournalEntryCreateInput:
    lines: list[JournalLineInput] = strawberry.field(description="2 to 100 lines.")
    memo: str = strawberry.field(default="", description="What it records; at most 1000 "
                                                         "characters.")
    posted_at: datetime | None = strawberry.field(default=None, description="Its accounting "
                                                  "date, with a time zone offset; default: now.")
    idempotency_key: str | None = strawberry.field(
        default=None, description="Your key for this entry (1-100 characters): sending the "
                                  "same key again returns the first entry instead of posting "
                                  "twice.")


@strawberry.input(description="Which entry to reverse.")
class JournalEntryReverseInput:
    id: strawberry.ID = strawberry.field(description="The entry to cancel.")
    memo: str = strawberry.field(default="", description="Why; at most 1000 characters "
                                                         "(default: \"Reversal of journal "
                                                         "entry <n>\").")
    posted_at: datetime | None = strawberry.field(default=None, description="The reversal's "
                                                  "accounting date, with a time zone "
                                                  "offset; default: now.")


@strawberry.input(description="An expense of the shop.")
class ExpenseRecordInput:
    category: ExpenseCategory = strawberry.field(description="What it was for.")
    amount: Decimal = strawberry.field(description="How much, above zero, as a decimal "
                                                   "string in `currency`.")
    currency: str | None = strawberry.field(default=None, description="ISO 4217 code; "
                                            "default: the shop currency.")
    date: datetime | None = strawberry.field(default=None, description="When it was spent "
                                             "(its accounting date); default: now.")
    vendor: str = strawberry.field(default="", description="Who was paid; at most 200 "
                                                           "characters.")
    note: str = strawberry.field(default="", description="Details; at most 1000 characters.")
    paid: bool = strawberry.field(default=True, description="Paid from the bank now (true) "
                                                            "or owed to the vendor (false: "
                                                            "accounts payable).")
    idempotency_key: str | None = strawberry.field(
        default=None, description="Your key for this expense (1-100 characters): sending the "
                                  "same key again records it once.")


@strawberry.input(description="A new account for the chart.")
class LedgerAccountCreateInput:
    code: str = strawberry.field(description="A unique code: 1-32 letters, digits, '-' or "
                                             "'.'.")
    name: str = strawberry.field(description="Its name; 1-200 characters.")
    type: AccountType = strawberry.field(description="What kind of account it is.")


@strawberry.type(description="Result of `journalEntryCreate`, `journalEntryReverse` and "
                             "`expenseRecord`.")
class JournalEntryPayload:
    entry: JournalEntry | None = strawberry.field(
        default=None, description="The entry posted (or found again by its idempotency key); "
                                  "null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing was posted (INVALID lines, amounts or "
                                          "texts; NOT_FOUND entry or account; INVALID_STATE: "
                                          "already reversed).")


@strawberry.type(description="Result of `ledgerAccountCreate`.")
class LedgerAccountCreatePayload:
    account: LedgerAccount | None = strawberry.field(
        default=None, description="The new account; null when `errors` is not empty.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was not created (INVALID code or name, "
                                          "DUPLICATE code).")


async def _entry(info: Info, entry_id: int) -> JournalEntryPayload:
    return JournalEntryPayload(entry=await info.context.loaders.journal_entry_by_id.load(
        entry_id))


@strawberry.type
class AccountingMutation:
    @strawberry.mutation(description="Post a manual, balanced journal entry. Needs "
                                     "MANAGE_ACCOUNTING.")
    async def journal_entry_create(self, info: Info, input: JournalEntryCreateInput
                                   ) -> JournalEntryPayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_ACCOUNTING)
        try:
            lines = []
            for i, line in enumerate(input.lines):
                path = ["lines", str(i)]
                currency = _currency(line.currency, ctx.settings.currency, [*path, "currency"])
                lines.append(service.ManualLine(
                    line.account_code, _amount(line.debit, currency, [*path, "debit"]),
                    _amount(line.credit, currency, [*path, "credit"]), currency))
            posted_at = decode.optional_instant(input.posted_at, ["postedAt"])
            entry_id = await service.create_manual_entry(
                ctx.db, lines, memo=input.memo, posted_at=posted_at,
                idempotency_key=input.idempotency_key, actor_id=viewer.user_id)
        except DomainError as exc:
            return JournalEntryPayload(errors=from_domain(exc))
        return await _entry(info, entry_id)

    @strawberry.mutation(description="Cancel an entry with a reversing entry (same accounts, "
                                     "opposite sides). An entry is reversed at most once. "
                                     "Needs MANAGE_ACCOUNTING.")
    async def journal_entry_reverse(self, info: Info, input: JournalEntryReverseInput
                                    ) -> JournalEntryPayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_ACCOUNTING)
        try:
            pk = decode.pk(input.id, "JournalEntry", ["id"])
            posted_at = decode.optional_instant(input.posted_at, ["postedAt"])
            entry_id = await service.reverse_entry(ctx.db, pk, memo=input.memo,
                                                   posted_at=posted_at,
                                                   actor_id=viewer.user_id)
        except DomainError as exc:
            return JournalEntryPayload(errors=from_domain(exc))
        return await _entry(info, entry_id)

    @strawberry.mutation(description="Record an expense: debits its category's expense "
                                     "account, credits the bank (paid) or accounts payable. "
                                     "Needs MANAGE_ACCOUNTING.")
    async def expense_record(self, info: Info, input: ExpenseRecordInput
                             ) -> JournalEntryPayload:
        ctx = info.context
        viewer = await ctx.require_staff(Permission.MANAGE_ACCOUNTING)
        try:
            currency = _currency(input.currency, ctx.settings.currency, ["currency"])
            amount = decode.money(str(input.amount), currency, ["amount"])
            spent_at = decode.optional_instant(input.date, ["date"])
            entry_id = await service.record_expense(
                ctx.db, input.category, amount, currency, spent_at=spent_at,
                vendor=input.vendor, note=input.note, paid=input.paid,
                idempotency_key=input.idempotency_key, actor_id=viewer.user_id)
        except DomainError as exc:
            return JournalEntryPayload(errors=from_domain(exc))
        return await _entry(info, entry_id)

    @strawberry.mutation(description="Add an account to the chart. Needs MANAGE_ACCOUNTING.")
    async def ledger_account_create(self, info: Info, input: LedgerAccountCreateInput
                                    ) -> LedgerAccountCreatePayload:
        ctx = info.context
        await ctx.require_staff(Permission.MANAGE_ACCOUNTING)
        try:
            pk = await service.create_account(ctx.db, input.code, input.name, input.type)
        except DomainError as exc:
            return LedgerAccountCreatePayload(errors=from_domain(exc))
        row = await queries.ledger_account_by_id(ctx.reader, pk)
        assert row is not None, "committed before it is read"
        return LedgerAccountCreatePayload(account=LedgerAccount.from_row(row))
