"""Payments keep how much went to each document (``allocations``), not only which ones.

Existing rows named their documents without amounts (``applied_to``): each payment's applied
part (amount less unapplied) is spread over them oldest due date first, each up to the part of
it that is paid today, as ``connector.allocations.allocate_in_due_order`` does for a source that
gives no amounts. A document no longer in the store gets nothing. The next full sync writes the
source's own amounts where it has them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

from connector.store import schema

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_CHUNK = 500

_payments = sa.table(
    "payments",
    sa.column("id", sa.Integer()),
    sa.column("tenant", sa.String()),
    sa.column("currency", sa.String()),
    sa.column("amount", schema.Amount()),
    sa.column("unapplied", schema.Amount()),
    sa.column("applied_to", sa.JSON()),
    sa.column("allocations", sa.JSON()),
)
_receivables = sa.table(
    "receivables",
    sa.column("tenant", sa.String()),
    sa.column("key", sa.String()),
    sa.column("currency", sa.String()),
    sa.column("due_on", sa.Date()),
    sa.column("total", schema.Amount()),
    sa.column("open_balance", schema.Amount()),
)


def _documents(conn: sa.Connection, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    found: dict[tuple[str, str], Any] = {}
    keys = sorted({key for _, key in wanted})
    for start in range(0, len(keys), _CHUNK):
        rows = conn.execute(
            sa.select(_receivables).where(_receivables.c.key.in_(keys[start : start + _CHUNK]))
        )
        found.update(((r.tenant, r.key), r) for r in rows)
    return found


def _spread(payment: Any, documents: dict[tuple[str, str], Any]) -> list[dict[str, str]]:
    left = payment.amount - payment.unapplied
    named = [documents.get((payment.tenant, key)) for key in dict.fromkeys(payment.applied_to)]
    allocations = []
    for doc in sorted((d for d in named if d is not None), key=lambda d: (d.due_on, d.key)):
        if left <= 0:
            break
        share = min(left, max(doc.total - doc.open_balance, Decimal(0)))
        if doc.currency != payment.currency or share <= 0:
            continue
        allocations.append({"receivable": doc.key, "amount": str(share)})
        left -= share
    return allocations


def upgrade() -> None:
    op.add_column("payments", sa.Column("allocations", sa.JSON(), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(
            _payments.c.id,
            _payments.c.tenant,
            _payments.c.currency,
            _payments.c.amount,
            _payments.c.unapplied,
            _payments.c.applied_to,
        )
    ).all()
    documents = _documents(conn, {(r.tenant, k) for r in rows for k in r.applied_to or ()})
    for row in rows:
        conn.execute(
            sa.update(_payments)
            .where(_payments.c.id == row.id)
            .values(allocations=_spread(row, documents) if row.applied_to else [])
        )
    with op.batch_alter_table("payments") as batch:
        batch.alter_column("allocations", existing_type=sa.JSON(), nullable=False)
        batch.drop_column("applied_to")


def downgrade() -> None:
    op.add_column("payments", sa.Column("applied_to", sa.JSON(), nullable=True))
    conn = op.get_bind()
    for row in conn.execute(sa.select(_payments.c.id, _payments.c.allocations)).all():
        conn.execute(
            sa.update(_payments)
            .where(_payments.c.id == row.id)
            .values(applied_to=[a["receivable"] for a in row.allocations or ()])
        )
    with op.batch_alter_table("payments") as batch:
        batch.alter_column("applied_to", existing_type=sa.JSON(), nullable=False)
        batch.drop_column("allocations")
