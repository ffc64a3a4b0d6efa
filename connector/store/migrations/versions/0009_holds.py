"""Holds: the source's own word that an invoice is not to be chased as it stands (the French
e-invoicing lifecycle: disputed, refused, partly collected), with its reason.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # existing rows get NULL: no hold, until the next sync reads what the source says
    with op.batch_alter_table("receivables") as batch:
        batch.add_column(sa.Column("hold", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("receivables") as batch:
        batch.drop_column("hold")
