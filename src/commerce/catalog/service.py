"""Catalog use cases, one import away: ``from commerce.catalog import service``.

Each function runs in one transaction, raises ``DomainError`` for expected failures (with
``field`` paths inside the mutation input) and returns the id the caller needs to reload.
The code lives in ``products``, ``variants`` and ``taxonomy``; commands in ``commands``.
"""

from __future__ import annotations

from commerce.catalog.commands import (
    CategoryChanges,
    CategoryData,
    CollectionChanges,
    CollectionData,
    ImageData,
    ProductChanges,
    ProductData,
    VariantChanges,
    VariantData,
)
from commerce.catalog.products import product_create, product_delete, product_update
from commerce.catalog.taxonomy import (
    category_create,
    category_delete,
    category_update,
    collection_create,
    collection_delete,
    collection_products_add,
    collection_products_remove,
    collection_update,
)
from commerce.catalog.variants import variant_create, variant_delete, variant_update

__all__ = [
    "CategoryChanges",
    "CategoryData",
    "CollectionChanges",
    "CollectionData",
    "ImageData",
    "ProductChanges",
    "ProductData",
    "VariantChanges",
    "VariantData",
    "category_create",
    "category_delete",
    "category_update",
    "collection_create",
    "collection_delete",
    "collection_products_add",
    "collection_products_remove",
    "collection_update",
    "product_create",
    "product_delete",
    "product_update",
    "variant_create",
    "variant_delete",
    "variant_update",
]
