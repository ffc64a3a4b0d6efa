"""Webhook deliveries in, re-reads out: the part of the receiver that is not HTTP.

``receive`` verifies a delivery with the tenant's source (a forgery raises before anything
is stored), then keeps its events in the inbox, once per platform event id, so that a
redelivery is harmless. ``process_inbox`` claims what is pending (several replicas take
different events: ``SELECT … FOR UPDATE SKIP LOCKED``) and acts on it: a source that can re-read
records by id does so for just the records named (and their customers); any other source
gets an incremental sync, sooner than its schedule. A paid invoice then reads as paid, so
no reminder is planned for it; pending actions are re-checked against fresh balances
before any send anyway.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from connector.clock import Clock
from connector.errors import RelanceError, StoreError
from connector.leases import INBOX_LEASE
from connector.source import Event, Source, TargetedRead
from connector.store import InboundEvent, Store
from connector.store.schema import inbox
from connector.sync import store_batch, sync

__all__ = [
    "EVENT_ID_LENGTH",
    "INBOX_LEASE",
    "InboxReport",
    "Intake",
    "fitted",
    "process_events",
    "process_inbox",
    "receive",
]

log = logging.getLogger(__name__)

EVENT_ID_LENGTH: int = getattr(inbox.c.event_id.type, "length", None) or 200  # characters kept


def _storable(event_id: str) -> bool:
    if len(event_id) > EVENT_ID_LENGTH or "\x00" in event_id:  # PostgreSQL's text has no NUL
        return False
    try:
        event_id.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, from a JSON "\ud800"
        return False
    return True


def fitted(events: Sequence[Event]) -> list[Event]:
    """The events with ids the inbox holds. A longer id (a platform's own, or one made of a
    long record name), or one no database keeps as text (a NUL, a lone surrogate), is kept as
    ``sha256:`` and its digest: the same for every redelivery, so deduplication holds, and
    the same on SQLite (which would take the long id) and on PostgreSQL (which would refuse
    it, and the platform would retry for ever)."""
    return [
        event
        if _storable(event.event_id)
        else replace(
            event,
            event_id="sha256:"
            + hashlib.sha256(event.event_id.encode("utf-8", "surrogatepass")).hexdigest(),
        )
        for event in events
    ]


@dataclass(frozen=True, slots=True)
class Intake:
    events: int
    new: int


def receive(
    store: Store, tenant: str, source: Source, headers: Mapping[str, str], body: bytes
) -> Intake:
    """Verify, parse and store one delivery; raises SourceRejected on a bad signature."""
    events = fitted(source.parse_webhook(headers, body))
    new = store.record_inbound(tenant, str(source.platform), events)
    log.info("webhook for %s: %d event(s), %d new", tenant, len(events), new)
    return Intake(len(events), new)


@dataclass(frozen=True, slots=True)
class InboxReport:
    events: int
    refs: int
    full_sync: bool
    problems: tuple[str, ...] = ()


def process_inbox(
    store: Store,
    tenant: str,
    source: Source,
    *,
    clock: Clock,
    owner: str = "relance",
    lease: timedelta = INBOX_LEASE,
) -> InboxReport:
    """Claim the tenant's unprocessed events and act on them."""
    events = store.claim_inbound(owner, lease, tenants=[tenant])
    return process_events(store, tenant, source, events, clock=clock)


def process_events(
    store: Store, tenant: str, source: Source, events: Sequence[InboundEvent], *, clock: Clock
) -> InboxReport:
    """Act on events already claimed: re-read what they name, then mark them processed.
    When the platform fails, they stay claimed until the claim runs out, then are retried
    (by this replica or another)."""
    if not events:
        return InboxReport(0, 0, False)
    if any(event.tenant != tenant for event in events):  # never one tenant's source for another
        raise StoreError(
            f"events of several tenants given to {tenant}'s inbox",
            hint="group claimed events by tenant before processing them",
        )
    refs = list({ref.key: ref for event in events for ref in event.refs}.values())
    problems: list[str] = []
    try:
        if isinstance(source, TargetedRead):
            for batch in source.read(refs):
                problems.extend(store_batch(store, tenant, source, batch, cursor=None))
        else:
            problems.extend(sync(store, tenant, source, clock=clock).problems)
    except RelanceError as exc:
        log.warning("inbox of %s not processed yet: %s", tenant, exc.message)
        raise  # left claimed: retried once the claim runs out
    store.mark_inbound([event.id for event in events])
    return InboxReport(
        len(events), len(refs), not isinstance(source, TargetedRead), tuple(problems)
    )
