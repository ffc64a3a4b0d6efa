"""Webhook deliveries refused for a tenant, counted: Settings > Connection says why webhooks
do not arrive (a signature that does not match the tenant's secret, no subscription in place)
without anyone reading the receiver's log.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from connector.store import schema

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_refusals",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("first_at", schema.UtcDateTime(), nullable=False),
        sa.Column("last_at", schema.UtcDateTime(), nullable=False),
        sa.Column("last_reason", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["tenant"], ["tenants.slug"]),
        sa.PrimaryKeyConstraint("tenant", "platform"),
    )


def downgrade() -> None:
    op.drop_table("webhook_refusals")
