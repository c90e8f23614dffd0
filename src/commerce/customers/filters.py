"""Customer listing parameters (pure data, no SQL)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CustomerSortField(StrEnum):
    EMAIL = "EMAIL"
    CREATED_AT = "CREATED_AT"
    TOTAL_SPENT = "TOTAL_SPENT"
    LAST_ORDER_AT = "LAST_ORDER_AT"


@dataclass(frozen=True, slots=True)
class CustomerFilter:
    search: str | None = None  # part of the e-mail or name, any case
    is_active: bool | None = None
    has_orders: bool | None = None


@dataclass(frozen=True, slots=True)
class CustomerSort:
    field: CustomerSortField = CustomerSortField.CREATED_AT
    descending: bool = True  # newest customers first unless asked otherwise

    @property
    def key(self) -> str:
        return f"customers:{self.field.value}:{'desc' if self.descending else 'asc'}"
