"""The web app's people: local accounts (argon2 hashes), a role per tenant, sessions kept in
the store (so any replica serves any request, and a logout ends them everywhere), and the
failed logins that rate-limit the login form.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from connector.store import schema

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_users",
        sa.Column("login", sa.String(length=200), primary_key=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("created_at", schema.UtcDateTime(), nullable=False),
    )
    op.create_table(
        "web_roles",
        sa.Column("login", sa.String(length=200), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["login"], ["web_users.login"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant"], ["tenants.slug"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("login", "tenant"),
    )
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(length=64), primary_key=True),
        sa.Column("login", sa.String(length=200), nullable=True),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", schema.UtcDateTime(), nullable=False),
        sa.Column("seen_at", schema.UtcDateTime(), nullable=False),
        sa.Column("expires_at", schema.UtcDateTime(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(["login"], ["web_users.login"], ondelete="CASCADE"),
    )
    op.create_table(
        "web_login_failures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("login", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", schema.UtcDateTime(), nullable=False),
    )
    op.create_index("ix_web_login_failures_login", "web_login_failures", ["login", "at"])
    op.create_index("ix_web_login_failures_address", "web_login_failures", ["address", "at"])


def downgrade() -> None:
    op.drop_table("web_login_failures")
    op.drop_table("web_sessions")
    op.drop_table("web_roles")
    op.drop_table("web_users")
