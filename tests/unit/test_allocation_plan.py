from __future__ import annotations

import pytest

from commerce.inventory.allocation import Demand, InsufficientStock, plan_takes
from commerce.inventory.allocation_plan import Shortage, StockOption, plan_allocation


def opt(stock: int, warehouse: int, available: int, priority: int = 0) -> StockOption:
    return StockOption(stock, warehouse, available, priority)


def test_one_warehouse_that_has_everything_is_preferred() -> None:
    options = {1: [opt(10, 1, 5, priority=0), opt(20, 2, 5, priority=1)],
               2: [opt(11, 1, 0), opt(21, 2, 3, priority=1)]}
    plan = plan_allocation({1: 2, 2: 2}, options)
    assert plan.ok and {t.warehouse_id for t in plan.takes} == {2}


def test_among_complete_warehouses_priority_then_id_wins() -> None:
    options = {1: [opt(10, 1, 5, priority=2), opt(20, 2, 5, priority=1), opt(30, 3, 5, 1)]}
    assert plan_allocation({1: 1}, options).takes[0].warehouse_id == 2


def test_lines_are_split_across_warehouses_when_no_single_one_suffices() -> None:
    options = {1: [opt(10, 1, 2, priority=0), opt(20, 2, 3, priority=1)]}
    plan = plan_allocation({1: 4}, options)
    assert [(t.warehouse_id, t.quantity) for t in plan.takes] == [(1, 2), (2, 2)]


def test_shortages_allocate_nothing_and_report_what_is_available() -> None:
    options = {1: [opt(10, 1, 2)], 2: [opt(11, 1, 9)]}
    plan = plan_allocation({1: 3, 2: 1}, options)
    assert not plan.ok and plan.takes == ()
    assert [(s.variant_id, s.requested, s.available) for s in plan.shortages] == [(1, 3, 2)]


def test_a_variant_with_no_stock_rows_is_short() -> None:
    plan = plan_allocation({7: 1}, {})
    assert plan.shortages[0].available == 0


def test_plan_takes_caps_backorders_at_what_is_free_and_ignores_negative_rows() -> None:
    # Row 10 is over-held (on hand counted down below what is allocated and reserved).
    options = {1: [opt(10, 1, -2), opt(20, 2, 3, priority=1)], 2: [opt(11, 1, 4)]}
    takes = plan_takes([Demand(1, 5, backorder=True), Demand(2, 4)], options)
    assert sorted((t.stock_id, t.quantity) for t in takes) == [(11, 4), (20, 3)]


def test_plan_takes_raises_with_every_strict_shortage() -> None:
    with pytest.raises(InsufficientStock) as raised:
        plan_takes([Demand(1, 2), Demand(1, 2), Demand(2, 1, backorder=True)],
                   {1: [opt(10, 1, 3)]})
    assert raised.value.shortages == [Shortage(1, 4, 3)]
