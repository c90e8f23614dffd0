"""shop currency

Records the currency a shop's amounts are in, so a changed COMMERCE_CURRENCY is refused
instead of silently re-denominating the catalog. A shop that already has prices or orders
gets their currency recorded here; an empty one records the setting on its first start.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 00:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    shop_settings = op.create_table(
        "shop_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_shop_settings")),
    )
    bind = op.get_bind()
    for table in ("product_variants", "orders"):
        found = bind.execute(sa.text(f"SELECT currency FROM {table} LIMIT 1")).scalar()
        if found:
            op.bulk_insert(shop_settings, [{"key": "currency", "value": found}])
            break


def downgrade() -> None:
    op.drop_table("shop_settings")
