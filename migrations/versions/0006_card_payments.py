"""card payments, stock reservations, the webhook inbox, fraud screening

- ``payments`` gain the card gateway (``stripe``), method ``CARD``, pending / authorised /
  voided / failed states, the cart a card payment was started for (``order_id`` becomes
  nullable: a payment may exist before, or without, its order), card details, the
  processor's risk verdict, the last failure, who paid from where, and a unique index on
  (gateway, psp_reference) so one intent is one payment row.
- ``payment_transactions`` gain AUTHORIZE / VOID / CHARGEBACK / CHARGEBACK_REVERSAL kinds
  and FAILED / PENDING statuses; ``order_id`` becomes nullable like the payment's.
- ``stock_reservations`` (units held while a card payment is in progress), ``webhook_events``
  (the inbox, unique on source + event id), ``order_risks`` and ``blocklist_entries``.
- ``orders.client_address`` and ``orders.shipping_key`` (backfilled), indexes for fraud
  velocity (recent orders and payments per e-mail, client address, shipping address, card),
  and carts' payment method ``CARD``.

On SQLite the altered tables are rebuilt in batch mode (foreign keys are off during
migrations, so the rebuild cascades nothing).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 02:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from commerce.db.base import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_PAYMENT_CHECKS = {
    "gateway": "gateway IN ('manual')",
    "method": "method IN ('BANK_TRANSFER', 'CASH_ON_DELIVERY', 'CHEQUE', 'OTHER')",
    "status": "status IN ('CAPTURED', 'PARTIALLY_REFUNDED', 'REFUNDED')",
}
_NEW_PAYMENT_CHECKS = {
    "gateway": "gateway IN ('manual', 'stripe')",
    "method": "method IN ('BANK_TRANSFER', 'CASH_ON_DELIVERY', 'CHEQUE', 'OTHER', 'CARD')",
    "status": ("status IN ('PENDING', 'AUTHORIZED', 'CAPTURED', 'PARTIALLY_REFUNDED', "
               "'REFUNDED', 'VOIDED', 'FAILED')"),
}
_OLD_TXN_CHECKS = {
    "kind": "kind IN ('CAPTURE', 'REFUND')",
    "status": "status IN ('SUCCESS')",
}
_NEW_TXN_CHECKS = {
    "kind": ("kind IN ('AUTHORIZE', 'CAPTURE', 'VOID', 'REFUND', 'CHARGEBACK', "
             "'CHARGEBACK_REVERSAL')"),
    "status": "status IN ('SUCCESS', 'FAILED', 'PENDING')",
}
_OLD_CART_METHODS = ("payment_method IS NULL OR payment_method IN "
                     "('BANK_TRANSFER', 'CASH_ON_DELIVERY')")
_NEW_CART_METHODS = ("payment_method IS NULL OR payment_method IN "
                     "('BANK_TRANSFER', 'CASH_ON_DELIVERY', 'CARD')")


def _text(name: str, length: int) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=length), nullable=False, server_default="")


def _replace_checks(batch_op: object, table: str, checks: dict[str, str]) -> None:
    for name, condition in checks.items():
        batch_op.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")  # type: ignore[attr-defined]
        batch_op.create_check_constraint(op.f(f"ck_{table}_{name}"), condition)  # type: ignore[attr-defined]


def _backfill_shipping_keys() -> None:
    """``orders.places.shipping_key`` of every existing order, in SQL on both databases:
    country, postal code and first street line, trimmed, lower-cased, joined by "|"."""
    orders = sa.table("orders", sa.column("shipping_address", sa.JSON),
                      sa.column("shipping_key", sa.String))

    def part(name: str) -> sa.ColumnElement[str]:
        return sa.func.lower(sa.func.trim(sa.func.coalesce(
            orders.c.shipping_address[name].as_string(), "")))

    key = part("country_code") + "|" + part("postal_code") + "|" + part("street_address_1")
    op.execute(orders.update().where(orders.c.shipping_address.is_not(None))
               .values(shipping_key=sa.func.substr(key, 1, 320)))


def upgrade() -> None:
    op.create_table(
        "webhook_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("processed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_events")),
        sa.UniqueConstraint("source", "external_id",
                            name=op.f("uq_webhook_events_source_external_id")),
    )
    op.create_index("ix_webhook_events_processed_at_id", "webhook_events",
                    ["processed_at", "id"], unique=False)
    op.create_table(
        "blocklist_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('EMAIL', 'DOMAIN', 'CLIENT_ADDRESS', 'CARD_FINGERPRINT')",
                           name=op.f("ck_blocklist_entries_kind")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_blocklist_entries_created_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocklist_entries")),
        sa.UniqueConstraint("kind", "value", name=op.f("uq_blocklist_entries_kind_value")),
    )
    op.create_table(
        "order_risks",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("level IN ('LOW', 'MEDIUM', 'HIGH')",
                           name=op.f("ck_order_risks_level")),
        sa.CheckConstraint(
            "status IN ('ACCEPTED', 'IN_REVIEW', 'APPROVED', 'REJECTED', 'CANCELED')",
            name=op.f("ck_order_risks_status")),
        sa.CheckConstraint("score >= 0 AND score <= 100",
                           name=op.f("ck_order_risks_score_range")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"],
                                name=op.f("fk_order_risks_decided_by_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"],
                                name=op.f("fk_order_risks_order_id_orders"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_order_risks")),
    )
    op.create_index("ix_order_risks_status_created_at", "order_risks",
                    ["status", "created_at", "order_id"], unique=False)
    op.create_table(
        "stock_reservations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cart_id", sa.Integer(), nullable=False),
        sa.Column("stock_id", sa.Integer(), nullable=False),
        sa.Column("variant_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_stock_reservations_quantity_positive")),
        sa.ForeignKeyConstraint(["cart_id"], ["carts.id"],
                                name=op.f("fk_stock_reservations_cart_id_carts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["stock_id"], ["stocks.id"],
                                name=op.f("fk_stock_reservations_stock_id_stocks"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["variant_id"], ["product_variants.id"],
                                name=op.f("fk_stock_reservations_variant_id_product_variants"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_reservations")),
        sa.UniqueConstraint("cart_id", "stock_id",
                            name=op.f("uq_stock_reservations_cart_id_stock_id")),
    )
    op.create_index(op.f("ix_stock_reservations_cart_id"), "stock_reservations", ["cart_id"])
    op.create_index("ix_stock_reservations_stock_id_expires_at", "stock_reservations",
                    ["stock_id", "expires_at"])
    op.create_index(op.f("ix_stock_reservations_variant_id"), "stock_reservations",
                    ["variant_id"])

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(_text("client_address", 64))
        batch_op.add_column(_text("shipping_key", 320))
    _backfill_shipping_keys()
    for column in ("email", "client_address", "shipping_key"):
        op.create_index(f"ix_orders_{column}_created_at", "orders", [column, "created_at"])
    with op.batch_alter_table("carts", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_carts_payment_method"), type_="check")
        batch_op.create_check_constraint(op.f("ck_carts_payment_method"), _NEW_CART_METHODS)
    with op.batch_alter_table("payment_transactions", schema=None) as batch_op:
        batch_op.alter_column("order_id", existing_type=sa.INTEGER(), nullable=True)
        _replace_checks(batch_op, "payment_transactions", _NEW_TXN_CHECKS)
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cart_id", sa.Integer(), nullable=True))
        batch_op.add_column(_text("intent_key", 128))
        batch_op.add_column(_text("card_brand", 32))
        batch_op.add_column(_text("card_last4", 4))
        batch_op.add_column(sa.Column("card_exp_month", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("card_exp_year", sa.Integer(), nullable=True))
        batch_op.add_column(_text("card_fingerprint", 64))
        batch_op.add_column(_text("card_country", 2))
        batch_op.add_column(_text("cvc_check", 16))
        batch_op.add_column(_text("postal_check", 16))
        batch_op.add_column(_text("processor_risk_level", 16))
        batch_op.add_column(sa.Column("processor_risk_score", sa.Integer(), nullable=True))
        batch_op.add_column(_text("failure_code", 64))
        batch_op.add_column(_text("failure_message", 500))
        batch_op.add_column(_text("email", 254))
        batch_op.add_column(_text("client_address", 64))
        batch_op.add_column(sa.Column("updated_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.alter_column("order_id", existing_type=sa.INTEGER(), nullable=True)
        _replace_checks(batch_op, "payments", _NEW_PAYMENT_CHECKS)
        batch_op.create_index(batch_op.f("ix_payments_cart_id"), ["cart_id"])
        for column in ("email", "client_address", "card_fingerprint"):
            batch_op.create_index(f"ix_payments_{column}_created_at", [column, "created_at"])
        batch_op.create_index("ix_payments_status_updated_at", ["status", "updated_at"])
        batch_op.create_index("uq_payments_gateway_psp_reference",
                              ["gateway", "psp_reference"], unique=True,
                              sqlite_where=sa.text("gateway != 'manual' AND psp_reference != ''"),
                              postgresql_where=sa.text("gateway != 'manual' AND psp_reference != ''"))
        batch_op.create_foreign_key(batch_op.f("fk_payments_cart_id_carts"), "carts",
                                    ["cart_id"], ["id"], ondelete="SET NULL")
    # Existing payments were last changed when they were made; their e-mail is the order's.
    op.execute("UPDATE payments SET updated_at = created_at, email = COALESCE((SELECT "
               "orders.email FROM orders WHERE orders.id = payments.order_id), '')")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.alter_column("updated_at", existing_type=UTCDateTime(timezone=True),
                              nullable=False)


def downgrade() -> None:
    # Card payments and the newer transaction kinds have no place in the old tables; the old
    # schema only knew manual payments on orders.
    op.execute("DELETE FROM payment_transactions WHERE payment_id IN "
               "(SELECT id FROM payments WHERE gateway != 'manual' OR order_id IS NULL)")
    op.execute("DELETE FROM payment_transactions WHERE kind NOT IN ('CAPTURE', 'REFUND') "
               "OR status != 'SUCCESS'")
    op.execute("DELETE FROM payments WHERE gateway != 'manual' OR order_id IS NULL")
    op.execute("UPDATE carts SET payment_method = NULL WHERE payment_method = 'CARD'")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_payments_cart_id_carts"), type_="foreignkey")
        batch_op.drop_index("uq_payments_gateway_psp_reference",
                            sqlite_where=sa.text("gateway != 'manual' AND psp_reference != ''"),
                            postgresql_where=sa.text("gateway != 'manual' AND psp_reference != ''"))
        batch_op.drop_index("ix_payments_status_updated_at")
        for column in ("email", "client_address", "card_fingerprint"):
            batch_op.drop_index(f"ix_payments_{column}_created_at")
        batch_op.drop_index(batch_op.f("ix_payments_cart_id"))
        _replace_checks(batch_op, "payments", _OLD_PAYMENT_CHECKS)
        batch_op.alter_column("order_id", existing_type=sa.INTEGER(), nullable=False)
        for name in ("updated_at", "client_address", "email", "failure_message",
                     "failure_code", "processor_risk_score", "processor_risk_level",
                     "postal_check", "cvc_check", "card_country", "card_fingerprint",
                     "card_exp_year", "card_exp_month", "card_last4", "card_brand",
                     "intent_key", "cart_id"):
            batch_op.drop_column(name)
    with op.batch_alter_table("payment_transactions", schema=None) as batch_op:
        _replace_checks(batch_op, "payment_transactions", _OLD_TXN_CHECKS)
        batch_op.alter_column("order_id", existing_type=sa.INTEGER(), nullable=False)
    with op.batch_alter_table("carts", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_carts_payment_method"), type_="check")
        batch_op.create_check_constraint(op.f("ck_carts_payment_method"), _OLD_CART_METHODS)
    for column in ("email", "client_address", "shipping_key"):
        op.drop_index(f"ix_orders_{column}_created_at", table_name="orders")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("shipping_key")
        batch_op.drop_column("client_address")
    op.drop_index(op.f("ix_stock_reservations_variant_id"), table_name="stock_reservations")
    op.drop_index("ix_stock_reservations_stock_id_expires_at", table_name="stock_reservations")
    op.drop_index(op.f("ix_stock_reservations_cart_id"), table_name="stock_reservations")
    op.drop_table("stock_reservations")
    op.drop_index("ix_order_risks_status_created_at", table_name="order_risks")
    op.drop_table("order_risks")
    op.drop_table("blocklist_entries")
    op.drop_index("ix_webhook_events_processed_at_id", table_name="webhook_events")
    op.drop_table("webhook_events")
