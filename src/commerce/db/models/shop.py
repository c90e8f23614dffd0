"""Facts about the shop that its stored data depends on, one row per key."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from commerce.db.base import Base


class ShopSetting(Base):
    """E.g. ``currency``: every amount in the database is in minor units of it."""

    __tablename__ = "shop_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))
