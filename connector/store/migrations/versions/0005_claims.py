"""Claims: each tenant's next due cycle, and which replica is acting on an inbox event.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from connector.store import schema

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # existing rows get due_at NULL: the daemon computes it from finished_at at its start
    op.add_column("cycles", sa.Column("due_at", schema.UtcDateTime(), nullable=True))
    op.add_column("cycles", sa.Column("schedule", sa.String(length=120), nullable=True))
    op.create_index("ix_cycles_due", "cycles", ["due_at"])
    op.add_column("inbox", sa.Column("claimed_by", sa.String(length=100), nullable=True))
    op.add_column("inbox", sa.Column("claim_until", schema.UtcDateTime(), nullable=True))
    op.create_index(
        "ix_inbox_unprocessed",
        "inbox",
        ["id"],
        postgresql_where=sa.text("processed_at IS NULL"),
        sqlite_where=sa.text("processed_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_inbox_unprocessed", table_name="inbox")
    with op.batch_alter_table("inbox") as batch:
        batch.drop_column("claim_until")
        batch.drop_column("claimed_by")
    op.drop_index("ix_cycles_due", table_name="cycles")
    with op.batch_alter_table("cycles") as batch:
        batch.drop_column("schedule")
        batch.drop_column("due_at")
