"""The store: relance's copy of the ledger, its side states, the outbox and the audit trail.

SQLAlchemy 2 with Alembic migrations (``migrations/``): a SQLite file by default, PostgreSQL
by URL. Each public method is one transaction.
"""

from __future__ import annotations

from connector.store.accounts import AccountsMixin, SessionRecord
from connector.store.agenda import AgendaMixin, DueCustomer
from connector.store.customer_list import CustomerListMixin
from connector.store.cycles import CycleMixin, CyclePlan, CycleRow
from connector.store.dashboards import DashboardMixin, DashboardSnapshot
from connector.store.inbox import InboundEvent, InboxSummary
from connector.store.letters import LettersMixin
from connector.store.review import ReviewMixin
from connector.store.types import (
    ActionRecord,
    ActionStatus,
    AuditEvent,
    EventType,
    TenantRecord,
    UpsertCounts,
)
from connector.store.write_backs import OwedWriteBack, WriteBackMixin

__all__ = [
    "ActionRecord",
    "ActionStatus",
    "AuditEvent",
    "CyclePlan",
    "CycleRow",
    "DashboardSnapshot",
    "DueCustomer",
    "EventType",
    "InboundEvent",
    "InboxSummary",
    "OwedWriteBack",
    "SessionRecord",
    "Store",
    "TenantRecord",
    "UpsertCounts",
]


class Store(
    CycleMixin,
    LettersMixin,
    WriteBackMixin,
    ReviewMixin,
    AccountsMixin,
    AgendaMixin,
    CustomerListMixin,
    DashboardMixin,
):
    """Open with :meth:`Store.open`; use as a context manager to close it."""
