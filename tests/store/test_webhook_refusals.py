"""Refused webhook deliveries counted per company: written at most once per interval (a
flood of forgeries is not a flood of writes), the rest when the receiver stops; an app-wide
refusal counted for each company on that platform; a store that fails loses the count, not
the receiver. On SQLite and PostgreSQL (the upsert is each dialect's own)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from connector.clock import FrozenClock
from connector.model import Platform
from connector.store import Store
from connector.webhook_refusals import EVERY_COMPANY, RefusalTally

START = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def companies(store: Store) -> None:
    """Beside the store's ``acme`` (a files tenant): two QuickBooks companies."""
    store.ensure_tenant("north", platform=Platform.QUICKBOOKS)
    store.ensure_tenant("south", platform=Platform.QUICKBOOKS)


def test_a_flood_is_written_once_per_interval_and_all_of_it_at_the_end(store: Store) -> None:
    clock, ticks = FrozenClock(START), Ticks()
    tally = RefusalTally(store, interval=10, clock=clock, monotonic=ticks)
    tally.add("acme", "pennylane", "Pennylane webhook signature does not match")
    first = store.inbox_summary("acme").refusals
    assert first is not None and (first.count, first.first_at) == (1, START)
    for _ in range(499):  # within the interval: counted, not written
        clock.advance(timedelta(milliseconds=10))
        tally.add("acme", "pennylane", "Pennylane webhook signed too long ago (possible replay)")
    assert store.inbox_summary("acme").refusals == first
    ticks.now += 10
    tally.add("acme", "pennylane", "Pennylane webhook signature does not match")
    written = store.inbox_summary("acme").refusals
    assert written is not None and written.count == 501 and written.first_at == START
    assert written.reason == "Pennylane webhook signature does not match"
    tally.add("acme", "pennylane", "Pennylane webhook signature does not match")
    tally.close()
    closed = store.inbox_summary("acme").refusals
    assert closed is not None and closed.count == 502 and closed.last_at > START


def test_an_app_wide_refusal_counts_for_each_company_on_the_platform(store: Store) -> None:
    tally = RefusalTally(store, clock=FrozenClock(START))
    tally.add(EVERY_COMPANY, "quickbooks", "QuickBooks webhook signature does not match")
    for slug in ("north", "south"):
        refusals = store.inbox_summary(slug).refusals
        assert refusals is not None and refusals.count == 1
    assert store.inbox_summary("acme").refusals is None


def test_a_long_reason_is_cut_and_a_store_that_fails_is_only_logged(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    tally = RefusalTally(store, clock=FrozenClock(START))
    tally.add("acme", "pennylane", "x" * 5000)
    refusals = store.inbox_summary("acme").refusals
    assert refusals is not None and len(refusals.reason) == 300
    tally.add("ghost", "pennylane", "no such tenant in the store")  # the database refuses it
    assert "refused deliveries for ghost not counted" in caplog.text


def test_what_an_interval_held_back_is_written_when_it_ends(store: Store) -> None:
    """A burst, then silence: the page shows the whole burst once the interval is over, not
    only its first delivery until the receiver stops."""
    tally = RefusalTally(store, interval=0.2, clock=FrozenClock(START))
    for _ in range(3):
        tally.add("acme", "pennylane", "Pennylane webhook signature does not match")
    first = store.inbox_summary("acme").refusals
    assert first is not None and first.count == 1
    deadline = time.monotonic() + 10
    while (store.inbox_summary("acme").refusals or first).count < 3:
        assert time.monotonic() < deadline, "the held-back refusals were not written"
        time.sleep(0.05)
    tally.close()
    final = store.inbox_summary("acme").refusals
    assert final is not None and final.count == 3  # nothing written twice
