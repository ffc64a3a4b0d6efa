"""The dashboard: the invoices each action carried out named, with its step and day (filled
now from the actions already done, then as each is carried out), the dashboard's figures as
last computed per tenant, and the indexes its queries use.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from connector.store import schema

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_DONE = "('sent', 'written', 'posted')"


def _backfill_sqlite(items: str) -> str:
    ref = [
        f"json_extract(l.value, '$.ref.{part}')" for part in ("platform", "tenant", "external_id")
    ]
    key = " || ':' || ".join(ref)
    return f"""
        INSERT INTO action_steps (tenant, action_id, receivable, step, done_on)
        SELECT a.tenant, a.id, {key}, a.step,
               COALESCE(json_extract(a.details, '$.posted_on'), a.planned_on)
        FROM actions a, json_each(a.payload, '$.{items}') AS l
        WHERE a.status IN {_DONE} AND ({key}) IS NOT NULL
        ORDER BY a.id
    """  # noqa: S608 - constant fragments


def _backfill_postgresql(items: str) -> str:
    ref = [f"(l.value #>> '{{ref,{part}}}')" for part in ("platform", "tenant", "external_id")]
    key = " || ':' || ".join(ref)
    return f"""
        INSERT INTO action_steps (tenant, action_id, receivable, step, done_on)
        SELECT a.tenant, a.id, {key}, a.step,
               COALESCE(CAST(a.details #>> '{{posted_on}}' AS DATE), a.planned_on)
        FROM actions a, json_array_elements(a.payload -> '{items}') AS l(value)
        WHERE a.status IN {_DONE} AND ({key}) IS NOT NULL
        ORDER BY a.id
    """  # noqa: S608 - constant fragments


def upgrade() -> None:
    op.create_table(
        "action_steps",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("receivable", sa.String(length=300), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["tenant"], ["tenants.slug"]),
        sa.ForeignKeyConstraint(["action_id"], ["actions.id"], ondelete="CASCADE"),
    )
    bind = op.get_bind()
    backfill = _backfill_postgresql if bind.dialect.name == "postgresql" else _backfill_sqlite
    for items in ("lines", "upcoming"):
        op.execute(backfill(items))
    op.create_index(
        "ix_action_steps_receivable",
        "action_steps",
        ["tenant", "receivable", "done_on", "action_id"],
    )
    op.create_index("ix_action_steps_action", "action_steps", ["action_id"])
    op.create_table(
        "dashboard_snapshots",
        sa.Column("tenant", sa.String(length=64), primary_key=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("computed_at", schema.UtcDateTime(), nullable=False),
        sa.Column("stamp", sa.String(length=200), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["tenant"], ["tenants.slug"]),
    )
    op.create_index("ix_events_tenant", "events", ["tenant", "id"])
    op.create_index("ix_payments_received", "payments", ["tenant", "received_on"])


def downgrade() -> None:
    op.drop_index("ix_payments_received", table_name="payments")
    op.drop_index("ix_events_tenant", table_name="events")
    op.drop_table("dashboard_snapshots")
    op.drop_table("action_steps")
