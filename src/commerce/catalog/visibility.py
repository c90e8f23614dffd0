"""Which products and collections a viewer may see: the one definition every catalog read
applies.

A product that is not ACTIVE (DRAFT: not launched yet; ARCHIVED: withdrawn) is visible only
to staff who work on the catalog or its stock (MANAGE_CATALOG or MANAGE_INVENTORY: stock is
received before a launch). Everyone else, signed in or not, finds no such product, and no
variant of it, through any field: ``catalog.queries`` puts this clause into every statement
that reads products or variants (listings, by id, slug or SKU, and the loaders' batches).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from commerce.accounts.permissions import Permission
from commerce.accounts.viewer import Viewer
from commerce.db.models import Collection, Product

CATALOG_STAFF = (Permission.MANAGE_CATALOG, Permission.MANAGE_INVENTORY)


def sees_every_product(viewer: Viewer | None) -> bool:
    return viewer is not None and any(viewer.has(p) for p in CATALOG_STAFF)


def visible_products(viewer: Viewer | None) -> list[ColumnElement[bool]]:
    """WHERE clauses on ``Product`` for the products ``viewer`` may see (none for staff)."""
    return [] if sees_every_product(viewer) else [Product.status == "ACTIVE"]


def sees_every_collection(viewer: Viewer | None) -> bool:
    return viewer is not None and viewer.has(Permission.MANAGE_CATALOG)


def visible_collections(viewer: Viewer | None) -> list[ColumnElement[bool]]:
    """WHERE clauses on ``Collection``: unpublished collections are for catalog staff only."""
    return [] if sees_every_collection(viewer) else [Collection.is_published.is_(True)]
