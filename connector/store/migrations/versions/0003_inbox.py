"""Inbox: webhook deliveries, deduplicated by the platform's event id.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from connector.store import schema

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("refs", sa.JSON(), nullable=False),
        sa.Column("received_at", schema.UtcDateTime(), nullable=False),
        sa.Column("processed_at", schema.UtcDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["tenant"], ["tenants.slug"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant", "platform", "event_id", name="uq_inbox_event"),
    )
    op.create_index("ix_inbox_pending", "inbox", ["tenant", "processed_at"])


def downgrade() -> None:
    op.drop_index("ix_inbox_pending", table_name="inbox")
    op.drop_table("inbox")
