"""A cycle that failed, or left e-mails for later, runs again minutes later (5, 10, 20 … up
to an hour, never past the next slot), not at the next slot a business day away; and the
scheduler's per-poll chatter stays out of the log while its errors stay in."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connector.clock import FrozenClock
from connector.daemon import Daemon, DaemonOptions, TenantSchedule, next_due
from connector.errors import RelayUnavailable, SourceUnavailable
from connector.model import Platform
from connector.store import CyclePlan, Store

# a Tuesday, just after 09:00 in Paris: the cycle of the day; the next slot is Wednesday 09:00
MORNING = datetime(2026, 3, 10, 8, 0, 30, tzinfo=UTC)
ACME = TenantSchedule("acme", "files", "0 9 * * mon-fri", "Europe/Paris")
OPTIONS = DaemonOptions(jitter_seconds=0)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MORNING)


@pytest.fixture
def store(tmp_path: Path, clock: FrozenClock) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'd.sqlite'}", clock=clock) as opened:
        opened.ensure_tenant("acme", platform=Platform.FILES)
        opened.schedule_cycles([CyclePlan("acme", ACME.key, MORNING)])
        yield opened


class Cycles:
    """Each cycle does what the next item says: raise it, or return it as its summary."""

    def __init__(self, *outcomes: Exception | Mapping[str, object]) -> None:
        self.outcomes, self.ran = list(outcomes), 0

    def __call__(self, slug: str, stop: Callable[[], bool]) -> Mapping[str, object]:
        self.ran += 1
        what = self.outcomes.pop(0)
        if isinstance(what, Exception):
            raise what
        return what


def _run_due(daemon: Daemon) -> int:
    started = daemon.dispatch()
    assert daemon.wait_idle(10)
    return started


def _due(store: Store) -> datetime:
    due = store.cycle_rows()["acme"].due_at
    assert due is not None
    return due


def test_a_failed_cycle_runs_again_after_5_then_10_then_20_minutes(
    store: Store, clock: FrozenClock
) -> None:
    outage = SourceUnavailable("pennylane unreachable (ConnectTimeout)", platform="pennylane")
    cycles = Cycles(outage, outage, {"results": 3, "to_retry": 2}, {"results": 2})
    daemon = Daemon(store, [ACME], cycles, lambda *_: None, clock=clock, options=OPTIONS)
    try:
        waits = []
        for _ in range(3):
            before = clock.now()
            assert _run_due(daemon) == 1
            waits.append(_due(store) - before)
            assert _run_due(daemon) == 0, "not due again at once: no loop"
            clock.advance(waits[-1])
        assert waits == [timedelta(minutes=5), timedelta(minutes=10), timedelta(minutes=20)]
        assert store.cycle_row("acme").outcome == "partial"  # type: ignore[union-attr]
        assert _run_due(daemon) == 1  # all done now: back to the schedule
        assert _due(store) == next_due(ACME, clock.now())
        assert _due(store) == datetime(2026, 3, 11, 8, 0, tzinfo=UTC), "Wednesday 09:00 Paris"
        assert cycles.ran == 4
    finally:
        daemon.stop()


def test_the_wait_stops_growing_at_an_hour_and_never_passes_the_next_slot(
    store: Store, clock: FrozenClock
) -> None:
    down = RelayUnavailable("cannot reach the SMTP relay 127.0.0.1:25", transient=True)
    cycles = Cycles(*[down] * 8)
    daemon = Daemon(store, [ACME], cycles, lambda *_: None, clock=clock, options=OPTIONS)
    try:
        waits = []
        for _ in range(7):
            before = clock.now()
            _run_due(daemon)
            waits.append(int((_due(store) - before).total_seconds() // 60))
            clock.advance(_due(store) - before)
        assert waits == [5, 10, 20, 40, 60, 60, 60]
        # still down at 08:50 on Wednesday: an hour later would be past the 09:00 slot
        clock.advance(datetime(2026, 3, 11, 7, 50, tzinfo=UTC) - clock.now())
        assert _run_due(daemon) == 1
        assert _due(store) == datetime(2026, 3, 11, 8, 0, tzinfo=UTC), "the slot, not +1 h"
    finally:
        daemon.stop()


def test_a_cycle_that_went_well_keeps_to_the_schedule(store: Store, clock: FrozenClock) -> None:
    daemon = Daemon(
        store, [ACME], Cycles({"results": 4}), lambda *_: None, clock=clock, options=OPTIONS
    )
    try:
        assert _run_due(daemon) == 1
        assert _due(store) == datetime(2026, 3, 11, 8, 0, tzinfo=UTC)
    finally:
        daemon.stop()


def test_the_per_poll_lines_are_quiet_and_a_failing_job_is_still_logged(
    store: Store, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    def reload() -> list[TenantSchedule]:
        raise RuntimeError("the tenants folder vanished")

    caplog.set_level(logging.INFO)
    options = DaemonOptions(
        jitter_seconds=0, poll_seconds=1, inbox_every_seconds=1, reload_seconds=1
    )
    daemon = Daemon(
        store, [], Cycles(), lambda *_: None, clock=clock, options=options, reload=reload
    )
    daemon.start()
    try:
        deadline = time.monotonic() + 15
        while not any(r.levelno == logging.ERROR for r in caplog.records):
            assert time.monotonic() < deadline, "the failing job was never logged"
            time.sleep(0.05)
        time.sleep(1.5)  # a few more polls
    finally:
        daemon.stop()
    scheduler = [r for r in caplog.records if r.name.startswith("apscheduler.executors")]
    assert [r.getMessage() for r in scheduler if r.levelno < logging.WARNING] == []
    errors = [r.getMessage() for r in scheduler if r.levelno == logging.ERROR]
    assert errors and all("raised an exception" in e for e in errors)
