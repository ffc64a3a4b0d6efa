"""The customers' list sums what each customer owes from an index alone: the receivables'
and the payments' customer indexes carry the columns the sums read (status, kind, due date,
open balance; day received, amount unapplied), so a tenant's 100,000 open invoices are added
up without reading the rows.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_RECEIVABLES = ["tenant", "customer_key", "status", "kind", "due_on", "open_balance"]
_PAYMENTS = ["tenant", "customer_key", "received_on", "unapplied"]


def upgrade() -> None:
    op.drop_index("ix_receivables_customer", table_name="receivables")
    op.create_index("ix_receivables_customer", "receivables", _RECEIVABLES)
    op.drop_index("ix_payments_customer", table_name="payments")
    op.create_index("ix_payments_customer", "payments", _PAYMENTS)


def downgrade() -> None:
    op.drop_index("ix_payments_customer", table_name="payments")
    op.create_index("ix_payments_customer", "payments", ["tenant", "customer_key"])
    op.drop_index("ix_receivables_customer", table_name="receivables")
    op.create_index("ix_receivables_customer", "receivables", ["tenant", "customer_key"])
