"""The daemon's schedule, catch-up after downtime, caps, leases and graceful stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connector.clock import FrozenClock, SystemClock
from connector.daemon import Daemon, DaemonOptions, TenantSchedule, missed_slot, tenant_trigger
from connector.metrics import Metrics
from connector.model import Platform
from connector.store import Store

PARIS = ZoneInfo("Europe/Paris")
ACME = TenantSchedule("acme", "pennylane")


def test_the_default_slot_is_business_days_at_nine_local() -> None:
    trigger = tenant_trigger(ACME)
    friday_noon = datetime(2026, 3, 6, 12, 0, tzinfo=PARIS)
    assert trigger.get_next_fire_time(None, friday_noon) == datetime(2026, 3, 9, 9, 0, tzinfo=PARIS)
    summer = trigger.get_next_fire_time(None, datetime(2026, 7, 1, 10, 0, tzinfo=PARIS))
    assert summer is not None and summer.astimezone(UTC).hour == 7  # 09:00 CEST


def test_jitter_keeps_each_start_within_its_bound() -> None:
    trigger = tenant_trigger(ACME, jitter=300)
    after = datetime(2026, 3, 6, 12, 0, tzinfo=PARIS)
    slot = datetime(2026, 3, 9, 9, 0, tzinfo=PARIS)
    starts = {trigger.get_next_fire_time(None, after) for _ in range(50)}
    assert all(s is not None and slot <= s <= slot + timedelta(seconds=300) for s in starts)
    assert len(starts) > 1


def test_one_catch_up_after_downtime_not_one_per_missed_slot() -> None:
    friday = datetime(2026, 3, 6, 9, 5, tzinfo=PARIS)
    assert not missed_slot(ACME, friday, datetime(2026, 3, 9, 8, 0, tzinfo=PARIS))
    assert missed_slot(ACME, friday, datetime(2026, 3, 12, 8, 0, tzinfo=PARIS))
    assert not missed_slot(ACME, None, datetime(2026, 3, 12, 8, 0, tzinfo=PARIS))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'd.sqlite'}", clock=SystemClock()) as store:
        for slug in ("acme", "bravo", "charlie"):
            store.ensure_tenant(slug, platform=Platform.PENNYLANE)
        yield store


class Recorder:
    """What the cycles did: how many at once, in which order."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds, self.lock = seconds, threading.Lock()
        self.running = 0
        self.peak = 0
        self.done: list[str] = []
        self.inbox: list[str] = []

    def cycle(self, slug: str) -> Mapping[str, object]:
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        time.sleep(self.seconds)
        with self.lock:
            self.running -= 1
            self.done.append(slug)
        return {"results": 0}

    def process_inbox(self, slug: str) -> None:
        self.inbox.append(slug)


def _wait(condition: object, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_missed_slot_runs_once_at_start(store: Store, tmp_path: Path) -> None:
    store.claim_cycle("acme", "old", timedelta(minutes=1))
    store.finish_cycle("acme", "old", "done")
    with store.engine.begin() as conn:  # the last cycle finished a week ago
        from sqlalchemy import text

        conn.execute(
            text("UPDATE cycles SET finished_at = :t"), {"t": datetime.now(UTC) - timedelta(days=7)}
        )
    recorder = Recorder()
    daemon = Daemon(
        store, [ACME, TenantSchedule("bravo", "pennylane")], recorder.cycle,
        recorder.process_inbox, clock=SystemClock(),
        options=DaemonOptions(jitter_seconds=0, inbox_every_seconds=3600),
    )  # fmt: skip
    daemon.start()
    try:
        _wait(lambda: recorder.done == ["acme"])
        time.sleep(0.3)
        assert recorder.done == ["acme"], "one catch-up, and none for a tenant that never ran"
        assert store.last_cycle("acme") > datetime.now(UTC) - timedelta(minutes=1)  # type: ignore[operator]
    finally:
        daemon.stop()


def test_the_per_platform_cap_and_the_lease_hold(store: Store) -> None:
    recorder = Recorder(seconds=0.2)
    schedules = [TenantSchedule(s, "pennylane") for s in ("acme", "bravo", "charlie")]
    metrics = Metrics()
    daemon = Daemon(
        store, schedules, recorder.cycle, recorder.process_inbox, clock=SystemClock(),
        options=DaemonOptions(max_concurrent=3, per_platform={"pennylane": 1}), metrics=metrics,
    )  # fmt: skip
    threads = [threading.Thread(target=daemon.run_cycle, args=(s,)) for s in schedules]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(recorder.done) == ["acme", "bravo", "charlie"]
    assert recorder.peak == 1
    # another replica holds bravo: this one skips it
    assert store.claim_cycle("bravo", "replica-elsewhere", timedelta(minutes=5))
    assert daemon.run_cycle(schedules[1]) == "skipped"
    assert daemon.counts["skipped"] == 1
    assert metrics.registry.get_sample_value("relance_cycles_total", {"outcome": "done"}) == 3


def test_stop_lets_the_cycle_in_flight_finish_and_starts_nothing(store: Store) -> None:
    recorder = Recorder(seconds=0.5)
    daemon = Daemon(
        store, [ACME], recorder.cycle, recorder.process_inbox, clock=SystemClock(),
        options=DaemonOptions(inbox_every_seconds=3600),
    )  # fmt: skip
    daemon.start()
    daemon.scheduler.add_job(daemon.run_cycle, args=[ACME], id="now")
    _wait(lambda: recorder.running == 1)
    daemon.stop()
    assert recorder.done == ["acme"], "the cycle in flight finished"
    assert store.last_cycle("acme") is not None
    assert daemon.run_cycle(ACME) == "stopping"
    assert not daemon.running


def test_pending_webhook_events_are_drained_between_cycles(store: Store) -> None:
    from connector.model import SourceRef
    from connector.source import Event, EventKind

    ref = SourceRef(platform=Platform.PENNYLANE, tenant="bravo", external_id="invoice:1")
    store.record_inbound(
        "bravo",
        "pennylane",
        [
            Event(
                "evt-1",
                EventKind.CHANGED,
                (ref,),
                FrozenClock.on(datetime(2026, 3, 9).date()).now(),
            )
        ],
    )
    recorder = Recorder()
    schedules = [TenantSchedule(s, "pennylane") for s in ("acme", "bravo")]
    daemon = Daemon(store, schedules, recorder.cycle, recorder.process_inbox, clock=SystemClock())
    daemon.drain_inbox()
    assert recorder.inbox == ["bravo"]


def _finished(store: Store, slug: str, when: datetime) -> None:
    from sqlalchemy import text

    store.claim_cycle(slug, "someone", timedelta(minutes=1))
    store.finish_cycle(slug, "someone", "done")
    with store.engine.begin() as conn:
        conn.execute(
            text("UPDATE cycles SET finished_at = :t WHERE tenant = :s"), {"t": when, "s": slug}
        )


def test_a_slot_another_replica_already_ran_is_not_run_again(store: Store) -> None:
    _finished(store, "acme", datetime.now(UTC))
    recorder = Recorder()
    daemon = Daemon(store, [ACME], recorder.cycle, recorder.process_inbox, clock=SystemClock())
    assert daemon.run_cycle(ACME) == "already done"
    assert recorder.done == []
    assert store.claim_cycle("acme", "next-replica", timedelta(minutes=1)), "lease given back"


def test_a_dead_replica_s_tenant_is_caught_up_once_its_lease_expires(store: Store) -> None:
    _finished(store, "acme", datetime.now(UTC) - timedelta(days=7))
    assert store.claim_cycle("acme", "dead-replica", timedelta(seconds=1))  # then SIGKILLed
    recorder = Recorder()
    daemon = Daemon(store, [ACME], recorder.cycle, recorder.process_inbox, clock=SystemClock())
    daemon.catch_up()
    assert recorder.done == [], "the dead replica's lease still holds"
    time.sleep(1.2)
    daemon.catch_up()
    daemon.catch_up()
    assert recorder.done == ["acme"], "taken over once, and only once"


def test_an_interrupted_cycle_is_not_recorded_as_finished(store: Store) -> None:
    _finished(store, "acme", datetime.now(UTC) - timedelta(days=7))
    before = store.last_cycle("acme")
    daemon = Daemon(
        store, [ACME], lambda slug: {"stopped": True}, lambda slug: None, clock=SystemClock()
    )
    assert daemon.run_cycle(ACME) == "interrupted"
    assert store.last_cycle("acme") == before, "the next start catches the rest up"
    assert store.claim_cycle("acme", "after-restart", timedelta(minutes=1))


def test_a_long_cycle_keeps_renewing_its_lease(store: Store) -> None:
    recorder = Recorder(seconds=2.5)
    daemon = Daemon(
        store, [ACME], recorder.cycle, recorder.process_inbox, clock=SystemClock(),
        options=DaemonOptions(lease=timedelta(seconds=1)),
    )  # fmt: skip
    worker = threading.Thread(target=daemon.run_cycle, args=(ACME,))
    worker.start()
    _wait(lambda: recorder.running == 1)
    time.sleep(1.6)  # past the first lease: only renewal keeps it
    assert not store.claim_cycle("acme", "another-replica", timedelta(seconds=1))
    worker.join()
    assert recorder.done == ["acme"]
    assert store.claim_cycle("acme", "another-replica", timedelta(seconds=1)), "released"
