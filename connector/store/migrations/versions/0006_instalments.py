"""Instalments: the schedule of an invoice whose payment terms split it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # existing rows get NULL: one due date, as before, until the next sync reads their terms
    with op.batch_alter_table("receivables") as batch:
        batch.add_column(sa.Column("instalments", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("receivables") as batch:
        batch.drop_column("instalments")
