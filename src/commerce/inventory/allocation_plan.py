"""Which warehouse's stock an order's lines take (pure).

Documented strategy:
1. Fewest shipments: if one warehouse can supply every line in full, use it; among several,
   the one with the lowest priority number, then the lowest warehouse id.
2. Otherwise, line by line, take stock from warehouses in priority order (then id) until the
   line is covered, which may split a line across warehouses.
3. If any line cannot be covered in full, nothing is allocated and every short line is
   reported with what is available.
The plan is applied with conditional updates in stock-id order (see ``inventory.allocation``),
so a plan made from stale numbers fails safely instead of overselling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StockOption:
    stock_id: int
    warehouse_id: int
    available: int
    priority: int


@dataclass(frozen=True, slots=True)
class Take:
    stock_id: int
    variant_id: int
    warehouse_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class Shortage:
    variant_id: int
    requested: int
    available: int


@dataclass(frozen=True, slots=True)
class Plan:
    takes: tuple[Take, ...]
    shortages: tuple[Shortage, ...]

    @property
    def ok(self) -> bool:
        return not self.shortages


def plan_allocation(requested: Mapping[int, int],
                    options: Mapping[int, Sequence[StockOption]]) -> Plan:
    """``requested``: variant id -> units; ``options``: variant id -> its stock rows."""
    wanted = {v: q for v, q in requested.items() if q > 0}
    shortages = []
    for variant_id, quantity in sorted(wanted.items()):
        available = sum(max(o.available, 0) for o in options.get(variant_id, ()))
        if available < quantity:
            shortages.append(Shortage(variant_id, quantity, available))
    if shortages:
        return Plan((), tuple(shortages))

    single = _single_warehouse(wanted, options)
    if single is not None:
        return Plan(single, ())
    takes: list[Take] = []
    for variant_id, quantity in sorted(wanted.items()):
        remaining = quantity
        for option in sorted(options[variant_id], key=lambda o: (o.priority, o.warehouse_id)):
            if remaining == 0:
                break
            take = min(max(option.available, 0), remaining)
            if take:
                takes.append(Take(option.stock_id, variant_id, option.warehouse_id, take))
                remaining -= take
    return Plan(tuple(takes), ())


def _single_warehouse(wanted: Mapping[int, int],
                      options: Mapping[int, Sequence[StockOption]]) -> tuple[Take, ...] | None:
    by_warehouse: dict[int, dict[int, StockOption]] = {}
    priorities: dict[int, int] = {}
    for variant_id in wanted:
        for option in options.get(variant_id, ()):
            by_warehouse.setdefault(option.warehouse_id, {})[variant_id] = option
            priorities[option.warehouse_id] = option.priority
    candidates = [
        warehouse_id for warehouse_id, stock in by_warehouse.items()
        if all(v in stock and stock[v].available >= q for v, q in wanted.items())
    ]
    if not candidates:
        return None
    best = min(candidates, key=lambda w: (priorities[w], w))
    stock = by_warehouse[best]
    return tuple(Take(stock[v].stock_id, v, best, q) for v, q in sorted(wanted.items()))
