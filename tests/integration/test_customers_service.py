"""Customer management use cases and read side on a real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from commerce.accounts.authentication import viewer_for_token
from commerce.accounts.permissions import Permission
from commerce.customers import queries, service
from commerce.customers.filters import CustomerFilter, CustomerSort, CustomerSortField
from commerce.db.database import Database
from commerce.db.models import AuthToken, CustomerNote, User
from commerce.shared.clock import utcnow
from commerce.shared.errors import DomainError
from commerce.shared.pagination import PaginationError
from tests.account_helpers import make_token, make_user
from tests.customer_helpers import make_order


def codes(exc: pytest.ExceptionInfo[DomainError]) -> list[tuple[str, tuple[str, ...] | None]]:
    return [(p.code.value, p.field) for p in exc.value.problems]


async def listing(db: Database, flt: CustomerFilter = CustomerFilter(),
                  sort: CustomerSort = CustomerSort(), first: int = 20,
                  after: str | None = None) -> tuple[list[str], str | None, bool]:
    reader = db.reader()
    try:
        page = await queries.list_customers(reader, flt=flt, sort=sort, first=first,
                                            after=after)
    finally:
        await reader.close()
    return ([r.email for r in page.items], page.cursors[-1] if page.cursors else None,
            page.has_next)


async def test_a_note_is_added_to_a_customer_by_its_author(db: Database) -> None:
    staff = await make_user(db, "staff@example.com", permissions=[Permission.MANAGE_CUSTOMERS])
    ann = await make_user(db, "ann@example.com")
    note_id = await service.add_note(db, ann, author_id=staff, message="  Prefers phone  ")
    async with db.transaction() as s:
        note = (await s.execute(
            select(CustomerNote).where(CustomerNote.id == note_id))).scalar_one()
    assert (note.user_id, note.author_id, note.message) == (ann, staff, "Prefers phone")


async def test_a_note_must_say_something_and_go_to_a_customer(db: Database) -> None:
    staff = await make_user(db, "staff@example.com", permissions=[Permission.MANAGE_CUSTOMERS])
    with pytest.raises(DomainError) as empty:
        await service.add_note(db, staff, author_id=staff, message="   ")
    assert codes(empty) == [("REQUIRED", ("message",))]
    with pytest.raises(DomainError) as long:
        await service.add_note(db, staff, author_id=staff, message="x" * 5001)
    assert codes(long) == [("INVALID", ("message",))]
    with pytest.raises(DomainError) as staff_target:
        await service.add_note(db, staff, author_id=staff, message="hi")
    assert codes(staff_target) == [("NOT_FOUND", ("customerId",))]
    with pytest.raises(DomainError) as missing:
        await service.add_note(db, 9999, author_id=staff, message="hi")
    assert codes(missing) == [("NOT_FOUND", ("customerId",))]


async def test_updating_a_customer_reports_every_bad_field_at_once(db: Database) -> None:
    ann = await make_user(db, "ann@example.com")
    with pytest.raises(DomainError) as exc:
        await service.update_customer(db, ann, email="not-an-address", first_name="x" * 129,
                                      note="n" * 5001)
    assert sorted(codes(exc)) == [("INVALID", ("email",)), ("INVALID", ("firstName",)),
                                  ("INVALID", ("note",))]


async def test_an_email_taken_by_another_account_is_a_duplicate(db: Database) -> None:
    ann = await make_user(db, "ann@example.com")
    await make_user(db, "bob@example.com")
    with pytest.raises(DomainError) as exc:
        await service.update_customer(db, ann, email=" BOB@example.com ")
    assert codes(exc) == [("DUPLICATE", ("email",))]
    await service.update_customer(db, ann, email="ANN@example.com", first_name="Annie",
                                  note="VIP")
    async with db.transaction() as s:
        user = (await s.execute(select(User).where(User.id == ann))).scalar_one()
    assert (user.email, user.first_name, user.note) == ("ann@example.com", "Annie", "VIP")


async def test_staff_accounts_cannot_be_changed_as_customers(db: Database) -> None:
    staff = await make_user(db, "staff@example.com", staff=True)
    with pytest.raises(DomainError) as exc:
        await service.update_customer(db, staff, is_active=False)
    assert codes(exc) == [("NOT_FOUND", ("id",))]


async def test_disabling_a_customer_revokes_every_token_and_enabling_does_not_restore_them(
        db: Database) -> None:
    ann = await make_user(db, "ann@example.com")
    tokens = [await make_token(db, ann), await make_token(db, ann)]
    await service.update_customer(db, ann, is_active=False)
    reader = db.reader()
    try:
        assert [await viewer_for_token(reader, t) for t in tokens] == [None, None]
        await service.update_customer(db, ann, is_active=True)
        assert [await viewer_for_token(reader, t) for t in tokens] == [None, None]
    finally:
        await reader.close()
    async with db.transaction() as s:
        revoked = (await s.execute(select(AuthToken.revoked_at)
                                   .where(AuthToken.user_id == ann))).scalars().all()
    assert len(revoked) == 2 and all(r is not None for r in revoked)


async def test_the_listing_shows_customers_only_and_filters_by_search_status_and_orders(
        db: Database) -> None:
    await make_user(db, "staff@example.com", staff=True, first_name="Ann")
    ann = await make_user(db, "ann@example.com", first_name="Ann", last_name="Lee")
    await make_user(db, "bob@shop.test", first_name="Robert", last_name="Annerson",
                    active=False)
    await make_user(db, "carol@example.com", first_name="Carol", last_name="King")
    await make_order(db, ann, 1000)

    assert sorted((await listing(db))[0]) == ["ann@example.com", "bob@shop.test",
                                              "carol@example.com"]
    search = CustomerFilter(search="ANN")  # first name, last name (any case)
    assert sorted((await listing(db, search))[0]) == ["ann@example.com", "bob@shop.test"]
    assert (await listing(db, CustomerFilter(search="shop.TEST")))[0] == ["bob@shop.test"]
    assert (await listing(db, CustomerFilter(search="ann lee")))[0] == ["ann@example.com"]
    assert (await listing(db, CustomerFilter(search="100%")))[0] == []
    assert sorted((await listing(db, CustomerFilter(is_active=True)))[0]) == [
        "ann@example.com", "carol@example.com"]
    assert (await listing(db, CustomerFilter(has_orders=True)))[0] == ["ann@example.com"]
    assert sorted((await listing(db, CustomerFilter(has_orders=False)))[0]) == [
        "bob@shop.test", "carol@example.com"]


async def test_aggregates_count_every_order_but_total_only_those_not_canceled(
        db: Database) -> None:
    ann = await make_user(db, "ann@example.com")
    bob = await make_user(db, "bob@example.com")
    carol = await make_user(db, "carol@example.com")
    now = utcnow()
    await make_order(db, ann, 1000, created_at=now - timedelta(days=3))
    await make_order(db, ann, 2500, created_at=now - timedelta(days=1), status="COMPLETED")
    await make_order(db, ann, 9999, created_at=now, status="CANCELED")
    await make_order(db, bob, 700)
    await make_order(db, None, 5000)  # a guest's order belongs to nobody
    reader = db.reader()
    try:
        stats = await queries.stats_by_user_ids(reader, [ann, bob, carol])
    finally:
        await reader.close()
    assert (stats[ann].order_count, stats[ann].total_spent) == (3, 3500)
    assert abs(stats[ann].last_order_at - now) < timedelta(seconds=1)
    assert (stats[bob].order_count, stats[bob].total_spent) == (1, 700)
    assert carol not in stats


@pytest.mark.parametrize("field, descending, expected", [
    (CustomerSortField.EMAIL, False, ["a@x.io", "b@x.io", "c@x.io", "d@x.io", "e@x.io"]),
    (CustomerSortField.EMAIL, True, ["e@x.io", "d@x.io", "c@x.io", "b@x.io", "a@x.io"]),
    (CustomerSortField.CREATED_AT, False, ["c@x.io", "a@x.io", "e@x.io", "b@x.io", "d@x.io"]),
    (CustomerSortField.CREATED_AT, True, ["d@x.io", "b@x.io", "e@x.io", "a@x.io", "c@x.io"]),
    # Ties (no orders: 0 spent, no last order) fall back to the id.
    (CustomerSortField.TOTAL_SPENT, False, ["c@x.io", "e@x.io", "d@x.io", "b@x.io", "a@x.io"]),
    (CustomerSortField.TOTAL_SPENT, True, ["a@x.io", "b@x.io", "d@x.io", "e@x.io", "c@x.io"]),
    (CustomerSortField.LAST_ORDER_AT, False,
     ["c@x.io", "e@x.io", "b@x.io", "a@x.io", "d@x.io"]),
    (CustomerSortField.LAST_ORDER_AT, True,
     ["d@x.io", "a@x.io", "b@x.io", "e@x.io", "c@x.io"]),
])
async def test_every_sort_pages_through_all_customers_in_order_two_at_a_time(
        db: Database, field: CustomerSortField, descending: bool, expected: list[str]) -> None:
    now = utcnow()
    ids = {}
    # Created in this order; created_at is set explicitly so it disagrees with the id order.
    for email, days_ago in [("c@x.io", 50), ("a@x.io", 40), ("e@x.io", 30), ("b@x.io", 20),
                            ("d@x.io", 10)]:
        ids[email] = await make_user(db, email)
        async with db.transaction() as s:
            user = (await s.execute(select(User).where(User.id == ids[email]))).scalar_one()
            user.created_at = now - timedelta(days=days_ago)
    await make_order(db, ids["a@x.io"], 5000, created_at=now - timedelta(days=2))
    await make_order(db, ids["b@x.io"], 3000, created_at=now - timedelta(days=5))
    await make_order(db, ids["d@x.io"], 1000, created_at=now - timedelta(days=1))
    await make_order(db, ids["d@x.io"], 800, created_at=now - timedelta(days=9),
                     status="CANCELED")
    sort = CustomerSort(field=field, descending=descending)
    seen: list[str] = []
    after = None
    while True:
        emails, after, more = await listing(db, sort=sort, first=2, after=after)
        seen.extend(emails)
        if not more:
            break
    assert seen == expected


async def test_a_cursor_from_another_sort_is_refused(db: Database) -> None:
    for email in ("a@x.io", "b@x.io"):
        await make_user(db, email)
    _, cursor, _ = await listing(db, sort=CustomerSort(CustomerSortField.EMAIL), first=1)
    with pytest.raises(PaginationError):
        await listing(db, sort=CustomerSort(CustomerSortField.TOTAL_SPENT), after=cursor)
