"""Tenant cycle leases: one holder at a time, taken over once the lease expires."""

from __future__ import annotations

import threading
from datetime import timedelta

from connector.clock import FrozenClock
from connector.store import Store

LEASE = timedelta(minutes=30)


def test_one_holder_then_another_once_the_lease_expires(store: Store) -> None:
    assert store.last_cycle("acme") is None
    assert store.claim_cycle("acme", "replica-a", LEASE)
    assert not store.claim_cycle("acme", "replica-b", LEASE)
    assert not store.claim_cycle("acme", "replica-a", LEASE), "not twice, even by the holder"
    clock = store._clock
    assert isinstance(clock, FrozenClock)
    clock.advance(LEASE + timedelta(seconds=1))  # replica-a died: its lease ran out
    assert store.claim_cycle("acme", "replica-b", LEASE)
    store.finish_cycle("acme", "replica-a", "done")  # a late finish from the dead one: ignored
    assert store.last_cycle("acme") is None
    store.finish_cycle("acme", "replica-b", "done")
    assert store.last_cycle("acme") == clock.now()
    assert store.claim_cycle("acme", "replica-a", LEASE), "released: free again"


def test_of_many_simultaneous_claims_exactly_one_wins(store: Store) -> None:
    store.claim_cycle("acme", "warm-up", LEASE)  # the row exists; released below
    store.finish_cycle("acme", "warm-up", "done")
    start = threading.Barrier(8)
    won: list[str] = []

    def claim(owner: str) -> None:
        start.wait()
        if store.claim_cycle("acme", owner, LEASE):
            won.append(owner)

    threads = [threading.Thread(target=claim, args=(f"replica-{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
