"""the outbox relay: one delivery row per (consumer, event)

- ``outbox_deliveries``: a consumer's progress with an outbox event (delivered when, how many
  attempts, the last error, when to try again), unique on (consumer, event id) so a consumer
  applies an event once however many relays run; deleted with its event (pruning).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 03:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from commerce.db.base import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consumer", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("delivered_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["outbox_events.id"],
                                name=op.f("fk_outbox_deliveries_event_id_outbox_events"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_deliveries")),
        sa.UniqueConstraint("consumer", "event_id",
                            name=op.f("uq_outbox_deliveries_consumer_event_id")),
    )
    op.create_index("ix_outbox_deliveries_consumer_delivered_at_next_attempt_at",
                    "outbox_deliveries", ["consumer", "delivered_at", "next_attempt_at"],
                    unique=False)
    op.create_index(op.f("ix_outbox_deliveries_event_id"), "outbox_deliveries", ["event_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_deliveries_event_id"), table_name="outbox_deliveries")
    op.drop_index("ix_outbox_deliveries_consumer_delivered_at_next_attempt_at",
                  table_name="outbox_deliveries")
    op.drop_table("outbox_deliveries")
