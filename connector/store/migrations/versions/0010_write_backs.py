"""Write-backs owed: an outcome the source has not taken yet (the platform refused it, was
down, or the process was killed on the way), tried again at every run until it has.

Actions done before this revision are not owed anything: their write-back was tried then.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from connector.store import schema

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "write_backs",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("action_key", sa.String(length=400), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("owed_since", schema.UtcDateTime(), nullable=False),
        sa.Column("tried_at", schema.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["tenant"], ["tenants.slug"]),
        sa.PrimaryKeyConstraint("tenant", "action_key"),
    )


def downgrade() -> None:
    op.drop_table("write_backs")
