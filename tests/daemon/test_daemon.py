"""The daemon's schedule, catch-up after downtime, claims, caps, leases and graceful stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from connector.clock import SystemClock
from connector.daemon import (
    Daemon,
    DaemonOptions,
    TenantSchedule,
    first_due,
    next_due,
    tenant_trigger,
)
from connector.errors import SourceError
from connector.metrics import Metrics
from connector.model import Platform, SourceRef
from connector.source import Event, EventKind
from connector.store import CyclePlan, CycleRow, InboundEvent, Store

PARIS = ZoneInfo("Europe/Paris")
ACME = TenantSchedule("acme", "pennylane")
EVERY_MINUTE = "* * * * *"


def test_the_default_slot_is_business_days_at_nine_local() -> None:
    trigger = tenant_trigger(ACME)
    friday_noon = datetime(2026, 3, 6, 12, 0, tzinfo=PARIS)
    assert trigger.get_next_fire_time(None, friday_noon) == datetime(2026, 3, 9, 9, 0, tzinfo=PARIS)
    summer = next_due(ACME, datetime(2026, 7, 1, 10, 0, tzinfo=PARIS))
    assert summer == datetime(2026, 7, 2, 7, 0, tzinfo=UTC), "09:00 CEST"


def test_jitter_keeps_each_start_within_its_bound() -> None:
    after = datetime(2026, 3, 6, 12, 0, tzinfo=PARIS)
    slot = datetime(2026, 3, 9, 9, 0, tzinfo=PARIS)
    starts = {next_due(ACME, after, jitter=300) for _ in range(50)}
    assert all(s is not None and slot <= s <= slot + timedelta(seconds=300) for s in starts)
    assert len(starts) > 1


def _row(finished: datetime | None) -> CycleRow:
    return CycleRow("acme", None, None, finished, None, None)


def test_one_catch_up_after_downtime_not_one_per_missed_slot() -> None:
    friday = datetime(2026, 3, 6, 9, 5, tzinfo=PARIS)
    monday_early = datetime(2026, 3, 9, 8, 0, tzinfo=PARIS)
    thursday = datetime(2026, 3, 12, 8, 0, tzinfo=PARIS)
    assert first_due(ACME, _row(friday), monday_early) == datetime(2026, 3, 9, 9, 0, tzinfo=PARIS)
    caught_up = first_due(ACME, _row(friday), thursday)
    assert caught_up is not None and caught_up < thursday, "three slots missed: due now, once"
    after_it = next_due(ACME, thursday)  # the catch-up ran: the next one is on schedule
    assert after_it == datetime(2026, 3, 12, 9, 0, tzinfo=PARIS)
    never_ran = first_due(ACME, None, thursday)
    assert never_ran == datetime(2026, 3, 12, 9, 0, tzinfo=PARIS), "first slot from now"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'd.sqlite'}", clock=SystemClock()) as store:
        for slug in ("acme", "bravo", "charlie", "delta", "echo"):
            store.ensure_tenant(slug, platform=Platform.PENNYLANE)
        yield store


class Recorder:
    """What the cycles did: how many at once (per platform), in which order."""

    def __init__(self, seconds: float = 0.0, platform_of: Mapping[str, str] | None = None) -> None:
        self.seconds, self.lock = seconds, threading.Lock()
        self.platform_of = platform_of or {}
        self.running: dict[str, int] = {}
        self.peak: dict[str, int] = {}
        self.done: list[str] = []
        self.stopped: list[str] = []
        self.inbox: list[tuple[str, list[str]]] = []

    def _bump(self, key: str, by: int) -> None:
        self.running[key] = self.running.get(key, 0) + by
        self.peak[key] = max(self.peak.get(key, 0), self.running[key])

    def cycle(self, slug: str, stop: Callable[[], bool]) -> Mapping[str, object]:
        platform = self.platform_of.get(slug, "pennylane")
        with self.lock:
            self._bump("all", 1)
            self._bump(platform, 1)
        deadline = time.monotonic() + self.seconds
        while time.monotonic() < deadline and not stop():
            time.sleep(0.01)
        with self.lock:
            self._bump("all", -1)
            self._bump(platform, -1)
            (self.stopped if stop() else self.done).append(slug)
        return {"results": 0, "stopped": stop()}

    def process_inbox(self, slug: str, events: Sequence[InboundEvent]) -> None:
        self.inbox.append((slug, [e.event_id for e in events]))


def _wait(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _due_now(store: Store, *schedules: TenantSchedule) -> None:
    past = datetime.now(UTC) - timedelta(minutes=1)
    store.schedule_cycles([CyclePlan(s.slug, s.key, past) for s in schedules])


def _finished(store: Store, slug: str, when: datetime) -> None:
    store.claim_cycle(slug, "someone", timedelta(minutes=1))
    store.finish_cycle(slug, "someone", "done")
    with store.engine.begin() as conn:
        conn.execute(
            text("UPDATE cycles SET finished_at = :t WHERE tenant = :s"), {"t": when, "s": slug}
        )


def test_a_missed_slot_runs_once_at_start(store: Store) -> None:
    _finished(store, "acme", datetime.now(UTC) - timedelta(days=7))
    recorder = Recorder()
    daemon = Daemon(
        store, [ACME, TenantSchedule("bravo", "pennylane")], recorder.cycle,
        recorder.process_inbox, clock=SystemClock(),
        options=DaemonOptions(jitter_seconds=0, poll_seconds=1, inbox_every_seconds=3600),
    )  # fmt: skip
    daemon.start()
    try:
        _wait(lambda: recorder.done == ["acme"])
        time.sleep(1.5)  # a poll or two later
        assert recorder.done == ["acme"], "one catch-up, and none for a tenant that never ran"
    finally:
        daemon.stop()
    rows = store.cycle_rows()
    assert rows["acme"].finished_at > datetime.now(UTC) - timedelta(minutes=1)  # type: ignore[operator]
    assert rows["acme"].due_at > datetime.now(UTC), "the next one is on schedule"  # type: ignore[operator]
    assert rows["bravo"].due_at > datetime.now(UTC), "never ran: its first slot, ahead"  # type: ignore[operator]


def test_the_global_and_per_platform_caps_hold(store: Store) -> None:
    platform_of = {"acme": "pennylane", "bravo": "pennylane", "charlie": "pennylane",
                   "delta": "odoo", "echo": "odoo"}  # fmt: skip
    schedules = [TenantSchedule(s, p) for s, p in platform_of.items()]
    _due_now(store, *schedules)
    recorder = Recorder(seconds=0.2, platform_of=platform_of)
    metrics = Metrics()
    daemon = Daemon(
        store, schedules, recorder.cycle, recorder.process_inbox, clock=SystemClock(),
        options=DaemonOptions(max_concurrent=2, per_platform={"pennylane": 1}), metrics=metrics,
    )  # fmt: skip
    assert daemon.dispatch() == 2, "as many as the replica has room for"
    _wait(lambda: len(recorder.done) == 5)
    assert daemon.wait_idle(5)
    assert sorted(recorder.done) == sorted(platform_of), "each once, the next claimed as one ends"
    assert recorder.peak["pennylane"] == 1 and recorder.peak["all"] == 2
    assert metrics.registry.get_sample_value("relance_cycles_total", {"outcome": "done"}) == 5
    assert daemon.dispatch() == 0, "nothing due any more"
    daemon.stop()


def test_a_tenant_another_replica_holds_is_left_to_it(store: Store) -> None:
    _due_now(store, ACME, TenantSchedule("bravo", "pennylane"))
    assert store.claim_cycle("bravo", "replica-elsewhere", timedelta(minutes=5))
    recorder = Recorder()
    schedules = [ACME, TenantSchedule("bravo", "pennylane")]
    daemon = Daemon(store, schedules, recorder.cycle, recorder.process_inbox, clock=SystemClock())
    assert daemon.dispatch() == 1
    assert daemon.wait_idle(5)
    assert recorder.done == ["acme"]
    daemon.stop()


def test_two_replicas_share_the_due_tenants_each_run_once(store: Store) -> None:
    slugs = [f"r{n:02d}" for n in range(24)]
    for slug in slugs:
        store.ensure_tenant(slug, platform=Platform.PENNYLANE)
    schedules = [TenantSchedule(s, "pennylane", EVERY_MINUTE, "UTC") for s in slugs]
    _due_now(store, *schedules)
    recorder = Recorder(seconds=0.05)
    replicas = [
        Daemon(
            store,
            schedules,
            recorder.cycle,
            recorder.process_inbox,
            clock=SystemClock(),
            options=DaemonOptions(max_concurrent=3, owner=f"replica-{n}", jitter_seconds=0),
        )
        for n in range(2)
    ]
    for replica in replicas:
        replica.dispatch()
    _wait(lambda: len(recorder.done) == len(slugs))
    for replica in replicas:
        assert replica.wait_idle(5)
        replica.stop()
    assert sorted(recorder.done) == slugs, "each tenant once, on one replica"
    assert all(r.counts["cycles"] > 0 for r in replicas), "both replicas worked"


def test_stop_lets_the_cycle_in_flight_finish_and_starts_nothing(store: Store) -> None:
    _due_now(store, ACME, TenantSchedule("bravo", "pennylane"))
    recorder = Recorder(seconds=30)  # a long cycle: stop() cuts it at the next customer
    schedules = [ACME, TenantSchedule("bravo", "pennylane")]
    daemon = Daemon(
        store, schedules, recorder.cycle, recorder.process_inbox, clock=SystemClock(),
        options=DaemonOptions(max_concurrent=1, inbox_every_seconds=3600),
    )  # fmt: skip
    daemon.start()
    _wait(lambda: recorder.running.get("all") == 1)
    daemon.stop()
    assert len(recorder.stopped) == 1 and recorder.done == [], "only the one in flight ran"
    assert not daemon.running
    (interrupted,) = recorder.stopped
    row = store.cycle_rows()[interrupted]
    assert row.lease_owner is None and row.finished_at is None, "given back, still due"
    assert store.claim_due_cycles("after-restart", timedelta(minutes=1), ["acme", "bravo"], 5)


def test_webhook_events_are_claimed_and_handed_over_per_tenant(store: Store) -> None:
    def event(tenant: str, n: int) -> Event:
        ref = SourceRef(platform=Platform.PENNYLANE, tenant=tenant, external_id=f"invoice:{n}")
        return Event(f"evt-{n}", EventKind.CHANGED, (ref,), datetime.now(UTC))

    store.record_inbound("bravo", "pennylane", [event("bravo", 1), event("bravo", 2)])
    store.record_inbound("acme", "pennylane", [event("acme", 3)])
    store.record_inbound("charlie", "pennylane", [event("charlie", 4)])  # not this replica's
    recorder = Recorder()
    schedules = [ACME, TenantSchedule("bravo", "pennylane")]
    daemon = Daemon(store, schedules, recorder.cycle, recorder.process_inbox, clock=SystemClock())
    assert daemon.drain_inbox() == 3
    assert sorted(recorder.inbox) == [("acme", ["evt-3"]), ("bravo", ["evt-1", "evt-2"])]
    assert daemon.drain_inbox() == 0, "claimed: not handed over twice"


def test_events_stay_pending_when_acting_on_them_fails(store: Store) -> None:
    ref = SourceRef(platform=Platform.PENNYLANE, tenant="acme", external_id="invoice:1")
    store.record_inbound(
        "acme", "pennylane", [Event("e1", EventKind.PAID, (ref,), datetime.now(UTC))]
    )

    def failing(slug: str, events: Sequence[InboundEvent]) -> None:
        raise SourceError("answered 503", platform="pennylane", hint="try later")

    daemon = Daemon(
        store, [ACME], Recorder().cycle, failing, clock=SystemClock(),
        options=DaemonOptions(inbox_lease=timedelta(seconds=1)),
    )  # fmt: skip
    assert daemon.drain_inbox() == 1
    assert [e.event_id for e in store.pending_inbound("acme")] == ["e1"], "kept"
    assert daemon.drain_inbox() == 0, "claimed until the claim runs out"
    time.sleep(1.1)
    assert daemon.drain_inbox() == 1, "then retried"


def test_a_dead_replica_s_tenant_is_caught_up_once_its_lease_expires(store: Store) -> None:
    _due_now(store, ACME)
    assert store.claim_cycle("acme", "dead-replica", timedelta(seconds=1))  # then SIGKILLed
    recorder = Recorder()
    daemon = Daemon(store, [ACME], recorder.cycle, recorder.process_inbox, clock=SystemClock())
    assert daemon.dispatch() == 0, "the dead replica's lease still holds"
    time.sleep(1.2)
    assert daemon.dispatch() == 1
    assert daemon.wait_idle(5)
    assert daemon.dispatch() == 0
    assert recorder.done == ["acme"], "taken over once, and only once"
    daemon.stop()


def test_a_cycle_that_lost_its_lease_stops(store: Store) -> None:
    _due_now(store, ACME)
    recorder = Recorder(seconds=30)
    daemon = Daemon(
        store, [ACME], recorder.cycle, recorder.process_inbox, clock=SystemClock(),
        options=DaemonOptions(lease=timedelta(seconds=0.6)),
    )  # fmt: skip
    assert daemon.dispatch() == 1
    _wait(lambda: recorder.running.get("all") == 1)
    with store.engine.begin() as conn:  # an operator (or a clock jump) handed it elsewhere
        conn.execute(text("UPDATE cycles SET lease_owner = 'another-replica'"))
    _wait(lambda: recorder.stopped == ["acme"], seconds=5)
    assert daemon.wait_idle(5)
    assert store.cycle_rows()["acme"].lease_owner == "another-replica", "left to its holder"
    daemon.stop()


def test_a_long_cycle_keeps_renewing_its_lease(store: Store) -> None:
    _due_now(store, ACME)
    recorder = Recorder(seconds=2.5)
    daemon = Daemon(
        store, [ACME], recorder.cycle, recorder.process_inbox, clock=SystemClock(),
        options=DaemonOptions(lease=timedelta(seconds=1)),
    )  # fmt: skip
    assert daemon.dispatch() == 1
    _wait(lambda: recorder.running.get("all") == 1)
    time.sleep(1.6)  # past the first lease: only renewal keeps it
    assert not store.claim_cycle("acme", "another-replica", timedelta(seconds=1))
    assert daemon.wait_idle(5)
    assert recorder.done == ["acme"]
    assert store.claim_cycle("acme", "another-replica", timedelta(seconds=1)), "released"
    daemon.stop()


def test_a_bug_in_one_cycle_is_logged_and_the_tenant_rescheduled(store: Store) -> None:
    _due_now(store, ACME)

    def broken(slug: str, stop: Callable[[], bool]) -> Mapping[str, object]:
        raise ZeroDivisionError("a bug")

    daemon = Daemon(store, [ACME], broken, Recorder().process_inbox, clock=SystemClock())
    assert daemon.dispatch() == 1
    assert daemon.wait_idle(5)
    assert daemon.counts["failed"] == 1
    assert daemon.dispatch() == 0, "rescheduled to its next slot, not retried in a loop"
    row = store.cycle_rows()["acme"]
    assert row.lease_owner is None and row.due_at is not None
    assert row.due_at > datetime.now(UTC)
    daemon.stop()


def test_the_send_window_opens_on_the_next_send_day_at_its_start() -> None:
    from connector.calendar import BusinessCalendar
    from connector.policy import SendWindow

    window = SendWindow()  # weekdays 09:00-18:00, public holidays skipped
    calendar = BusinessCalendar.for_window(window, "FR")
    tuesday = datetime(2026, 3, 10, 10, 0, tzinfo=PARIS)
    assert calendar.window_opens(window, tuesday, "Europe/Paris") is None
    early = datetime(2026, 3, 10, 7, 30, tzinfo=PARIS)
    assert calendar.window_opens(window, early, "Europe/Paris") == tuesday.replace(hour=9)
    friday_night = datetime(2026, 3, 13, 23, 0, tzinfo=PARIS)
    monday = datetime(2026, 3, 16, 9, 0, tzinfo=PARIS)
    assert calendar.window_opens(window, friday_night, "Europe/Paris") == monday
    may_day_eve = datetime(2026, 4, 30, 19, 0, tzinfo=PARIS)  # 1 May: a public holiday
    opens = calendar.window_opens(window, may_day_eve, "Europe/Paris")
    assert opens == datetime(2026, 5, 4, 9, 0, tzinfo=PARIS)
    utc_evening = datetime(2026, 3, 10, 16, 30, tzinfo=UTC)  # 17:30 in Paris: still open
    assert calendar.window_opens(window, utc_evening, "Europe/Paris") is None


def test_a_cycle_claimed_outside_the_send_window_is_deferred_not_run(store: Store) -> None:
    _due_now(store, ACME)
    opens = datetime.now(UTC) + timedelta(hours=9)
    recorder = Recorder()
    metrics = Metrics()
    daemon = Daemon(
        store, [ACME], recorder.cycle, recorder.process_inbox, clock=SystemClock(),
        window=lambda slug, now: opens, metrics=metrics,
    )  # fmt: skip
    assert daemon.dispatch() == 1
    assert daemon.wait_idle(5)
    assert recorder.done == [] and daemon.counts["deferred"] == 1
    assert metrics.registry.get_sample_value("relance_cycles_total", {"outcome": "deferred"}) == 1
    row = store.cycle_rows()["acme"]
    assert row.due_at == opens and row.lease_owner is None and row.finished_at is None
    assert daemon.dispatch() == 0, "not due again before the window opens"
    daemon.stop()


def test_tenants_added_or_removed_are_picked_up_without_a_restart(store: Store) -> None:
    served = [ACME]
    recorder = Recorder()
    daemon = Daemon(
        store, list(served), recorder.cycle, recorder.process_inbox, clock=SystemClock(),
        reload=lambda: list(served), options=DaemonOptions(jitter_seconds=0),
    )  # fmt: skip
    assert not daemon.reload(), "nothing changed"
    served.append(TenantSchedule("bravo", "pennylane", EVERY_MINUTE, "UTC"))
    assert daemon.reload()
    assert store.cycle_rows()["bravo"].schedule == f"{EVERY_MINUTE}|UTC", "planned at once"
    with store.engine.begin() as conn:  # both due now
        conn.execute(text("UPDATE cycles SET due_at = :t"), {"t": datetime.now(UTC)})
    served.pop(0)  # acme leaves this replica
    assert daemon.reload()
    assert daemon.dispatch() == 1
    assert daemon.wait_idle(5)
    assert recorder.done == ["bravo"], "acme is no longer this replica's"
    daemon.stop()
