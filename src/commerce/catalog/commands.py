"""What catalog use cases take: plain data, already decoded (IDs as ints, money in minor units).

``*Data`` creates an object; ``*Changes`` updates one, where ``UNSET`` leaves a field as is
and ``None`` clears a nullable field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from commerce.shared.unset import UNSET, Maybe


@dataclass(frozen=True, slots=True)
class ImageData:
    url: str
    alt: str = ""


@dataclass(frozen=True, slots=True)
class VariantData:
    sku: str
    price: int
    barcode: str | None = None
    name: str = ""
    selected_options: Sequence[tuple[str, str]] = ()
    compare_at_price: int | None = None
    cost_price: int | None = None
    weight_grams: int | None = None
    track_inventory: bool = True
    allow_backorder: bool = False
    low_stock_threshold: int | None = None  # None: the low-stock report's default


@dataclass(frozen=True, slots=True)
class VariantChanges:
    sku: Maybe[str] = UNSET
    price: Maybe[int] = UNSET
    barcode: Maybe[str | None] = UNSET
    name: Maybe[str] = UNSET
    selected_options: Maybe[Sequence[tuple[str, str]]] = UNSET
    compare_at_price: Maybe[int | None] = UNSET
    cost_price: Maybe[int | None] = UNSET
    weight_grams: Maybe[int | None] = UNSET
    track_inventory: Maybe[bool] = UNSET
    allow_backorder: Maybe[bool] = UNSET
    low_stock_threshold: Maybe[int | None] = UNSET


@dataclass(frozen=True, slots=True)
class ProductData:
    name: str
    slug: str | None = None  # generated from the name when absent
    description: str = ""
    status: str = "DRAFT"
    category_id: int | None = None
    collection_ids: Sequence[int] = ()
    images: Sequence[ImageData] = ()
    option_names: Sequence[str] = ()
    variants: Sequence[VariantData] = ()


@dataclass(frozen=True, slots=True)
class ProductChanges:
    name: Maybe[str] = UNSET
    slug: Maybe[str] = UNSET
    description: Maybe[str] = UNSET
    status: Maybe[str] = UNSET
    category_id: Maybe[int | None] = UNSET
    collection_ids: Maybe[Sequence[int]] = UNSET  # replaces the product's collections
    images: Maybe[Sequence[ImageData]] = UNSET  # replaces the product's images
    option_names: Maybe[Sequence[str]] = UNSET


@dataclass(frozen=True, slots=True)
class CategoryData:
    name: str
    slug: str | None = None
    description: str = ""
    parent_id: int | None = None


@dataclass(frozen=True, slots=True)
class CategoryChanges:
    name: Maybe[str] = UNSET
    slug: Maybe[str] = UNSET
    description: Maybe[str] = UNSET
    parent_id: Maybe[int | None] = UNSET


@dataclass(frozen=True, slots=True)
class CollectionData:
    name: str
    slug: str | None = None
    description: str = ""
    is_published: bool = True


@dataclass(frozen=True, slots=True)
class CollectionChanges:
    name: Maybe[str] = UNSET
    slug: Maybe[str] = UNSET
    description: Maybe[str] = UNSET
    is_published: Maybe[bool] = UNSET
