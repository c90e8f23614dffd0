"""Staff order listing parameters (pure data, no SQL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class OrderSortField(StrEnum):
    CREATED_AT = "CREATED_AT"
    NUMBER = "NUMBER"
    TOTAL = "TOTAL"


@dataclass(frozen=True, slots=True)
class OrderFilter:
    status: str | None = None
    payment_status: str | None = None
    fulfillment_status: str | None = None
    customer_id: int | None = None
    search: str | None = None  # part of the number, e-mail or a name on the order
    created_from: datetime | None = None  # inclusive
    created_to: datetime | None = None  # exclusive


@dataclass(frozen=True, slots=True)
class OrderSort:
    field: OrderSortField = OrderSortField.CREATED_AT
    descending: bool = True  # newest first unless asked otherwise

    @property
    def key(self) -> str:
        return f"order-{self.field.value}:{'desc' if self.descending else 'asc'}"
