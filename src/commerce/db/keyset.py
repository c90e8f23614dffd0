"""SQL for keyset pagination over (sort columns..., id)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, and_, or_

AnySelect = Select[*tuple[Any, ...]]


def keyset(statement: AnySelect, columns: Sequence[Any], descending: bool,
           after: Sequence[Any] | None, limit: int) -> AnySelect:
    """Order by ``columns`` (the last one unique) and continue strictly after ``after``."""
    order = [c.desc() if descending else c.asc() for c in columns]
    statement = statement.order_by(*order).limit(limit)
    if after is None:
        return statement
    # (c1, c2, ..) > (v1, v2, ..) spelled out, so it works the same on both databases.
    clauses = []
    for i, column in enumerate(columns):
        equal = [columns[j] == after[j] for j in range(i)]
        beyond = column < after[i] if descending else column > after[i]
        clauses.append(and_(*equal, beyond))
    return statement.where(or_(*clauses))
