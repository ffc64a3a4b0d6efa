"""Initial schema: tenants, ledger, side states, progress, outbox, cursors, audit trail.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from connector.store import schema

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# On PostgreSQL the audit trail refuses UPDATE and DELETE at the database level too.
_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION relance_events_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'the audit trail (events) is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION relance_events_append_only();
"""


def upgrade() -> None:

    op.create_table(
        "tenants",
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("policy_path", sa.Text(), nullable=True),
        sa.Column("created_at", schema.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("slug"),
    )
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("customer_key", sa.String(length=300), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", schema.UtcDateTime(timezone=True), nullable=True),
        sa.Column("receipt", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant"],
            ["tenants.slug"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant", "key", name="uq_actions_key"),
    )
    op.create_index("ix_actions_status", "actions", ["tenant", "status"], unique=False)
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        sa.Column("last_action_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant"],
            ["tenants.slug"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant", "key", name="uq_customers_key"),
    )
    op.create_index("ix_customers_review", "customers", ["tenant", "next_review_on"], unique=False)
    op.create_table(
        "disputes",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("customer_key", sa.String(length=300), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant"],
            ["tenants.slug"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_disputes_customer", "disputes", ["tenant", "customer_key"], unique=False)
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("at", schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("customer_key", sa.String(length=300), nullable=True),
        sa.Column("receivable_keys", sa.JSON(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant"],
            ["tenants.slug"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_events_customer", "events", ["tenant", "customer_key"], unique=False)
    op.create_table(
        "item_progress",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("item_key", sa.String(length=300), nullable=False),
        sa.Column("customer_key", sa.String(length=300), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=True),
        sa.Column("reminders", sa.Integer(), nullable=False),
        sa.Column("last_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant"],
            ["tenants.slug"],
        ),
        sa.PrimaryKeyConstraint("tenant", "item_key"),
    )
    op.create_index(
        "ix_item_progress_customer", "item_progress", ["tenant", "customer_key"], unique=False
    )
    op.create_table(
        "pauses",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("customer_key", sa.String(length=300), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant"],
            ["tenants.slug"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pauses_customer", "pauses", ["tenant", "customer_key"], unique=False)
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("customer_key", sa.String(length=300), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", schema.Amount(precision=20, scale=6), nullable=False),
        sa.Column("unapplied", schema.Amount(precision=20, scale=6), nullable=False),
        sa.Column("applied_to", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant"],
            ["tenants.slug"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant", "key", name="uq_payments_key"),
    )
    op.create_index("ix_payments_customer", "payments", ["tenant", "customer_key"], unique=False)
    op.create_table(
        "plans",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("customer_key", sa.String(length=300), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant"],
            ["tenants.slug"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_plans_customer", "plans", ["tenant", "customer_key"], unique=False)
    op.create_table(
        "promises",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("customer_key", sa.String(length=300), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant"],
            ["tenants.slug"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_promises_customer", "promises", ["tenant", "customer_key"], unique=False)
    op.create_table(
        "receivables",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("customer_key", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total", schema.Amount(precision=20, scale=6), nullable=False),
        sa.Column("open_balance", schema.Amount(precision=20, scale=6), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("document_url", sa.Text(), nullable=True),
        sa.Column("payment_url", sa.Text(), nullable=True),
        sa.Column("updated_at", schema.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant"],
            ["tenants.slug"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant", "key", name="uq_receivables_key"),
    )
    op.create_index(
        "ix_receivables_customer", "receivables", ["tenant", "customer_key"], unique=False
    )
    op.create_index("ix_receivables_number", "receivables", ["tenant", "number"], unique=False)
    op.create_table(
        "sync_cursors",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("resource", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("as_of", schema.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant"],
            ["tenants.slug"],
        ),
        sa.PrimaryKeyConstraint("tenant", "resource"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_APPEND_ONLY)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS events_append_only ON events")
        op.execute("DROP FUNCTION IF EXISTS relance_events_append_only()")

    op.drop_table("sync_cursors")
    op.drop_index("ix_receivables_number", table_name="receivables")
    op.drop_index("ix_receivables_customer", table_name="receivables")
    op.drop_table("receivables")
    op.drop_index("ix_promises_customer", table_name="promises")
    op.drop_table("promises")
    op.drop_index("ix_plans_customer", table_name="plans")
    op.drop_table("plans")
    op.drop_index("ix_payments_customer", table_name="payments")
    op.drop_table("payments")
    op.drop_index("ix_pauses_customer", table_name="pauses")
    op.drop_table("pauses")
    op.drop_index("ix_item_progress_customer", table_name="item_progress")
    op.drop_table("item_progress")
    op.drop_index("ix_events_customer", table_name="events")
    op.drop_table("events")
    op.drop_index("ix_disputes_customer", table_name="disputes")
    op.drop_table("disputes")
    op.drop_index("ix_customers_review", table_name="customers")
    op.drop_table("customers")
    op.drop_index("ix_actions_status", table_name="actions")
    op.drop_table("actions")
    op.drop_table("tenants")
