"""Deliveries stored several per transaction: duplicates skipped, one bad one fails alone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connector.errors import StoreError
from connector.model import Platform, SourceRef
from connector.source import Event, EventKind
from connector.store import Store

AT = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def event(tenant: str, n: int) -> Event:
    ref = SourceRef(platform=Platform.FILES, tenant=tenant, external_id=f"invoice:{n}")
    return Event(f"evt-{n}", EventKind.CHANGED, (ref,), AT)


def test_a_batch_counts_new_events_and_skips_redeliveries(store: Store) -> None:
    counts = store.record_inbound_batch(
        [
            ("acme", "files", [event("acme", 1), event("acme", 2)]),
            ("acme", "files", [event("acme", 1)]),
        ]
    )
    assert counts == [2, 0]
    assert store.inbox_depth() == 2


def test_a_missing_tenant_fails_alone_with_a_clear_error(store: Store) -> None:
    with pytest.raises(StoreError, match="no tenant 'ghost'"):
        store.record_inbound("ghost", "files", [event("ghost", 7)])
    with pytest.raises(StoreError, match="names"):
        store.record_inbound("acme", "files", [event("other", 8)])  # another tenant's record
    assert store.record_inbound_batch([("acme", "files", [event("acme", 9)])]) == [1]
    assert store.inbox_depth() == 1


def test_an_event_twice_in_one_batch_is_stored_and_counted_once(store: Store) -> None:
    counts = store.record_inbound_batch(
        [
            ("acme", "files", [event("acme", 1), event("acme", 1), event("acme", 2)]),
            ("acme", "files", [event("acme", 2), event("acme", 3)]),
        ]
    )
    assert counts == [2, 1], "the second delivery brought only evt-3"
    assert store.inbox_depth() == 3
