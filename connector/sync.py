"""Pull -> normalize -> store, one batch per transaction, cursors capped at the sync's start.

A batch's records and the cursor valid after them are committed together: a crash leaves
the cursor where the stored records are, never past them. A cursor is never later than
the instant the sync started, so a record edited during the sync is read again next time.

A full read (batches marked ``complete``) may come in several batches: each is stored as it
comes, and only when the last one is in does the store close what none of them held and
save the read's cursor, in one transaction; a read cut short closes nothing and is done
again. Records a source could not read are reported, and never taken for gone. A source
whose reads are snapshots may refuse one before anything of it is stored
(:class:`CheckedSnapshot`: files that would close too much at once).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol, runtime_checkable

from connector.clock import Clock
from connector.source import Batch, Cursor, Resource, Source
from connector.store import Store, UpsertCounts

__all__ = ["CheckedSnapshot", "SyncReport", "cap_cursor", "store_batch", "sync"]

log = logging.getLogger(__name__)

ORDER = (Resource.CUSTOMERS, Resource.RECEIVABLES, Resource.PAYMENTS)


@dataclass(slots=True)
class SyncReport:
    tenant: str
    started_at: datetime
    counts: dict[str, int] = field(default_factory=dict)
    batches: int = 0
    problems: list[str] = field(default_factory=list)  # records skipped, with why

    def add(self, name: str, value: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + value


@runtime_checkable
class CheckedSnapshot(Protocol):
    """A source read whole each time (files) that checks its snapshot against the store
    before a sync stores any of it: it raises to refuse the whole sync."""

    def check_snapshot(self, store: Store, tenant: str) -> None: ...


def cap_cursor(cursor: Cursor | None, started_at: datetime) -> Cursor | None:
    """A cursor never points past the sync's start."""
    if cursor is None or cursor.as_of is None or cursor.as_of <= started_at:
        return cursor
    return Cursor(started_at.isoformat(), started_at)


def _without_orphans(store: Store, tenant: str, batch: Batch) -> Batch:
    """Receivables whose customer relance could not read are reported, not stored."""
    named = {r.customer_ref.key for r in batch.receivables}
    named -= {c.ref.key for c in batch.customers}
    if not named:
        return batch
    missing = named - store.known_customers(tenant, named)
    if not missing:
        return batch
    orphans = [r for r in batch.receivables if r.customer_ref.key in missing]
    return replace(
        batch,
        receivables=[r for r in batch.receivables if r.customer_ref.key not in missing],
        unreadable=[*batch.unreadable, *(r.ref for r in orphans)],
        problems=[
            *batch.problems,
            *(
                f"{r.number} ({r.ref.external_id}) skipped: its customer "
                f"{r.customer_ref.external_id} could not be read"
                for r in orphans
            ),
        ],
    )


def _keys(batch: Batch) -> set[str]:
    """What a batch of a full read accounts for: its records and those it could not read."""
    if batch.resource is Resource.RECEIVABLES:
        keys = {r.ref.key for r in batch.receivables}
    elif batch.resource is Resource.PAYMENTS:
        keys = {p.ref.key for p in batch.payments}
    else:
        keys = {c.ref.key for c in batch.customers}
    return keys | {ref.key for ref in batch.unreadable}


def _store(
    store: Store, tenant: str, source: Source, batch: Batch, cursor: Cursor | None
) -> UpsertCounts:
    return store.upsert_ledger(
        tenant,
        customers=batch.customers,
        receivables=batch.receivables,
        payments=batch.payments,
        deleted=batch.deleted,
        complete=batch.complete,
        cursor=(batch.resource, cursor) if cursor is not None else None,
        origin=str(source.platform),
        unreadable=batch.unreadable,
    )


def store_batch(
    store: Store, tenant: str, source: Source, batch: Batch, *, cursor: Cursor | None
) -> list[str]:
    """Store one batch outside a sync (a targeted re-read); returns its problems."""
    checked = _without_orphans(store, tenant, batch)
    _store(store, tenant, source, checked, cursor)
    return list(checked.problems)


def sync(
    store: Store,
    tenant: str,
    source: Source,
    *,
    clock: Clock,
    on_batch: Callable[[Batch], None] | None = None,
) -> SyncReport:
    report = SyncReport(tenant, clock.now())
    if isinstance(source, CheckedSnapshot):
        source.check_snapshot(store, tenant)
    for resource in ORDER:
        since = store.cursor(tenant, resource)
        full, seen, last = False, set[str](), None
        for pulled in source.pull(resource, since):
            batch = _without_orphans(store, tenant, pulled)
            cursor = cap_cursor(batch.cursor, report.started_at)
            if batch.complete:  # a full read, maybe in several batches: closed at its end
                full, last = True, cursor or last
                seen.update(_keys(batch))
                counts = _store(store, tenant, source, replace(batch, complete=False), None)
            else:
                counts = _store(store, tenant, source, batch, cursor)
            report.problems.extend(batch.problems)
            if batch.problems:
                report.add("unreadable", len(batch.problems))
            report.batches += 1
            report.add("customers", counts.customers)
            report.add("receivables", counts.receivables)
            report.add("payments", counts.payments)
            report.add("closed", counts.closed)
            if on_batch is not None:
                on_batch(batch)
        if full:
            closed = store.finish_full_read(
                tenant, resource, seen, last, origin=str(source.platform)
            )
            report.add("closed", closed)
    log.info("sync of %s done: %s", tenant, report.counts)
    return report
