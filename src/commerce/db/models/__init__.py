"""All ORM models, imported here so metadata is complete for Alembic and tests."""

from commerce.db.models.accounts import Address, AuthToken, LoginAttempt, User
from commerce.db.models.catalog import (
    Category,
    Collection,
    CollectionProduct,
    Product,
    ProductImage,
    ProductVariant,
)
from commerce.db.models.inventory import Stock, Warehouse

__all__ = [
    "Address",
    "AuthToken",
    "Category",
    "Collection",
    "CollectionProduct",
    "LoginAttempt",
    "Product",
    "ProductImage",
    "ProductVariant",
    "Stock",
    "User",
    "Warehouse",
]
