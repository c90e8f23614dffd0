"""Staff stock changes: journaled, compare-and-set, never below what orders hold."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from commerce.db.database import Database
from commerce.db.models import OutboxEvent, ProductVariant, Stock, StockMovement, Warehouse
from commerce.inventory import queries, service
from commerce.inventory.allocation import Demand, allocate
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError
from tests.account_helpers import make_user
from tests.order_factories import Shop, make_shop, make_variant


async def _stocked(db: Database, shop: Shop, on_hand: int, allocated: int = 0) -> int:
    """A variant whose stock was set (and allocated) through journaled operations only."""
    variant = await make_variant(db, shop, stock=[])
    await service.stock_set(db, variant, shop.warehouse_ids[0], on_hand)
    if allocated:
        async with db.transaction() as s:
            await allocate(s, [Demand(variant, allocated)], order_id=None, actor_id=None)
    return variant


async def _stock(db: Database, variant: int) -> tuple[int, int]:
    async with db.transaction() as s:
        row = (await s.execute(select(Stock.quantity, Stock.allocated)
                               .where(Stock.variant_id == variant))).one()
    return row.quantity, row.allocated


async def _movements(db: Database, variant: int) -> list[StockMovement]:
    async with db.transaction() as s:
        return list((await s.scalars(select(StockMovement).where(
            StockMovement.variant_id == variant).order_by(StockMovement.id))).all())


async def journal_matches_stock(db: Database) -> bool:
    """Every stock row equals the sum of its journaled deltas, and its last after-values."""
    async with db.transaction() as s:
        stocks = (await s.execute(select(Stock.id, Stock.quantity, Stock.allocated))).all()
        sums = {r.stock_id: r for r in (await s.execute(
            select(StockMovement.stock_id, func.sum(StockMovement.quantity_delta).label("q"),
                   func.sum(StockMovement.allocated_delta).label("a"),
                   func.max(StockMovement.id).label("last"))
            .group_by(StockMovement.stock_id))).all()}
        lasts = {m.stock_id: m for m in (await s.scalars(select(StockMovement).where(
            StockMovement.id.in_([r.last for r in sums.values()])))).all()}
    return all(
        (int(sums[r.id].q), int(sums[r.id].a)) == (r.quantity, r.allocated)
        == (lasts[r.id].quantity_after, lasts[r.id].allocated_after)
        for r in stocks)


async def test_stock_set_journals_the_difference_and_emits_an_event(db: Database) -> None:
    shop = await make_shop(db)
    staff = await make_user(db, "stock@example.com", staff=True)
    variant = await make_variant(db, shop, stock=[])
    first = await service.stock_set(db, variant, shop.warehouse_ids[0], 7, actor_id=staff)
    second = await service.stock_set(db, variant, shop.warehouse_ids[0], 4, actor_id=staff)
    assert (first.quantity_delta, second.quantity_delta, second.quantity) == (7, -3, 4)
    moves = await _movements(db, variant)
    assert [(m.reason, m.quantity_delta, m.quantity_after, m.actor_id) for m in moves] == \
        [("SET", 7, 7, staff), ("SET", -3, 4, staff)]
    async with db.transaction() as s:
        events = (await s.scalars(select(OutboxEvent).order_by(OutboxEvent.id))).all()
    assert [(e.type, e.payload["quantity_delta"], e.payload["quantity_after"]) for e in events] \
        == [("stock.set", 7, 7), ("stock.set", -3, 4)]
    assert events[0].payload["currency"] == "USD"
    assert await journal_matches_stock(db)


async def test_a_stock_count_that_matches_is_journaled_but_emits_nothing(db: Database) -> None:
    shop = await make_shop(db)
    variant = await _stocked(db, shop, 5)
    await service.stock_set(db, variant, shop.warehouse_ids[0], 5)
    assert [m.quantity_delta for m in await _movements(db, variant)] == [5, 0]
    async with db.transaction() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxEvent)) == 1


async def test_compare_and_set_refuses_a_stale_count_and_changes_nothing(db: Database) -> None:
    shop = await make_shop(db)
    variant = await _stocked(db, shop, 10)
    with pytest.raises(DomainError) as caught:
        await service.stock_set(db, variant, shop.warehouse_ids[0], 12, expected_quantity=9)
    problem = caught.value.problems[0]
    assert (problem.code, problem.field) == (ErrorCode.STOCK_CHANGED, ("expectedQuantity",))
    assert "now 10" in problem.message
    assert await _stock(db, variant) == (10, 0)
    assert len(await _movements(db, variant)) == 1
    await service.stock_set(db, variant, shop.warehouse_ids[0], 12, expected_quantity=10)
    assert await _stock(db, variant) == (12, 0)


async def test_concurrent_compare_and_sets_from_the_same_count_let_exactly_one_win(
        db: Database) -> None:
    shop = await make_shop(db)
    variant = await _stocked(db, shop, 10)

    async def count(quantity: int) -> bool:
        try:
            await service.stock_set(db, variant, shop.warehouse_ids[0], quantity,
                                    expected_quantity=10)
        except DomainError as exc:
            assert exc.problems[0].code is ErrorCode.STOCK_CHANGED
            return False
        return True

    results = await asyncio.gather(*(count(20 + k) for k in range(8)))
    assert sum(results) == 1
    assert (await _stock(db, variant))[0] in range(20, 28)
    assert await journal_matches_stock(db)


async def test_stock_set_never_goes_below_what_is_allocated(db: Database) -> None:
    shop = await make_shop(db)
    variant = await _stocked(db, shop, 10, allocated=6)
    with pytest.raises(DomainError) as caught:
        await service.stock_set(db, variant, shop.warehouse_ids[0], 5)
    assert "6 units are allocated" in caught.value.problems[0].message
    assert await _stock(db, variant) == (10, 6)


async def test_adjustments_add_and_remove_with_the_reason_as_note(db: Database) -> None:
    shop = await make_shop(db)
    staff = await make_user(db, "stock@example.com", staff=True)
    variant = await _stocked(db, shop, 10, allocated=3)
    await service.stock_adjust(db, variant, shop.warehouse_ids[0], -2, " Damaged in transit ",
                               actor_id=staff)
    change = await service.stock_adjust(db, variant, shop.warehouse_ids[0], 5, "Found on shelf")
    assert (change.quantity, change.allocated) == (13, 3)
    moves = await _movements(db, variant)
    assert [(m.reason, m.quantity_delta, m.allocated_delta, m.note, m.actor_id)
            for m in moves[-2:]] == [("ADJUSTMENT", -2, 0, "Damaged in transit", staff),
                                     ("ADJUSTMENT", 5, 0, "Found on shelf", None)]
    async with db.transaction() as s:
        types = (await s.scalars(select(OutboxEvent.type).order_by(OutboxEvent.id))).all()
    assert types[-2:] == ["stock.adjusted", "stock.adjusted"]
    assert await journal_matches_stock(db)


async def test_an_adjustment_cannot_take_allocated_units(db: Database) -> None:
    shop = await make_shop(db)
    variant = await _stocked(db, shop, 10, allocated=7)
    with pytest.raises(DomainError) as caught:
        await service.stock_adjust(db, variant, shop.warehouse_ids[0], -4, "Lost")
    problem = caught.value.problems[0]
    assert (problem.code, problem.field) == (ErrorCode.INSUFFICIENT_STOCK, ("delta",))
    assert "at most 3" in problem.message
    assert await _stock(db, variant) == (10, 7)


async def test_an_adjustment_needs_a_reason_a_non_zero_delta_and_existing_targets(
        db: Database) -> None:
    with pytest.raises(DomainError) as caught:
        await service.stock_adjust(db, 998, 999, 0, "  ")
    assert {(p.code, p.field) for p in caught.value.problems} == {
        (ErrorCode.INVALID, ("delta",)), (ErrorCode.REQUIRED, ("reason",)),
        (ErrorCode.NOT_FOUND, ("variantId",)), (ErrorCode.NOT_FOUND, ("warehouseId",))}


async def test_adding_to_a_warehouse_without_stock_creates_the_row(db: Database) -> None:
    shop = await make_shop(db, warehouses=2)
    variant = await _stocked(db, shop, 1)
    await service.stock_adjust(db, variant, shop.warehouse_ids[1], 4, "Transfer in")
    with pytest.raises(DomainError):
        await service.stock_adjust(db, variant, shop.warehouse_ids[1], -5, "Too many")
    async with db.transaction() as s:
        rows = (await s.execute(select(Stock.warehouse_id, Stock.quantity).where(
            Stock.variant_id == variant).order_by(Stock.warehouse_id))).all()
    assert [tuple(r) for r in rows] == [(shop.warehouse_ids[0], 1), (shop.warehouse_ids[1], 4)]
    assert await journal_matches_stock(db)


async def test_twenty_concurrent_removals_never_take_allocated_stock(db: Database) -> None:
    shop = await make_shop(db)
    variant = await _stocked(db, shop, 10, allocated=5)

    async def remove_one() -> bool:
        try:
            await service.stock_adjust(db, variant, shop.warehouse_ids[0], -1, "Shrinkage")
        except DomainError as exc:
            assert exc.problems[0].code is ErrorCode.INSUFFICIENT_STOCK
            return False
        return True

    results = await asyncio.gather(*(remove_one() for _ in range(20)))
    assert (sum(results), len(results) - sum(results)) == (5, 15)
    assert await _stock(db, variant) == (5, 5)
    assert sum(m.quantity_delta for m in await _movements(db, variant)
               if m.reason == "ADJUSTMENT") == -5
    assert await journal_matches_stock(db)


async def test_movements_are_listed_newest_first_and_filter_by_reason_and_place(
        db: Database) -> None:
    shop = await make_shop(db, warehouses=2)
    a = await _stocked(db, shop, 10, allocated=2)
    b = await _stocked(db, shop, 3)
    await service.stock_adjust(db, a, shop.warehouse_ids[1], 2, "Found")
    reader = db.reader()
    try:
        everything = await queries.list_movements(reader, queries.MovementFilter(), first=100,
                                                  after=None)
        first = await queries.list_movements(reader, queries.MovementFilter(variant_id=a),
                                             first=2, after=None)
        rest = await queries.list_movements(reader, queries.MovementFilter(variant_id=a),
                                            first=2, after=first.cursors[-1])
        sets = await queries.list_movements(reader, queries.MovementFilter(reason="SET"),
                                            first=10, after=None)
        second_wh = await queries.list_movements(
            reader, queries.MovementFilter(warehouse_id=shop.warehouse_ids[1]), first=10,
            after=None)
    finally:
        await reader.close()
    ids = [r.id for r in everything.items]
    assert ids == sorted(ids, reverse=True) and len(ids) == 4
    assert [r.reason for r in first.items + rest.items] == ["ADJUSTMENT", "ALLOCATION", "SET"]
    assert first.has_next and not rest.has_next
    assert {r.variant_id for r in sets.items} == {a, b}
    assert [r.note for r in second_wh.items] == ["Found"]


async def test_low_stock_uses_each_variants_threshold_or_the_default(db: Database) -> None:
    shop = await make_shop(db, warehouses=2)
    plenty = await _stocked(db, shop, 50)
    low = await _stocked(db, shop, 4)  # 4 <= default 5
    held = await _stocked(db, shop, 9, allocated=6)  # 3 available
    own = await _stocked(db, shop, 12)  # own threshold 15
    sold_out = await make_variant(db, shop, stock=[])  # no stock rows at all
    untracked = await make_variant(db, shop, stock=[], track=False)
    inactive = await _stocked(db, shop, 1)
    await service.stock_adjust(db, inactive, shop.warehouse_ids[1], 30, "Elsewhere")
    async with db.transaction() as s:
        await s.execute(ProductVariant.__table__.update().where(ProductVariant.id == own)
                        .values(low_stock_threshold=15))
        await s.execute(Warehouse.__table__.update().where(
            Warehouse.id == shop.warehouse_ids[1]).values(is_active=False))
    reader = db.reader()
    try:
        page = await queries.list_low_stock(reader, default_threshold=5, first=3, after=None)
        more = await queries.list_low_stock(reader, default_threshold=5, first=10,
                                            after=page.cursors[-1])
        none = await queries.list_low_stock(reader, default_threshold=0, first=10, after=None)
    finally:
        await reader.close()
    found = [(r.id, int(r.available)) for r in page.items + more.items]
    assert found == [(sold_out, 0), (inactive, 1), (held, 3), (low, 4), (own, 12)]
    assert plenty not in {v for v, _ in found} and untracked not in {v for v, _ in found}
    assert page.has_next and not more.has_next
    assert [r.id for r in none.items] == [sold_out, own]
