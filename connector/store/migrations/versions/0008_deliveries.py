"""Deliveries: what an action's channel really did (sent, written, prepared, posted), its
details (recipients, a letter's posting and tracking, a refusal), and blocked customers.

Actions recorded as ``sent`` before this revision are told apart by what their receipt
shows: an e-mail whose receipt is a Message-ID went through a relay (``sent``), one whose
receipt is a file path was only written (``written``); to-do and text files were
``written``; letters were PDF files for a person to post: they become ``posted`` on the day
they were made, marked as assumed (the posting was never recorded).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ASSUMED = "posting not recorded before relance tracked it; assumed on the day it was made"


def upgrade() -> None:
    op.add_column("actions", sa.Column("details", sa.JSON(), nullable=True))
    op.add_column("customers", sa.Column("blocked", sa.JSON(), nullable=True))
    actions = sa.table(
        "actions",
        sa.column("id", sa.Integer),
        sa.column("channel", sa.String),
        sa.column("status", sa.String),
        sa.column("receipt", sa.Text),
        sa.column("planned_on", sa.Date),
        sa.column("details", sa.JSON),
    )
    conn = op.get_bind()
    sent = conn.execute(
        sa.select(actions.c.id, actions.c.channel, actions.c.receipt, actions.c.planned_on).where(
            actions.c.status == "sent"
        )
    ).all()
    for row in sent:
        if row.channel == "letter":
            values = {
                "status": "posted",
                "details": {
                    "prepared_on": row.planned_on.isoformat(),
                    "posted_on": row.planned_on.isoformat(),
                    "posting": _ASSUMED,
                },
            }
        elif row.channel == "email" and (row.receipt or "").startswith("<"):
            continue  # a Message-ID: a relay accepted it
        else:
            values = {"status": "written"}
        conn.execute(sa.update(actions).where(actions.c.id == row.id).values(**values))


def downgrade() -> None:
    actions = sa.table("actions", sa.column("status", sa.String))
    op.execute(
        sa.update(actions).where(actions.c.status.in_(("written", "posted"))).values(status="sent")
    )
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("blocked")
    with op.batch_alter_table("actions") as batch:
        batch.drop_column("details")
