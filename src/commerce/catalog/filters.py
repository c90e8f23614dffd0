"""Product listing parameters (pure data, no SQL)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ProductSortField(StrEnum):
    NAME = "NAME"
    PRICE = "PRICE"
    CREATED_AT = "CREATED_AT"


@dataclass(frozen=True, slots=True)
class ProductFilter:
    search: str | None = None
    category_slug: str | None = None
    collection_slug: str | None = None
    price_min: int | None = None  # minor units
    price_max: int | None = None
    in_stock: bool | None = None
    status: str | None = None  # staff only; customers always see ACTIVE


@dataclass(frozen=True, slots=True)
class ProductSort:
    field: ProductSortField = ProductSortField.NAME
    descending: bool = False

    @property
    def key(self) -> str:
        return f"{self.field.value}:{'desc' if self.descending else 'asc'}"
