"""the ledger: chart of accounts, immutable balanced journal

- ``ledger_accounts`` (unique code), seeded with the chart of accounts (``is_system``).
- ``journal_entries`` (unique gap-free number, unique ``source_key``: one entry per source
  fact, unique ``reverses_id``: one reversal per entry) and ``journal_lines`` (signed minor
  units, debit positive, never zero; the foreign key to the entry deferred to commit,
  because lines are inserted before their entry).
- Triggers, on both databases: UPDATE and DELETE of entries and lines are refused; a line
  cannot be added to an entry that already exists; inserting an entry checks that its lines
  exist and sum to zero per currency. PostgreSQL also re-checks every line's entry at commit
  in a DEFERRABLE INITIALLY DEFERRED constraint trigger. SQLite cannot defer a trigger, so
  the entry row, inserted after its lines, is the check point, and the deferred foreign key
  refuses at commit any line whose entry never came (see ``commerce.accounting.ledger``).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 06:10:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from commerce.db.base import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The chart as of this revision (commerce.accounting.chart.SYSTEM_ACCOUNTS; a unit test
# keeps the two equal while neither changes).
CHART: tuple[tuple[str, str, str], ...] = (
    ("1000", "Bank", "ASSET"),
    ("1010", "Stripe clearing", "ASSET"),
    ("1100", "Accounts receivable", "ASSET"),
    ("1200", "Inventory", "ASSET"),
    ("2000", "Accounts payable", "LIABILITY"),
    ("2100", "Customer deposits", "LIABILITY"),
    ("2200", "Sales tax payable", "LIABILITY"),
    ("2300", "Store credit", "LIABILITY"),
    ("3000", "Owner's equity", "EQUITY"),
    ("4000", "Sales", "REVENUE"),
    ("4100", "Shipping income", "REVENUE"),
    ("4500", "Discounts", "CONTRA_REVENUE"),
    ("4600", "Sales returns", "CONTRA_REVENUE"),
    ("5000", "Cost of goods sold", "EXPENSE"),
    ("5100", "Payment fees", "EXPENSE"),
    ("5200", "Shipping costs", "EXPENSE"),
    ("5300", "Advertising", "EXPENSE"),
    ("5400", "Staffing", "EXPENSE"),
    ("5500", "Inventory shrinkage", "EXPENSE"),
    ("5900", "Other expenses", "EXPENSE"),
)

SQLITE_TRIGGERS = (
    """CREATE TRIGGER journal_entries_balanced AFTER INSERT ON journal_entries
    BEGIN
        SELECT RAISE(ABORT, 'journal entry has no lines')
        WHERE NOT EXISTS (SELECT 1 FROM journal_lines WHERE entry_id = NEW.id);
        SELECT RAISE(ABORT, 'journal entry does not balance')
        WHERE EXISTS (SELECT 1 FROM journal_lines WHERE entry_id = NEW.id
                      GROUP BY currency HAVING sum(amount) <> 0);
    END""",
    """CREATE TRIGGER journal_lines_entry_open BEFORE INSERT ON journal_lines
    WHEN EXISTS (SELECT 1 FROM journal_entries WHERE id = NEW.entry_id)
    BEGIN
        SELECT RAISE(ABORT, 'journal entry is already posted: post a new entry');
    END""",
    """CREATE TRIGGER journal_entries_no_update BEFORE UPDATE ON journal_entries
    BEGIN SELECT RAISE(ABORT, 'journal entries are immutable: post a reversing entry'); END""",
    """CREATE TRIGGER journal_entries_no_delete BEFORE DELETE ON journal_entries
    BEGIN SELECT RAISE(ABORT, 'journal entries are immutable: post a reversing entry'); END""",
    """CREATE TRIGGER journal_lines_no_update BEFORE UPDATE ON journal_lines
    BEGIN SELECT RAISE(ABORT, 'journal lines are immutable: post a reversing entry'); END""",
    """CREATE TRIGGER journal_lines_no_delete BEFORE DELETE ON journal_lines
    BEGIN SELECT RAISE(ABORT, 'journal lines are immutable: post a reversing entry'); END""",
)
SQLITE_TRIGGER_NAMES = ("journal_entries_balanced", "journal_lines_entry_open",
                        "journal_entries_no_update", "journal_entries_no_delete",
                        "journal_lines_no_update", "journal_lines_no_delete")

POSTGRES_DDL = (
    """CREATE FUNCTION journal_check_entry(p_entry integer) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM journal_lines WHERE entry_id = p_entry) THEN
            RAISE EXCEPTION 'journal entry % has no lines', p_entry
                USING ERRCODE = 'check_violation';
        END IF;
        IF EXISTS (SELECT 1 FROM journal_lines WHERE entry_id = p_entry
                   GROUP BY currency HAVING sum(amount) <> 0) THEN
            RAISE EXCEPTION 'journal entry % does not balance', p_entry
                USING ERRCODE = 'check_violation';
        END IF;
    END $$""",
    """CREATE FUNCTION journal_entries_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM journal_check_entry(NEW.id); RETURN NULL; END $$""",
    """CREATE TRIGGER journal_entries_balanced AFTER INSERT ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION journal_entries_balanced()""",
    """CREATE FUNCTION journal_lines_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM journal_check_entry(NEW.entry_id); RETURN NULL; END $$""",
    """CREATE CONSTRAINT TRIGGER journal_lines_balanced AFTER INSERT ON journal_lines
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION journal_lines_balanced()""",
    """CREATE FUNCTION journal_lines_entry_open() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM journal_entries WHERE id = NEW.entry_id) THEN
            RAISE EXCEPTION 'journal entry % is already posted: post a new entry',
                NEW.entry_id USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER journal_lines_entry_open BEFORE INSERT ON journal_lines
    FOR EACH ROW EXECUTE FUNCTION journal_lines_entry_open()""",
    """CREATE FUNCTION journal_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is immutable (% refused): post a reversing entry',
            TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';
    END $$""",
    """CREATE TRIGGER journal_entries_immutable BEFORE UPDATE OR DELETE ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION journal_refuse_change()""",
    """CREATE TRIGGER journal_lines_immutable BEFORE UPDATE OR DELETE ON journal_lines
    FOR EACH ROW EXECUTE FUNCTION journal_refuse_change()""",
)
POSTGRES_DROP = (
    "DROP TRIGGER IF EXISTS journal_lines_immutable ON journal_lines",
    "DROP TRIGGER IF EXISTS journal_entries_immutable ON journal_entries",
    "DROP TRIGGER IF EXISTS journal_lines_entry_open ON journal_lines",
    "DROP TRIGGER IF EXISTS journal_lines_balanced ON journal_lines",
    "DROP TRIGGER IF EXISTS journal_entries_balanced ON journal_entries",
    "DROP FUNCTION IF EXISTS journal_refuse_change()",
    "DROP FUNCTION IF EXISTS journal_lines_entry_open()",
    "DROP FUNCTION IF EXISTS journal_lines_balanced()",
    "DROP FUNCTION IF EXISTS journal_entries_balanced()",
    "DROP FUNCTION IF EXISTS journal_check_entry(integer)",
)


def upgrade() -> None:
    accounts = op.create_table(
        "ledger_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("jurisdiction", sa.String(length=16), nullable=True),
        sa.Column("is_system", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "type IN ('ASSET', 'LIABILITY', 'EQUITY', 'REVENUE', 'CONTRA_REVENUE', 'EXPENSE')",
            name=op.f("ck_ledger_accounts_type")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_accounts")),
        sa.UniqueConstraint("code", name=op.f("uq_ledger_accounts_code")),
    )
    op.create_table(
        "journal_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("posted_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("source_type", sa.String(length=32), nullable=False),
        sa.Column("source_key", sa.String(length=200), nullable=False),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"],
                                name=op.f("fk_journal_entries_created_by_users"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["reverses_id"], ["journal_entries.id"],
                                name=op.f("fk_journal_entries_reverses_id_journal_entries"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_entries")),
        sa.UniqueConstraint("number", name=op.f("uq_journal_entries_number")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_journal_entries_reverses_id")),
        sa.UniqueConstraint("source_key", name=op.f("uq_journal_entries_source_key")),
    )
    with op.batch_alter_table("journal_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_journal_entries_posted_at"), ["posted_at"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_journal_entries_source_type"), ["source_type"],
                              unique=False)
    op.create_table(
        "journal_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_journal_lines_amount_not_zero")),
        sa.ForeignKeyConstraint(["account_id"], ["ledger_accounts.id"],
                                name=op.f("fk_journal_lines_account_id_ledger_accounts"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["entry_id"], ["journal_entries.id"],
                                name=op.f("fk_journal_lines_entry_id_journal_entries"),
                                ondelete="RESTRICT", initially="DEFERRED", deferrable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_lines")),
    )
    with op.batch_alter_table("journal_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_journal_lines_account_id"), ["account_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_journal_lines_entry_id"), ["entry_id"],
                              unique=False)

    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_DDL:
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)

    now = datetime.now(UTC)
    op.bulk_insert(accounts, [
        {"code": code, "name": name, "type": kind, "jurisdiction": None, "is_system": True,
         "created_at": now}
        for code, name, kind in CHART])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_DROP:
            op.execute(statement)
    else:
        for name in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("journal_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journal_lines_entry_id"))
        batch_op.drop_index(batch_op.f("ix_journal_lines_account_id"))
    op.drop_table("journal_lines")
    with op.batch_alter_table("journal_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journal_entries_source_type"))
        batch_op.drop_index(batch_op.f("ix_journal_entries_posted_at"))
    op.drop_table("journal_entries")
    op.drop_table("ledger_accounts")
