"""Due cycles and inbox events claimed by replicas: each by one at a time, none waited on,
taken over once a lease expires. Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from connector.clock import FrozenClock
from connector.errors import StoreError
from connector.model import Platform, SourceRef
from connector.source import Event, EventKind
from connector.store import CyclePlan, Store

LEASE = timedelta(minutes=30)
DAILY = "0 9 * * *|UTC"


def _clock(store: Store) -> FrozenClock:
    clock = store._clock
    assert isinstance(clock, FrozenClock)
    return clock


def _tenants(store: Store, count: int) -> list[str]:
    slugs = [f"t{n:02d}" for n in range(count)]
    for slug in slugs:
        store.ensure_tenant(slug, platform=Platform.FILES)
    return slugs


def test_one_holder_then_another_once_the_lease_expires(store: Store) -> None:
    assert "acme" not in store.cycle_rows()
    assert store.claim_cycle("acme", "replica-a", LEASE)
    assert not store.claim_cycle("acme", "replica-b", LEASE)
    assert not store.claim_cycle("acme", "replica-a", LEASE), "not twice, even by the holder"
    clock = _clock(store)
    clock.advance(LEASE + timedelta(seconds=1))  # replica-a died: its lease ran out
    assert store.claim_cycle("acme", "replica-b", LEASE)
    assert not store.finish_cycle("acme", "replica-a", "done"), "a late finish: ignored"
    assert store.cycle_rows()["acme"].finished_at is None
    assert store.finish_cycle("acme", "replica-b", "done")
    assert store.cycle_rows()["acme"].finished_at == clock.now()
    assert store.claim_cycle("acme", "replica-a", LEASE), "released: free again"


def test_due_cycles_are_claimed_most_overdue_first_and_not_before(store: Store) -> None:
    clock = _clock(store)
    now = clock.now()
    a, b, c = _tenants(store, 3)
    store.schedule_cycles(
        [
            CyclePlan(a, DAILY, now - timedelta(hours=1)),
            CyclePlan(b, DAILY, now - timedelta(days=2)),
            CyclePlan(c, DAILY, now + timedelta(hours=1)),
        ]
    )
    assert store.overdue_since() == now - timedelta(days=2), "the lag: b waits for two days"
    assert store.claim_due_cycles("r1", LEASE, [a, b, c], limit=1) == [b]
    assert store.overdue_since() == now - timedelta(hours=1)
    assert store.claim_due_cycles("r2", LEASE, [a, b, c], limit=5) == [a]
    assert store.claim_due_cycles("r3", LEASE, [a, b, c], limit=5) == [], "held or not due"
    assert store.overdue_since() is None, "both overdue ones are running: no lag"
    store.finish_cycle(b, "r1", "done", next_due=now + timedelta(days=1))
    clock.advance(LEASE + timedelta(seconds=1))  # r2 died holding a
    assert store.claim_due_cycles("r3", LEASE, [a, b, c], limit=5) == [a], "taken over"
    clock.advance(timedelta(hours=1))
    assert store.claim_due_cycles("r3", LEASE, [b, c], limit=5) == [c], "now due"
    assert store.claim_due_cycles("r3", LEASE, [], limit=5) == []


def test_replicas_agree_on_one_first_due_time(store: Store) -> None:
    now = _clock(store).now()
    assert store.schedule_cycles([CyclePlan("acme", DAILY, now + timedelta(minutes=3))]) == 1
    # a second replica drew another jitter for the same schedule: the first one stands
    assert store.schedule_cycles([CyclePlan("acme", DAILY, now + timedelta(minutes=4))]) == 0
    assert store.cycle_rows()["acme"].due_at == now + timedelta(minutes=3)
    weekly = "0 9 * * mon|UTC"  # the schedule changed: planned again
    assert store.schedule_cycles([CyclePlan("acme", weekly, now + timedelta(days=6))]) == 1
    assert store.cycle_rows()["acme"].due_at == now + timedelta(days=6)
    with pytest.raises(StoreError, match="no tenant 'ghost'"):
        store.schedule_cycles([CyclePlan("ghost", DAILY, now)])
    assert store.cycle_rows()["acme"].schedule == weekly, "nothing lost by the failed plan"


def test_simultaneous_claimers_take_disjoint_tenants(store: Store) -> None:
    slugs = _tenants(store, 40)
    now = _clock(store).now()
    store.schedule_cycles([CyclePlan(s, DAILY, now - timedelta(minutes=1)) for s in slugs])
    start = threading.Barrier(6)
    taken: Counter[str] = Counter()
    lock = threading.Lock()

    def replica(owner: str) -> None:
        start.wait()
        while got := store.claim_due_cycles(owner, LEASE, slugs, limit=3):
            with lock:
                taken.update(got)

    threads = [threading.Thread(target=replica, args=(f"r{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(taken) == set(slugs) and set(taken.values()) == {1}, "each exactly once"


def _event(tenant: str, n: int) -> Event:
    ref = SourceRef(platform=Platform.FILES, tenant=tenant, external_id=f"invoice:{n}")
    return Event(f"evt-{tenant}-{n}", EventKind.PAID, (ref,), datetime(2026, 3, 10, tzinfo=UTC))


def test_inbox_events_are_claimed_once_and_again_when_the_claim_runs_out(store: Store) -> None:
    (bravo,) = _tenants(store, 1)
    store.record_inbound("acme", "files", [_event("acme", n) for n in range(5)])
    store.record_inbound(bravo, "files", [_event(bravo, 1)])
    lease = timedelta(minutes=2)
    first = store.claim_inbound("r1", lease, limit=3)
    assert [e.event_id for e in first] == [f"evt-acme-{n}" for n in range(3)], "oldest first"
    second = store.claim_inbound("r2", lease, tenants=[bravo])
    assert [(e.tenant, e.event_id) for e in second] == [(bravo, f"evt-{bravo}-1")]
    assert second[0].refs[0].tenant == bravo
    rest = store.claim_inbound("r2", lease)
    assert [e.event_id for e in rest] == ["evt-acme-3", "evt-acme-4"]
    assert store.claim_inbound("r3", lease) == [], "all claimed"
    store.mark_inbound([e.id for e in first])
    _clock(store).advance(lease + timedelta(seconds=1))  # r2 died: its events come back
    again = store.claim_inbound("r3", lease)
    assert {e.event_id for e in again} == {"evt-acme-3", "evt-acme-4", f"evt-{bravo}-1"}
    assert store.inbox_depth() == 3, "processed ones are gone from the depth"
    assert (store.inbox_depth("acme"), store.inbox_depth(bravo)) == (2, 1)
    assert store.claim_inbound("r3", lease, tenants=[]) == []


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[Store]:
    """PostgreSQL alone: row locks held by another transaction, and SKIP LOCKED."""
    opened = Store.open(pg_url, clock=FrozenClock.on(date(2026, 3, 10)))
    opened.ensure_tenant("acme", platform=Platform.FILES)
    try:
        yield opened
    finally:
        with opened.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        opened.close()


def _without_waiting(call: Callable[[], Any]) -> Any:
    """``call()`` in a thread that must not block on a lock (5 s is far beyond a query)."""
    out: list[Any] = []
    worker = threading.Thread(target=lambda: out.append(call()), daemon=True)
    worker.start()
    worker.join(timeout=5)
    assert not worker.is_alive(), "the claim waited for another replica's row lock"
    return out[0]


def test_a_row_another_replica_is_claiming_is_skipped_not_waited_for(pg_store: Store) -> None:
    store = pg_store
    a, b = _tenants(store, 2)
    now = _clock(store).now()
    store.schedule_cycles([CyclePlan(s, DAILY, now - timedelta(minutes=1)) for s in (a, b)])
    store.record_inbound("acme", "files", [_event("acme", 1), _event("acme", 2)])
    with store.engine.connect() as other:  # another replica, mid-claim: it holds row locks
        other.execute(text("SELECT 1 FROM cycles WHERE tenant = :a FOR UPDATE"), {"a": a})
        other.execute(text("SELECT 1 FROM inbox WHERE event_id = 'evt-acme-1' FOR UPDATE"))
        assert _without_waiting(lambda: store.claim_due_cycles("r1", LEASE, [a, b], 5)) == [b]
        claimed = _without_waiting(lambda: store.claim_inbound("r1", LEASE))
        assert [e.event_id for e in claimed] == ["evt-acme-2"]
        other.rollback()
    assert store.claim_due_cycles("r2", LEASE, [a, b], limit=5) == [a]
    assert [e.event_id for e in store.claim_inbound("r2", LEASE)] == ["evt-acme-1"]
