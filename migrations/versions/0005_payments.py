"""payments on orders (manual gateway)

``payments`` and their immutable ``payment_transactions`` (captures and refunds, each with a
unique client idempotency key), and ``PARTIALLY_PAID`` as an order payment status. On SQLite
the orders table is rebuilt in batch mode to change its CHECK (foreign keys are off during
migrations, so the rebuild cascades nothing). Orders already marked as paid get one manual
payment with its capture (key ``legacy-order-<id>``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES = ("'NOT_PAID', 'PENDING', 'AUTHORIZED', 'PAID', 'PARTIALLY_REFUNDED', 'REFUNDED', "
             "'VOIDED', 'FAILED'")
_NEW_STATUSES = ("'NOT_PAID', 'PENDING', 'AUTHORIZED', 'PARTIALLY_PAID', 'PAID', "
                 "'PARTIALLY_REFUNDED', 'REFUNDED', 'VOIDED', 'FAILED'")
CK = "ck_orders_payment_status"


def upgrade() -> None:
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("gateway", sa.String(length=32), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("psp_reference", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payments_amount_positive")),
        sa.CheckConstraint("gateway IN ('manual')", name=op.f("ck_payments_gateway")),
        sa.CheckConstraint(
            "method IN ('BANK_TRANSFER', 'CASH_ON_DELIVERY', 'CHEQUE', 'OTHER')",
            name=op.f("ck_payments_method")),
        sa.CheckConstraint("status IN ('CAPTURED', 'PARTIALLY_REFUNDED', 'REFUNDED')",
                           name=op.f("ck_payments_status")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"],
                                name=op.f("fk_payments_order_id_orders"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    op.create_index(op.f("ix_payments_order_id"), "payments", ["order_id"], unique=False)
    op.create_table(
        "payment_transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("psp_reference", sa.String(length=255), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_transactions_amount_positive")),
        sa.CheckConstraint("kind IN ('CAPTURE', 'REFUND')",
                           name=op.f("ck_payment_transactions_kind")),
        sa.CheckConstraint("status IN ('SUCCESS')", name=op.f("ck_payment_transactions_status")),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"],
                                name=op.f("fk_payment_transactions_actor_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"],
                                name=op.f("fk_payment_transactions_order_id_orders"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"],
                                name=op.f("fk_payment_transactions_payment_id_payments"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_transactions")),
        sa.UniqueConstraint("idempotency_key",
                            name=op.f("uq_payment_transactions_idempotency_key")),
    )
    op.create_index(op.f("ix_payment_transactions_order_id"), "payment_transactions",
                    ["order_id"], unique=False)
    op.create_index(op.f("ix_payment_transactions_payment_id"), "payment_transactions",
                    ["payment_id"], unique=False)
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(CK), type_="check")
        batch_op.create_check_constraint(op.f(CK), f"payment_status IN ({_NEW_STATUSES})")
    # Orders marked as paid before payments existed get the payment they stand for, so their
    # amounts keep following from transactions (and can be refunded).
    op.execute(
        "INSERT INTO payments (order_id, gateway, method, amount, currency, status, "
        "psp_reference, created_at) SELECT id, 'manual', CASE WHEN payment_method IN "
        "('BANK_TRANSFER', 'CASH_ON_DELIVERY', 'CHEQUE', 'OTHER') THEN payment_method "
        "ELSE 'OTHER' END, amount_paid, currency, 'CAPTURED', '', updated_at FROM orders "
        "WHERE amount_paid > 0")
    op.execute(
        "INSERT INTO payment_transactions (payment_id, order_id, kind, amount, currency, "
        "status, psp_reference, reason, actor_id, idempotency_key, created_at) "
        "SELECT id, order_id, 'CAPTURE', amount, currency, 'SUCCESS', '', '', NULL, "
        "'legacy-order-' || CAST(order_id AS VARCHAR(20)), created_at FROM payments")


def downgrade() -> None:
    # The old CHECK cannot hold PARTIALLY_PAID; such orders were paid in part, i.e. not paid.
    op.execute("UPDATE orders SET payment_status = 'NOT_PAID' "
               "WHERE payment_status = 'PARTIALLY_PAID'")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(CK), type_="check")
        batch_op.create_check_constraint(op.f(CK), f"payment_status IN ({_STATUSES})")
    op.drop_index(op.f("ix_payment_transactions_payment_id"), table_name="payment_transactions")
    op.drop_index(op.f("ix_payment_transactions_order_id"), table_name="payment_transactions")
    op.drop_table("payment_transactions")
    op.drop_index(op.f("ix_payments_order_id"), table_name="payments")
    op.drop_table("payments")
