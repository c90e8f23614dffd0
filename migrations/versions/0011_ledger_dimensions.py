"""ledger dimensions: the order an entry belongs to, the jurisdiction a line is taxed in

- ``journal_entries.order_id`` (nullable, indexed; no foreign key, see the model): the order a posted fact is about, so an
  order's revenue, tax, refunds and payments reconcile with one indexed query.
- ``journal_lines.jurisdiction`` (nullable): where revenue lines were taxed ("US-CA", "DE"),
  so the tax report sums taxable sales per country and region in SQL.

Plain ``ADD COLUMN``/``DROP COLUMN`` on both databases (no batch table copy, which would
drop the journal's triggers on SQLite). Existing rows keep NULL; entries stay immutable.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("journal_entries", sa.Column("order_id", sa.Integer(), nullable=True))
    op.create_index("ix_journal_entries_order_id", "journal_entries", ["order_id"])
    op.add_column("journal_lines", sa.Column("jurisdiction", sa.String(16), nullable=True))


def downgrade() -> None:
    # SQLite drops a column in place (3.35+), keeping the journal's triggers.
    op.drop_column("journal_lines", "jurisdiction")
    op.drop_index("ix_journal_entries_order_id", table_name="journal_entries")
    op.drop_column("journal_entries", "order_id")
