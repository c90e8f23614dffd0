"""Discount codes on a real database: terms staff set, as checkout then reads them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from commerce.cart.pricing import DiscountKind
from commerce.db.database import Database
from commerce.db.models import DiscountCode
from commerce.discounts import service
from commerce.discounts.queries import DiscountFilter, list_discounts
from commerce.discounts.validation import DiscountChanges, DiscountData
from commerce.shared.clock import utcnow
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError


async def _row(db: Database, pk: int) -> DiscountCode:
    async with db.transaction() as s:
        row = await s.get(DiscountCode, pk)
        assert row is not None
        return row


async def _use(db: Database, pk: int, times: int) -> None:
    async with db.transaction() as s:
        await s.execute(update(DiscountCode).where(DiscountCode.id == pk)
                        .values(times_used=times))


async def test_codes_are_stored_upper_case_with_the_value_in_minor_units(db: Database) -> None:
    pk = await service.discount_create(db, DiscountData(
        code="summer5", kind=DiscountKind.FIXED_AMOUNT, value="5", min_subtotal=3000),
        currency="USD")
    row = await _row(db, pk)
    assert (row.code, row.kind, row.value, row.min_subtotal, row.times_used) == \
        ("SUMMER5", "FIXED_AMOUNT", 500, 3000, 0)


async def test_a_code_exists_once_whatever_its_case(db: Database) -> None:
    await service.discount_create(db, DiscountData(code="WELCOME10",
                                                   kind=DiscountKind.PERCENTAGE, value="10"),
                                  currency="USD")
    with pytest.raises(DomainError) as caught:
        await service.discount_create(db, DiscountData(
            code="welcome10", kind=DiscountKind.FREE_SHIPPING), currency="USD")
    assert [(p.code, p.field) for p in caught.value.problems] == \
        [(ErrorCode.DUPLICATE, ("code",))]


async def test_changing_the_kind_needs_a_value_for_the_new_kind(db: Database) -> None:
    pk = await service.discount_create(db, DiscountData(
        code="X", kind=DiscountKind.PERCENTAGE, value="10"), currency="USD")
    with pytest.raises(DomainError) as caught:
        await service.discount_update(db, pk, DiscountChanges(kind=DiscountKind.FIXED_AMOUNT),
                                      currency="USD")
    assert [(p.code, p.field) for p in caught.value.problems] == \
        [(ErrorCode.REQUIRED, ("value",))]
    await service.discount_update(db, pk, DiscountChanges(kind=DiscountKind.FIXED_AMOUNT,
                                                          value="7.50"), currency="USD")
    assert (await _row(db, pk)).value == 750
    await service.discount_update(db, pk, DiscountChanges(kind=DiscountKind.FREE_SHIPPING),
                                  currency="USD")
    assert ((await _row(db, pk)).kind, (await _row(db, pk)).value) == ("FREE_SHIPPING", 0)


async def test_an_update_of_other_fields_keeps_the_value(db: Database) -> None:
    pk = await service.discount_create(db, DiscountData(
        code="X", kind=DiscountKind.PERCENTAGE, value="12.5"), currency="USD")
    await service.discount_update(db, pk, DiscountChanges(usage_limit=10, is_active=False),
                                  currency="USD")
    row = await _row(db, pk)
    assert (row.value, row.usage_limit, row.is_active) == (1250, 10, False)


async def test_a_usage_limit_cannot_be_set_below_the_uses_counted(db: Database) -> None:
    pk = await service.discount_create(db, DiscountData(
        code="X", kind=DiscountKind.FREE_SHIPPING), currency="USD")
    await _use(db, pk, 3)
    with pytest.raises(DomainError) as caught:
        await service.discount_update(db, pk, DiscountChanges(usage_limit=2), currency="USD")
    assert caught.value.problems[0].field == ("usageLimit",)
    await service.discount_update(db, pk, DiscountChanges(usage_limit=3), currency="USD")


async def test_a_used_code_is_kept_for_its_history(db: Database) -> None:
    unused = await service.discount_create(db, DiscountData(
        code="A", kind=DiscountKind.FREE_SHIPPING), currency="USD")
    used = await service.discount_create(db, DiscountData(
        code="B", kind=DiscountKind.FREE_SHIPPING), currency="USD")
    await _use(db, used, 1)
    with pytest.raises(DomainError) as caught:
        await service.discount_delete(db, used)
    assert caught.value.problems[0].code is ErrorCode.IN_USE
    await service.discount_delete(db, unused)
    with pytest.raises(DomainError):
        await service.discount_delete(db, unused)


async def test_the_active_filter_means_usable_now(db: Database) -> None:
    now = utcnow()
    codes = {
        "LIVE": DiscountData(code="LIVE", kind=DiscountKind.FREE_SHIPPING),
        "OFF": DiscountData(code="OFF", kind=DiscountKind.FREE_SHIPPING, is_active=False),
        "EXPIRED": DiscountData(code="EXPIRED", kind=DiscountKind.FREE_SHIPPING,
                                ends_at=now - timedelta(days=1)),
        "SOON": DiscountData(code="SOON", kind=DiscountKind.FREE_SHIPPING,
                             starts_at=now + timedelta(days=1)),
        "USEDUP": DiscountData(code="USEDUP", kind=DiscountKind.FREE_SHIPPING, usage_limit=1),
        "WINDOW": DiscountData(code="WINDOW", kind=DiscountKind.FREE_SHIPPING,
                               starts_at=now - timedelta(days=1),
                               ends_at=now + timedelta(days=1), usage_limit=5),
    }
    ids = {name: await service.discount_create(db, data, currency="USD")
           for name, data in codes.items()}
    await _use(db, ids["USEDUP"], 1)
    reader = db.reader()
    try:
        active = await list_discounts(reader, DiscountFilter(active=True), now=now, first=20,
                                      after=None)
        inactive = await list_discounts(reader, DiscountFilter(active=False), now=now,
                                        first=20, after=None)
        found = await list_discounts(reader, DiscountFilter(search="ire"), now=now, first=20,
                                     after=None)
    finally:
        await reader.close()
    assert [r.code for r in active.items] == ["LIVE", "WINDOW"]
    assert [r.code for r in inactive.items] == ["EXPIRED", "OFF", "SOON", "USEDUP"]
    assert [r.code for r in found.items] == ["EXPIRED"]
