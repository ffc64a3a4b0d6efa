"""One customer's actions are read by an index of their own: its history, its refusals, the
steps a person cancelled and what reached it are read for every page, preview and run that
plans the customer, and without it each read went through all of the tenant's actions of a
status (tens of milliseconds each on a tenant with 100,000 of them).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_actions_customer", "actions", ["tenant", "customer_key", "status"])


def downgrade() -> None:
    op.drop_index("ix_actions_customer", table_name="actions")
