"""Staff reads of the books (MANAGE_ACCOUNTING or VIEW_REPORTS): the chart, the journal and
the trial balance."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Annotated

import strawberry

from commerce.accounting import queries
from commerce.accounts.permissions import Permission
from commerce.api.graphql.accounting.types import (
    JournalEntry,
    LedgerAccount,
    TrialBalance,
    TrialBalanceLine,
)
from commerce.api.graphql.context import Info
from commerce.api.graphql.money import Money
from commerce.api.graphql.pagination import After, Connection, First, bad_argument, connection
from commerce.api.graphql.permissions import require_any
from commerce.shared.ids import InvalidIdError, decode_int_id
from commerce.shared.pagination import PaginationError

READERS = (Permission.MANAGE_ACCOUNTING, Permission.VIEW_REPORTS)


@strawberry.input(description="Which journal entries to list.")
class JournalEntryFilter:
    source_type: str | None = strawberry.field(
        default=None, description="Only entries posted by this kind of fact (MANUAL, "
                                  "EXPENSE, REVERSAL, ...).")
    posted_from: datetime | None = strawberry.field(
        default=None, description="Only entries dated at or after this time.")
    posted_to: datetime | None = strawberry.field(
        default=None, description="Only entries dated before this time.")


@strawberry.type
class AccountingQuery:
    @strawberry.field(description="The chart of accounts, by code. Needs MANAGE_ACCOUNTING "
                                  "or VIEW_REPORTS.")
    async def ledger_accounts(self, info: Info) -> list[LedgerAccount]:
        await require_any(info.context, *READERS)
        return [LedgerAccount.from_row(r) for r in await queries.ledger_accounts(
            info.context.reader)]

    @strawberry.field(description="A journal entry by ID; null when there is none. Needs "
                                  "MANAGE_ACCOUNTING or VIEW_REPORTS.")
    async def journal_entry(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="The entry's ID.")]) -> JournalEntry | None:
        await require_any(info.context, *READERS)
        try:
            pk = decode_int_id(str(id), "JournalEntry")
        except InvalidIdError:
            return None
        return await info.context.loaders.journal_entry_by_id.load(pk)

    @strawberry.field(description="The journal, newest entry first. Needs MANAGE_ACCOUNTING "
                                  "or VIEW_REPORTS. At most 100 per page.")
    async def journal_entries(self, info: Info, first: First = 20, after: After = None,
                              filter: Annotated[JournalEntryFilter | None, strawberry.argument(
                                  description="Which entries to list.")] = None,
                              ) -> Connection[JournalEntry]:
        ctx = info.context
        await require_any(ctx, *READERS)
        f = filter or JournalEntryFilter()
        try:
            page = await queries.journal_entries(
                ctx.reader, source_type=f.source_type, posted_from=f.posted_from,
                posted_to=f.posted_to, first=first, after=after)
        except PaginationError as exc:
            raise bad_argument(exc) from None
        return connection(page, JournalEntry.from_row)

    @strawberry.field(description="Every account's debits and credits up to `asOf` (all "
                                  "entries when null), summed in the database. Needs "
                                  "MANAGE_ACCOUNTING or VIEW_REPORTS.")
    async def trial_balance(self, info: Info, as_of: Annotated[
            datetime | None, strawberry.argument(
                description="Include entries dated at or before this time.")] = None,
                            ) -> TrialBalance:
        await require_any(info.context, *READERS)
        rows = await queries.trial_balance_rows(info.context.reader, as_of)
        totals: dict[str, int] = defaultdict(int)
        for row in rows:
            totals[row.currency] += row.debit
        return TrialBalance(as_of=as_of, lines=[TrialBalanceLine.from_row(r) for r in rows],
                            totals=[Money.of(v, c) for c, v in sorted(totals.items())])
