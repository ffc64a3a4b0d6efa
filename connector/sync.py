"""Pull -> normalize -> store, one batch per transaction, cursors capped at the sync's start.

A batch's records and the cursor valid after them are committed together: a crash leaves
the cursor where the stored records are, never past them. A cursor is never later than
the instant the sync started, so a record edited during the sync is read again next time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from connector.clock import Clock
from connector.source import Batch, Cursor, Resource, Source
from connector.store import Store

__all__ = ["SyncReport", "cap_cursor", "sync"]

log = logging.getLogger(__name__)

ORDER = (Resource.CUSTOMERS, Resource.RECEIVABLES, Resource.PAYMENTS)


@dataclass(slots=True)
class SyncReport:
    tenant: str
    started_at: datetime
    counts: dict[str, int] = field(default_factory=dict)
    batches: int = 0

    def add(self, name: str, value: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + value


def cap_cursor(cursor: Cursor | None, started_at: datetime) -> Cursor | None:
    """A cursor never points past the sync's start."""
    if cursor is None or cursor.as_of is None or cursor.as_of <= started_at:
        return cursor
    return Cursor(started_at.isoformat(), started_at)


def sync(
    store: Store,
    tenant: str,
    source: Source,
    *,
    clock: Clock,
    on_batch: Callable[[Batch], None] | None = None,
) -> SyncReport:
    report = SyncReport(tenant, clock.now())
    for resource in ORDER:
        since = store.cursor(tenant, resource)
        for batch in source.pull(resource, since):
            cursor = cap_cursor(batch.cursor, report.started_at)
            counts = store.upsert_ledger(
                tenant,
                customers=batch.customers,
                receivables=batch.receivables,
                payments=batch.payments,
                deleted=batch.deleted,
                complete=batch.complete,
                cursor=(resource, cursor) if cursor is not None else None,
                origin=str(source.platform),
            )
            report.batches += 1
            report.add("customers", counts.customers)
            report.add("receivables", counts.receivables)
            report.add("payments", counts.payments)
            report.add("closed", counts.closed)
            if on_batch is not None:
                on_batch(batch)
    log.info("sync of %s done: %s", tenant, report.counts)
    return report
