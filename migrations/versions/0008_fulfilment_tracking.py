"""fulfilment, shipments and the order tracking log

- ``fulfillments`` (+ ``fulfillment_lines``, ``fulfillment_packages``): a pick list from one
  warehouse's allocated stock, scanned, packed, shipped once.
- ``shipments`` (one per fulfilment, unique per carrier + tracking number) and
  ``shipment_events`` (carrier webhooks and staff entries, unique per carrier + event id).
- ``order_tracking_events`` (unique per order + version) and ``orders.tracking_version``:
  the numbered log live subscriptions replay from ``sinceVersion``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 04:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from commerce.db.base import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('fulfillments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('packed_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('shipped_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('canceled_at', UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('PICKING', 'PACKED', 'SHIPPED', 'CANCELED')", name=op.f('ck_fulfillments_status')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_fulfillments_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_fulfillments_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_fulfillments_warehouse_id_warehouses'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fulfillments')),
    sa.UniqueConstraint('order_id', 'sequence', name=op.f('uq_fulfillments_order_id_sequence'))
    )
    with op.batch_alter_table('fulfillments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fulfillments_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fulfillments_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_fulfillments_warehouse_id'), ['warehouse_id'], unique=False)

    op.create_table('fulfillment_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fulfillment_id', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=False),
    sa.Column('stock_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('quantity_picked', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_fulfillment_lines_quantity_positive')),
    sa.CheckConstraint('quantity_picked >= 0 AND quantity_picked <= quantity', name=op.f('ck_fulfillment_lines_picked_within')),
    sa.ForeignKeyConstraint(['fulfillment_id'], ['fulfillments.id'], name=op.f('fk_fulfillment_lines_fulfillment_id_fulfillments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'], name=op.f('fk_fulfillment_lines_order_line_id_order_lines'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stock_id'], ['stocks.id'], name=op.f('fk_fulfillment_lines_stock_id_stocks'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fulfillment_lines')),
    sa.UniqueConstraint('fulfillment_id', 'order_line_id', 'stock_id', name=op.f('uq_fulfillment_lines_fulfillment_id_order_line_id_stock_id'))
    )
    with op.batch_alter_table('fulfillment_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fulfillment_lines_fulfillment_id'), ['fulfillment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fulfillment_lines_order_line_id'), ['order_line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fulfillment_lines_stock_id'), ['stock_id'], unique=False)

    op.create_table('fulfillment_packages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fulfillment_id', sa.Integer(), nullable=False),
    sa.Column('weight_grams', sa.Integer(), nullable=False),
    sa.Column('length_cm', sa.Integer(), nullable=False),
    sa.Column('width_cm', sa.Integer(), nullable=False),
    sa.Column('height_cm', sa.Integer(), nullable=False),
    sa.CheckConstraint('weight_grams > 0 AND length_cm > 0 AND width_cm > 0 AND height_cm > 0', name=op.f('ck_fulfillment_packages_measures_positive')),
    sa.ForeignKeyConstraint(['fulfillment_id'], ['fulfillments.id'], name=op.f('fk_fulfillment_packages_fulfillment_id_fulfillments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fulfillment_packages'))
    )
    with op.batch_alter_table('fulfillment_packages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fulfillment_packages_fulfillment_id'), ['fulfillment_id'], unique=False)

    op.create_table('shipments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fulfillment_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('carrier', sa.String(length=32), nullable=False),
    sa.Column('service', sa.String(length=100), nullable=False),
    sa.Column('tracking_number', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('status_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('latest_status', sa.String(length=24), nullable=False),
    sa.Column('latest_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('exception_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('eta', sa.Date(), nullable=True),
    sa.Column('eta_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('promised_date', sa.Date(), nullable=True),
    sa.Column('delay_notified_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('delay_notified_eta', sa.Date(), nullable=True),
    sa.Column('shipped_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('SHIPPED', 'IN_TRANSIT', 'DELAYED', 'OUT_FOR_DELIVERY', 'EXCEPTION', 'DELIVERED')", name=op.f('ck_shipments_status')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_shipments_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['fulfillment_id'], ['fulfillments.id'], name=op.f('fk_shipments_fulfillment_id_fulfillments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_shipments_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipments')),
    sa.UniqueConstraint('carrier', 'tracking_number', name=op.f('uq_shipments_carrier_tracking_number')),
    sa.UniqueConstraint('fulfillment_id', name=op.f('uq_shipments_fulfillment_id'))
    )
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shipments_order_id'), ['order_id'], unique=False)
    op.create_index("ix_shipments_undelivered_id", "shipments", ["id"], unique=False,
                    postgresql_where=sa.text("status <> 'DELIVERED'"),
                    sqlite_where=sa.text("status <> 'DELIVERED'"))

    op.create_table('order_tracking_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('order_status', sa.String(length=16), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('occurred_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_tracking_events_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'], name=op.f('fk_order_tracking_events_shipment_id_shipments'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_tracking_events')),
    sa.UniqueConstraint('order_id', 'version', name=op.f('uq_order_tracking_events_order_id_version'))
    )
    op.create_table('shipment_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=False),
    sa.Column('carrier', sa.String(length=32), nullable=False),
    sa.Column('external_id', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('occurred_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('eta', sa.Date(), nullable=True),
    sa.Column('location', sa.String(length=255), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('IN_TRANSIT', 'DELAYED', 'OUT_FOR_DELIVERY', 'EXCEPTION', 'DELIVERED')", name=op.f('ck_shipment_events_status')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_shipment_events_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'], name=op.f('fk_shipment_events_shipment_id_shipments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipment_events')),
    sa.UniqueConstraint('carrier', 'external_id', name=op.f('uq_shipment_events_carrier_external_id'))
    )
    with op.batch_alter_table('shipment_events', schema=None) as batch_op:
        batch_op.create_index('ix_shipment_events_shipment_id_occurred_at', ['shipment_id', 'occurred_at'], unique=False)

    op.add_column('orders', sa.Column('tracking_version', sa.Integer(), nullable=False,
                                      server_default='0'))



def downgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('tracking_version')

    with op.batch_alter_table('shipment_events', schema=None) as batch_op:
        batch_op.drop_index('ix_shipment_events_shipment_id_occurred_at')

    op.drop_table('shipment_events')
    op.drop_table('order_tracking_events')
    op.drop_index("ix_shipments_undelivered_id", table_name="shipments")
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shipments_order_id'))

    op.drop_table('shipments')
    with op.batch_alter_table('fulfillment_packages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fulfillment_packages_fulfillment_id'))

    op.drop_table('fulfillment_packages')
    with op.batch_alter_table('fulfillment_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fulfillment_lines_stock_id'))
        batch_op.drop_index(batch_op.f('ix_fulfillment_lines_order_line_id'))
        batch_op.drop_index(batch_op.f('ix_fulfillment_lines_fulfillment_id'))

    op.drop_table('fulfillment_lines')
    with op.batch_alter_table('fulfillments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fulfillments_warehouse_id'))
        batch_op.drop_index(batch_op.f('ix_fulfillments_status'))
        batch_op.drop_index(batch_op.f('ix_fulfillments_order_id'))

    op.drop_table('fulfillments')
