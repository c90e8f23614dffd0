"""returns (RMAs) and the final-sale flag

- ``returns``: one return of an order ("<order number>-R<sequence>", unique per order),
  REQUESTED -> OPEN -> CLOSED or DECLINED / CANCELED, its fees and its one refund (claimed
  under the order's lock with the plan of which payments give how much).
- ``return_lines``: units of an order line in a return, with CHECKs keeping what was
  received, missing, restocked, kept or damaged within the units asked for.
- ``products.final_sale``: final-sale products cannot be returned.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 06:04:12
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from commerce.db.base import UTCDateTime

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('returns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=True),
    sa.Column('photo_urls', sa.JSON(), nullable=False),
    sa.Column('instructions', sa.Text(), nullable=False),
    sa.Column('decline_reason', sa.String(length=24), nullable=True),
    sa.Column('decline_note', sa.Text(), nullable=False),
    sa.Column('return_shipping_fee', sa.BigInteger(), nullable=False),
    sa.Column('restocking_fee_bp', sa.Integer(), nullable=False),
    sa.Column('refund_status', sa.String(length=8), nullable=False),
    sa.Column('refund_amount', sa.BigInteger(), nullable=False),
    sa.Column('refund_shipping', sa.BigInteger(), nullable=False),
    sa.Column('refund_plan', sa.JSON(), nullable=False),
    sa.Column('refund_attempt', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('approved_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('declined_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('canceled_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('refunded_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("decline_reason IS NULL OR decline_reason IN ('FINAL_SALE', 'RETURN_PERIOD_ENDED', 'OTHER')", name=op.f('ck_returns_decline_reason')),
    sa.CheckConstraint("refund_status IN ('NONE', 'PENDING', 'DONE')", name=op.f('ck_returns_refund_status')),
    sa.CheckConstraint("status IN ('REQUESTED', 'OPEN', 'CLOSED', 'DECLINED', 'CANCELED')", name=op.f('ck_returns_status')),
    sa.CheckConstraint('refund_amount >= 0', name=op.f('ck_returns_refund_nonnegative')),
    sa.CheckConstraint('return_shipping_fee >= 0 AND restocking_fee_bp >= 0 AND restocking_fee_bp <= 10000', name=op.f('ck_returns_fees_within')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_returns_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by'], ['users.id'], name=op.f('fk_returns_requested_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_returns')),
    sa.UniqueConstraint('order_id', 'sequence', name=op.f('uq_returns_order_id_sequence'))
    )
    with op.batch_alter_table('returns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_returns_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_returns_status_id', ['status', 'id'], unique=False)

    op.create_table('return_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=24), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('quantity_received', sa.Integer(), nullable=False),
    sa.Column('quantity_restocked', sa.Integer(), nullable=False),
    sa.Column('quantity_not_restocked', sa.Integer(), nullable=False),
    sa.Column('quantity_damaged', sa.Integer(), nullable=False),
    sa.Column('quantity_missing', sa.Integer(), nullable=False),
    sa.Column('refund_quantity', sa.Integer(), nullable=False),
    sa.Column('refund_amount', sa.BigInteger(), nullable=False),
    sa.Column('refund_tax', sa.BigInteger(), nullable=False),
    sa.Column('refund_discount', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("reason IN ('DAMAGED', 'DEFECTIVE', 'WRONG_ITEM', 'NOT_AS_DESCRIBED', 'SIZE_TOO_SMALL', 'SIZE_TOO_LARGE', 'UNWANTED', 'OTHER')", name=op.f('ck_return_lines_reason')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_return_lines_quantity_positive')),
    sa.CheckConstraint('quantity_received >= 0 AND quantity_missing >= 0 AND quantity_received + quantity_missing <= quantity', name=op.f('ck_return_lines_received_within')),
    sa.CheckConstraint('quantity_restocked >= 0 AND quantity_not_restocked >= 0 AND quantity_damaged >= 0 AND quantity_restocked + quantity_not_restocked + quantity_damaged <= quantity_received', name=op.f('ck_return_lines_disposed_within')),
    sa.CheckConstraint('refund_quantity >= 0 AND refund_quantity <= quantity', name=op.f('ck_return_lines_refund_quantity_within')),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'], name=op.f('fk_return_lines_order_line_id_order_lines'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['return_id'], ['returns.id'], name=op.f('fk_return_lines_return_id_returns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_lines')),
    sa.UniqueConstraint('return_id', 'order_line_id', name=op.f('uq_return_lines_return_id_order_line_id'))
    )
    with op.batch_alter_table('return_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_return_lines_order_line_id'), ['order_line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_lines_return_id'), ['return_id'], unique=False)

    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('final_sale', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('final_sale')

    with op.batch_alter_table('return_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_return_lines_return_id'))
        batch_op.drop_index(batch_op.f('ix_return_lines_order_line_id'))

    op.drop_table('return_lines')
    with op.batch_alter_table('returns', schema=None) as batch_op:
        batch_op.drop_index('ix_returns_status_id')
        batch_op.drop_index(batch_op.f('ix_returns_order_id'))

    op.drop_table('returns')
