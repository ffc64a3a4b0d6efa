"""Webhook deliveries in, re-reads out: the part of the receiver that is not HTTP.

``receive`` verifies a delivery with the tenant's source (a forgery raises before anything
is stored), then keeps its events in the inbox, once per platform event id, so that a
redelivery is harmless. ``process_inbox`` acts on what is pending: a source that can re-read
records by id does so for just the records named (and their customers); any other source
gets an incremental sync, sooner than its schedule. A paid invoice then reads as paid, so
no reminder is planned for it; pending actions are re-checked against fresh balances
before any send anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from connector.clock import Clock
from connector.errors import RelanceError
from connector.source import Source, TargetedRead
from connector.store import Store
from connector.sync import store_batch, sync

__all__ = ["InboxReport", "Intake", "process_inbox", "receive"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Intake:
    events: int
    new: int


def receive(
    store: Store, tenant: str, source: Source, headers: Mapping[str, str], body: bytes
) -> Intake:
    """Verify, parse and store one delivery; raises SourceRejected on a bad signature."""
    events = source.parse_webhook(headers, body)
    new = store.record_inbound(tenant, str(source.platform), events)
    log.info("webhook for %s: %d event(s), %d new", tenant, len(events), new)
    return Intake(len(events), new)


@dataclass(frozen=True, slots=True)
class InboxReport:
    events: int
    refs: int
    full_sync: bool
    problems: tuple[str, ...] = ()


def process_inbox(store: Store, tenant: str, source: Source, *, clock: Clock) -> InboxReport:
    pending = store.pending_inbound(tenant)
    if not pending:
        return InboxReport(0, 0, False)
    refs = list({ref.key: ref for event in pending for ref in event.refs}.values())
    ids = [event.id for event in pending]
    problems: list[str] = []
    try:
        if isinstance(source, TargetedRead):
            for batch in source.read(refs):
                problems.extend(store_batch(store, tenant, source, batch, cursor=None))
        else:
            problems.extend(sync(store, tenant, source, clock=clock).problems)
    except RelanceError as exc:
        log.warning("inbox of %s not processed yet: %s", tenant, exc.message)
        raise  # left pending: the next run retries
    store.mark_inbound(ids)
    return InboxReport(
        len(pending), len(refs), not isinstance(source, TargetedRead), tuple(problems)
    )
