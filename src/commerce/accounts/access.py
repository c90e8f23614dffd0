"""Object-level authorization as query clauses: which owned rows a viewer may reach.

DESIGN §4: a customer's queries filter by owner, so another customer's order or cart is
"not found", never returned. The clause goes into the statement the data access runs (the
loaders' batches, the use cases' ``SELECT ... FOR UPDATE``), so a new field that reads owned
data through those queries cannot forget the check.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, false, or_, true

from commerce.accounts.permissions import Permission
from commerce.accounts.viewer import Viewer


def owned_by_viewer(owner: Any, viewer: Viewer | None, *, staff: Sequence[Permission],
                    unowned: bool) -> ColumnElement[bool]:
    """Rows whose ``owner`` column (a user id, NULL for none) ``viewer`` may reach.

    Staff holding any of ``staff`` reach every row; a signed-in user their own; rows with no
    owner only when ``unowned`` says so (a guest cart, reached by its unguessable token).
    """
    if viewer is not None and any(viewer.has(p) for p in staff):
        return true()
    clauses: list[ColumnElement[bool]] = []
    if unowned:
        clauses.append(owner.is_(None))
    if viewer is not None:
        clauses.append(owner == viewer.user_id)
    if not clauses:
        return false()
    return clauses[0] if len(clauses) == 1 else or_(*clauses)
