"""keep the stock journal when a variant is deleted

The movements of a deleted variant's stock rows used to be deleted with them (ON DELETE
CASCADE). Now a movement keeps its variant's SKU and outlives the stock row: ``stock_id``
becomes nullable with ON DELETE SET NULL. Existing rows get their SKU from the variant.
On SQLite, batch mode rebuilds the table (SQLite cannot alter a foreign key in place).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 00:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK = "fk_stock_movements_stock_id_stocks"


def upgrade() -> None:
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sku", sa.String(length=255), nullable=False,
                                      server_default=""))
    op.execute(
        "UPDATE stock_movements SET sku = COALESCE((SELECT product_variants.sku "
        "FROM product_variants WHERE product_variants.id = stock_movements.variant_id), '')")
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.alter_column("sku", existing_type=sa.String(length=255), server_default=None)
        batch_op.alter_column("stock_id", existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint(FK, type_="foreignkey")
        batch_op.create_foreign_key(FK, "stocks", ["stock_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    # The old schema cannot hold a movement without its stock row: those rows go.
    op.execute("DELETE FROM stock_movements WHERE stock_id IS NULL")
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.drop_constraint(FK, type_="foreignkey")
        batch_op.create_foreign_key(FK, "stocks", ["stock_id"], ["id"], ondelete="CASCADE")
        batch_op.alter_column("stock_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("sku")
