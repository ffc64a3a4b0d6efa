"""The store's tables (SQLAlchemy Core). Migrations in ``migrations/`` create the same.

Money is ``Numeric(20, 6)`` beside a three-letter currency; calendar dates are ``Date``;
instants are timezone-aware. Records are keyed by the source reference's key
(``platform:tenant:external_id``) unique per tenant. Nested values that are only ever read
whole (a customer's contacts, a plan's instalments, an action's content) are JSON.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

__all__ = [
    "action_steps",
    "actions",
    "credentials",
    "customers",
    "dashboard_snapshots",
    "disputes",
    "events",
    "inbox",
    "item_progress",
    "metadata",
    "pauses",
    "payments",
    "plans",
    "promises",
    "receivables",
    "sync_cursors",
    "tenants",
    "web_login_failures",
    "web_roles",
    "web_sessions",
    "web_users",
    "write_backs",
]

metadata = MetaData()
KEY = String(300)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend (SQLite keeps none)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the store only keeps timezone-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Amount(TypeDecorator[Decimal]):
    """Decimal amounts: NUMERIC(20, 6) where the backend has it, exact text on SQLite."""

    impl = Numeric(20, 6)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(20, 6, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError("amounts are Decimal")
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


MONEY = Amount()


def _tenant() -> Column[str]:
    return Column("tenant", String(64), ForeignKey("tenants.slug"), nullable=False)


tenants = Table(
    "tenants",
    metadata,
    Column("slug", String(64), primary_key=True),
    Column("platform", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("country", String(2), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("policy_path", Text),
    Column("created_at", UtcDateTime(), nullable=False),
)

customers = Table(
    "customers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _tenant(),
    Column("key", KEY, nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("name", String(300), nullable=False),
    Column("data", JSON, nullable=False),
    Column("next_review_on", Date),
    Column("last_action_on", Date),
    # why nothing can go to the customer, as of its last review (NULL: nothing blocks it)
    Column("blocked", JSON(none_as_null=True)),
    UniqueConstraint("tenant", "key", name="uq_customers_key"),
    Index("ix_customers_review", "tenant", "next_review_on"),
)

# the customers' list sums the open balances from this index alone (migration 0013)
_OPEN_BALANCES = ("tenant", "customer_key", "status", "kind", "due_on", "open_balance")

receivables = Table(
    "receivables",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _tenant(),
    Column("key", KEY, nullable=False),
    Column("customer_key", KEY, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("number", String(100), nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("total", MONEY, nullable=False),
    Column("open_balance", MONEY, nullable=False),
    Column("status", String(20), nullable=False),
    Column("document_url", Text),
    Column("payment_url", Text),
    Column("updated_at", UtcDateTime()),
    Column("instalments", JSON),  # a split invoice's schedule; NULL: all due on due_on
    Column("hold", JSON(none_as_null=True)),  # {kind, reason} the source holds it with; NULL: none
    UniqueConstraint("tenant", "key", name="uq_receivables_key"),
    Index("ix_receivables_customer", *_OPEN_BALANCES),
    Index("ix_receivables_number", "tenant", "number"),
)

payments = Table(
    "payments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _tenant(),
    Column("key", KEY, nullable=False),
    Column("customer_key", KEY, nullable=False),
    Column("received_on", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("unapplied", MONEY, nullable=False),
    # [{"receivable": key, "amount": "120.50"}]: what went to each document, in `currency`
    Column("allocations", JSON, nullable=False),
    UniqueConstraint("tenant", "key", name="uq_payments_key"),
    Index("ix_payments_customer", "tenant", "customer_key", "received_on", "unapplied"),
    Index("ix_payments_received", "tenant", "received_on"),
)


def _side_state(name: str, *extra: Column[object]) -> Table:
    return Table(
        name,
        metadata,
        Column("id", String(64), primary_key=True),
        _tenant(),
        Column("customer_key", KEY, nullable=False),
        Column("data", JSON, nullable=False),
        *extra,
        Index(f"ix_{name}_customer", "tenant", "customer_key"),
    )


promises = _side_state("promises")
disputes = _side_state("disputes")
plans = _side_state("plans")
pauses = _side_state("pauses")

item_progress = Table(
    "item_progress",
    metadata,
    _tenant(),
    Column("item_key", KEY, nullable=False),
    Column("customer_key", KEY, nullable=False),
    Column("step", String(64)),
    Column("reminders", Integer, nullable=False),
    Column("last_on", Date),
    PrimaryKeyConstraint("tenant", "item_key"),
    Index("ix_item_progress_customer", "tenant", "customer_key"),
)

actions = Table(
    "actions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _tenant(),
    Column("key", String(400), nullable=False),
    Column("customer_key", KEY, nullable=False),
    Column("step", String(64), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("planned_on", Date, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime()),
    Column("receipt", Text),
    Column("error", Text),
    # what the channel did: recipients; a letter's posting, tracking number, receipt; a refusal
    Column("details", JSON(none_as_null=True)),
    UniqueConstraint("tenant", "key", name="uq_actions_key"),
    Index("ix_actions_status", "tenant", "status"),
    # one customer's actions (its history, its refusals, what reached it), by status
    Index("ix_actions_customer", "tenant", "customer_key", "status"),
)

sync_cursors = Table(
    "sync_cursors",
    metadata,
    Column("tenant", String(64), ForeignKey("tenants.slug"), primary_key=True),
    Column("resource", String(32), primary_key=True),
    Column("value", Text, nullable=False),
    Column("as_of", UtcDateTime()),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _tenant(),
    Column("at", UtcDateTime(), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("customer_key", KEY),
    Column("receivable_keys", JSON, nullable=False),
    Column("payload", JSON, nullable=False),
    Index("ix_events_customer", "tenant", "customer_key"),
    Index("ix_events_tenant", "tenant", "id"),
)

credentials = Table(
    "credentials",
    metadata,
    Column("tenant", String(64), ForeignKey("tenants.slug"), primary_key=True),
    Column("platform", String(20), primary_key=True),
    Column("ciphertext", Text, nullable=False),  # Fernet: never a token in clear
    Column("expires_at", UtcDateTime()),
    Column("status", String(32), nullable=False),  # connected | reconnect_needed
    Column("detail", Text),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# webhook deliveries, stored before the platform gets its 2xx; one row per platform event id
inbox = Table(
    "inbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _tenant(),
    Column("platform", String(20), nullable=False),
    Column("event_id", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("refs", JSON, nullable=False),  # external ids of the records the event names
    Column("received_at", UtcDateTime(), nullable=False),
    Column("processed_at", UtcDateTime()),
    Column("error", Text),
    # who is acting on the event now, until when (a replica killed meanwhile loses it)
    Column("claimed_by", String(100)),
    Column("claim_until", UtcDateTime()),
    UniqueConstraint("tenant", "platform", "event_id", name="uq_inbox_event"),
    Index("ix_inbox_pending", "tenant", "processed_at"),
    Index(
        "ix_inbox_unprocessed",
        "id",
        postgresql_where=text("processed_at IS NULL"),
        sqlite_where=text("processed_at IS NULL"),
    ),
)

# the webhook deliveries the receiver refused for a tenant (a signature that does not match
# its secret, no subscription in place): how many, since when, the last one's reason; the
# deliveries themselves are not kept (connector/webhook_refusals.py)
REFUSAL_REASON_LENGTH = 300  # characters of a refusal's reason kept
webhook_refusals = Table(
    "webhook_refusals",
    metadata,
    Column("tenant", String(64), ForeignKey("tenants.slug"), primary_key=True),
    Column("platform", String(20), primary_key=True),
    Column("refused", Integer, nullable=False),
    Column("first_at", UtcDateTime(), nullable=False),
    Column("last_at", UtcDateTime(), nullable=False),
    Column("last_reason", String(REFUSAL_REASON_LENGTH), nullable=False),
)

# one row per tenant: when its next scheduled cycle is due (and by which schedule), who
# holds it now (a lease that expires, so a replica killed mid-cycle loses the tenant to
# another one, not forever), and when the last one finished
cycles = Table(
    "cycles",
    metadata,
    Column("tenant", String(64), ForeignKey("tenants.slug"), primary_key=True),
    Column("lease_owner", String(100)),
    Column("lease_until", UtcDateTime()),
    Column("started_at", UtcDateTime()),
    Column("finished_at", UtcDateTime()),
    Column("outcome", String(20)),
    Column("due_at", UtcDateTime()),
    Column("schedule", String(120)),  # "cron|timezone" that due_at was computed with
    Index("ix_cycles_due", "due_at"),
)

# an outcome owed to the source (a reminder sent, a to-do written, a letter posted) that the
# source has not taken yet: recorded with the action's status, removed once the source has
# it; every run tries again (write-backs are idempotent) until then
write_backs = Table(
    "write_backs",
    metadata,
    Column("tenant", String(64), ForeignKey("tenants.slug"), primary_key=True),
    Column("action_key", String(400), primary_key=True),
    Column("done_on", Date, nullable=False),  # the day the source's trail gives
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("owed_since", UtcDateTime(), nullable=False),
    Column("tried_at", UtcDateTime()),
)


# --- the web app's people: local accounts, their role per tenant, sessions, failed logins ---
web_users = Table(
    "web_users",
    metadata,
    Column("login", String(200), primary_key=True),  # lower-cased
    Column("name", String(200), nullable=False),
    Column("password_hash", Text, nullable=False),  # argon2id, with its parameters
    Column("created_at", UtcDateTime(), nullable=False),
)

web_roles = Table(
    "web_roles",
    metadata,
    Column("login", String(200), ForeignKey("web_users.login", ondelete="CASCADE")),
    Column("tenant", String(64), ForeignKey("tenants.slug", ondelete="CASCADE")),
    Column("role", String(16), nullable=False),  # viewer, user, manager
    PrimaryKeyConstraint("login", "tenant"),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # SHA-256 of the cookie's value
    Column("login", String(200), ForeignKey("web_users.login", ondelete="CASCADE")),
    Column("csrf", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("seen_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("language", String(8)),  # the person's choice; NULL: the browser's
)

web_login_failures = Table(
    "web_login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("login", String(200), nullable=False),
    Column("address", String(64), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Index("ix_web_login_failures_login", "login", "at"),
    Index("ix_web_login_failures_address", "address", "at"),
)


# --- the dashboard (migration 0012) ---
# one row per invoice an action carried out named (its lines and upcoming items): the step
# and the day it counts from (a letter's posting day, else the day it was planned), written
# with the action's done status so "paid after each step" never reads the actions' JSON
action_steps = Table(
    "action_steps",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _tenant(),
    Column("action_id", Integer, ForeignKey("actions.id", ondelete="CASCADE"), nullable=False),
    Column("receivable", KEY, nullable=False),
    Column("step", String(64), nullable=False),
    Column("done_on", Date, nullable=False),
    Index("ix_action_steps_receivable", "tenant", "receivable", "done_on", "action_id"),
    Index("ix_action_steps_action", "action_id"),
)

# the dashboard's figures of a tenant as computed last (dashboard_json), with the day they
# are for and the stamp of the data they were computed from (the tenant's last event, the
# policy's steps): shown as they are while that day lasts and the stamp has not moved
dashboard_snapshots = Table(
    "dashboard_snapshots",
    metadata,
    Column("tenant", String(64), ForeignKey("tenants.slug"), primary_key=True),
    Column("as_of", Date, nullable=False),
    Column("computed_at", UtcDateTime(), nullable=False),
    Column("stamp", String(200), nullable=False),
    Column("figures", JSON, nullable=False),
)
