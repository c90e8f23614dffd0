"""Accounts read side: lightweight rows for DataLoader batches and staff listings.

Each function issues one statement whatever the number of keys. Password hashes never
leave this module's column lists.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, select

from commerce.db.database import Reader
from commerce.db.keyset import keyset
from commerce.db.models import Address, User
from commerce.shared.pagination import Page, make_page, page_request

USER_COLUMNS = (User.id, User.email, User.first_name, User.last_name, User.is_staff,
                User.is_superuser, User.is_active, User.permissions, User.created_at)
ADDRESS_COLUMNS = (
    Address.id, Address.user_id, Address.first_name, Address.last_name, Address.company,
    Address.street_address_1, Address.street_address_2, Address.city, Address.postal_code,
    Address.country_code, Address.country_area, Address.phone, Address.is_default_shipping,
    Address.is_default_billing,
)
_STAFF_SORT = "staff-id"


async def users_by_ids(reader: Reader, ids: Sequence[int]) -> dict[int, Row[Any]]:
    rows = await reader.all(select(*USER_COLUMNS).where(User.id.in_(ids)))
    return {r.id: r for r in rows}


async def addresses_by_ids(reader: Reader, ids: Sequence[int]) -> dict[int, Row[Any]]:
    rows = await reader.all(select(*ADDRESS_COLUMNS).where(Address.id.in_(ids)))
    return {r.id: r for r in rows}


async def addresses_by_user_ids(reader: Reader, ids: Sequence[int]
                                ) -> dict[int, list[Row[Any]]]:
    rows = await reader.all(select(*ADDRESS_COLUMNS).where(Address.user_id.in_(ids))
                            .order_by(Address.user_id, Address.id))
    grouped: dict[int, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        grouped[row.user_id].append(row)
    return grouped


async def list_staff(reader: Reader, *, first: int | None, after: str | None
                     ) -> Page[Row[Any]]:
    """Staff accounts, oldest first. Raises ``PaginationError`` for bad arguments."""
    request = page_request(first, after, _STAFF_SORT, 1)
    statement = keyset(select(*USER_COLUMNS).where(User.is_staff.is_(True)), [User.id],
                       False, request.after, request.first + 1)
    rows = await reader.all(statement)
    return make_page(rows, request, _STAFF_SORT, lambda r: (r.id,))
