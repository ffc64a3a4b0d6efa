"""``relance daemon``: every tenant's cycle on its own schedule, the inbox drained in between.

* Each tenant's schedule is a cron line in its own timezone (default: business days at
  09:00), read with APScheduler's ``CronTrigger``. The store keeps one row per tenant with
  the time its next cycle is due (``due_at``); a start within ``jitter`` seconds after the
  slot is drawn once and stored, so tenants do not all start at once and every replica
  agrees on it.
* After downtime, one catch-up cycle, not one per missed slot: the next cycle is due at the
  first slot after the last finished one, and once it has run the next is the first slot
  after *now*.
* APScheduler runs two jobs: every ``poll_seconds`` (and whenever a cycle ends) the replica
  claims due cycles up to its free capacity, ``SELECT … FOR UPDATE SKIP LOCKED`` in the
  store, so replicas on one PostgreSQL take different tenants without waiting on each
  other; every ``inbox_every_seconds`` it claims webhook events the same way and acts on
  them (targeted re-reads), so a paid invoice is known as paid before the next send.
* A claim is a lease, renewed every third of it while the cycle runs: a replica killed
  mid-cycle holds its tenant until the lease runs out, then another replica claims it.
  A cycle whose lease was lost stops at the next customer.
* A global cap (the cycle pool) and per-platform caps on concurrent cycles, per replica.
* A cycle claimed outside the tenant's send window (a catch-up at night, a custom cron slot
  on a holiday) is deferred to when the window opens: no reminder leaves at 23:00.
* Tenants added, changed or removed (in the store, or their files) are picked up every
  ``reload_seconds``, without a restart.
* Once a day (and at start), the ``daily`` checks: the rate tables cover the days notices
  are about to be written for (``connector.legal.coverage``).
* A cycle that failed (an error stopped it) or left work a few minutes may see done (the
  relay down or deferring, the platform unavailable: its summary's ``to_retry``) is run
  again after ``retry_first`` (5 minutes), then twice as long after each further such
  cycle, up to ``retry_max`` (an hour), and never later than the tenant's next slot. The
  wait is read back from the store (the last delay is the cycle's due time less the
  previous finish), so every replica, and a restarted one, continues the same sequence.
* APScheduler's INFO lines for each run of its jobs (two per poll, about 29,000 a day at
  the defaults) are left out; its warnings and errors are kept.
* ``stop()`` lets the cycles in flight finish the customer in hand and starts nothing new.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor as JobPool
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from connector.clock import Clock
from connector.errors import RelanceError
from connector.intake import INBOX_LEASE
from connector.leases import gone_local_owner, keep_lease, process_owner
from connector.metrics import Metrics
from connector.schedule import (
    RETRIED,
    TenantSchedule,
    first_due,
    next_due,
    retry_wait,
    tenant_trigger,
)
from connector.store import CyclePlan, InboundEvent, Store

__all__ = [
    "CycleFn",
    "Daemon",
    "DaemonOptions",
    "InboxFn",
    "TenantSchedule",
    "WindowFn",
    "first_due",
    "next_due",
    "retry_wait",
    "tenant_trigger",
]

log = logging.getLogger(__name__)

CycleFn = Callable[[str, Callable[[], bool]], Mapping[str, Any]]  # (tenant, stop) -> summary
InboxFn = Callable[[str, Sequence[InboundEvent]], Any]  # (tenant, its claimed events)
WindowFn = Callable[[str, datetime], datetime | None]  # (tenant, now) -> when it opens, or None


@dataclass(frozen=True, slots=True)
class DaemonOptions:
    max_concurrent: int = 4
    per_platform: Mapping[str, int] = field(default_factory=dict)  # platform -> cap
    jitter_seconds: int = 300
    inbox_every_seconds: int = 15
    poll_seconds: int = 10  # how often due cycles are looked for (also when a cycle ends)
    lease: timedelta = timedelta(minutes=30)
    inbox_lease: timedelta = INBOX_LEASE
    inbox_batch: int = 500
    reload_seconds: int = 60  # how often tenants added, changed or removed are looked for
    retry_first: timedelta = timedelta(minutes=5)  # a failed or partial cycle, again after
    retry_max: timedelta = timedelta(hours=1)  # the wait doubles up to this
    owner: str = field(default_factory=lambda: process_owner("daemon"))


class Daemon:
    """Claims due cycles and inbox events from the store and runs them."""

    def __init__(
        self,
        store: Store,
        schedules: list[TenantSchedule],
        cycle: CycleFn,
        process_inbox: InboxFn,
        *,
        clock: Clock,
        options: DaemonOptions | None = None,
        metrics: Metrics | None = None,
        window: WindowFn | None = None,
        reload: Callable[[], list[TenantSchedule]] | None = None,
        daily: Callable[[], object] | None = None,
    ) -> None:
        self.store, self.clock = store, clock
        self._window, self._reload, self._daily = window, reload, daily
        self.options = options or DaemonOptions()
        self._cycle, self._inbox = cycle, process_inbox
        self.metrics = metrics
        self._index(schedules)
        self._stopping = threading.Event()
        self._claiming = threading.Lock()  # one claim at a time: the counts below stay true
        self._busy: Counter[str] = Counter()  # platform -> cycles running here
        self._idle = threading.Condition()
        self._pool = ThreadPoolExecutor(self.options.max_concurrent, thread_name_prefix="cycle")
        self.scheduler = BackgroundScheduler(
            executors={"default": JobPool(3)},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone="UTC",
        )
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    # --- life -----------------------------------------------------------------------------------
    def start(self) -> None:
        # "Running job …" and "Job … executed successfully" at every run of every job: only
        # its warnings (a run missed, skipped) and errors (a job that raised) are logged
        logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
        self.take_back()
        self.plan()
        now = datetime.now(UTC)
        self.scheduler.add_job(
            self.dispatch,
            IntervalTrigger(seconds=self.options.poll_seconds),
            id="dispatch",
            name="claim due cycles",
            next_run_time=now,
        )
        self.scheduler.add_job(
            self.drain_inbox,
            IntervalTrigger(seconds=self.options.inbox_every_seconds),
            id="inbox",
            name="claim inbox events",
            next_run_time=now,
        )
        if self._reload is not None:
            self.scheduler.add_job(
                self.reload,
                IntervalTrigger(seconds=self.options.reload_seconds),
                id="reload",
                name="look for tenants added, changed or removed",
            )
        if self._daily is not None:
            self.scheduler.add_job(
                self.run_daily,
                IntervalTrigger(hours=24),
                id="daily",
                name="daily checks (rate tables)",
                next_run_time=now,
            )
        self.scheduler.start()
        log.info(
            "daemon started owner=%s tenants=%d max_concurrent=%d",
            self.options.owner,
            len(self.schedules),
            self.options.max_concurrent,
        )

    def run_daily(self) -> None:
        """The checks made once a day (and at start): a failure is logged, never fatal."""
        if self._daily is None:
            return
        try:
            self._daily()
        except RelanceError as exc:
            log.warning("daily check failed: %s", exc.message)
        except Exception:
            log.exception("daily check failed: unexpected error")

    def stop(self) -> None:
        """Finish what is in flight, start nothing new."""
        self._stopping.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        self._pool.shutdown(wait=True)
        log.info("daemon stopped owner=%s", self.options.owner)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running) and not self._stopping.is_set()

    @property
    def busy(self) -> int:
        """Cycles running on this replica now."""
        return sum(self._busy.values())

    def wait_idle(self, timeout: float) -> bool:
        """Until no cycle runs here (tests, and a clean stop)."""
        with self._idle:
            return self._idle.wait_for(lambda: self.busy == 0, timeout)

    def _count(self, name: str) -> None:
        with self._lock:
            self.counts[name] += 1

    def take_back(self) -> int:
        """Free at once what relance processes of this machine that are gone still hold (a
        restart after a crash): no wait for their leases to run out."""
        dead = {owner for owner in self.store.lease_owners() if gone_local_owner(owner)}
        if not dead:
            return 0
        freed = self.store.expire_leases_of(dead)
        log.info("took back %d tenant(s) from %s, gone from this machine", freed, sorted(dead))
        return freed

    # --- the schedule ---------------------------------------------------------------------------
    def _index(self, schedules: list[TenantSchedule]) -> None:
        by_platform: dict[str, list[str]] = defaultdict(list)
        for schedule in schedules:
            by_platform[schedule.platform].append(schedule.slug)
        self.schedules = schedules
        self._by_slug = {s.slug: s for s in schedules}
        self._by_platform = by_platform

    def set_schedules(self, schedules: list[TenantSchedule]) -> None:
        """Serve these tenants from now on (a cycle in flight for one removed finishes)."""
        with self._claiming:
            self._index(schedules)
        self.plan()

    def reload(self) -> bool:
        """Read the tenants again; returns whether anything changed."""
        if self._reload is None:
            return False
        fresh = self._reload()
        before, after = set(self.schedules), set(fresh)
        if before == after:
            return False
        added = sorted({s.slug for s in after} - {s.slug for s in before})
        removed = sorted({s.slug for s in before} - {s.slug for s in after})
        self.set_schedules(fresh)
        log.info("tenants reloaded: added %s, removed %s, %d in all", added, removed, len(fresh))
        return True

    def plan(self) -> int:
        """Give each tenant whose schedule is new or changed its first due cycle."""
        rows, now = self.store.cycle_rows(), self.clock.now()
        plans: list[CyclePlan] = []
        for schedule in self.schedules:
            row = rows.get(schedule.slug)
            if row is not None and row.schedule == schedule.key:
                continue  # planned already (by this replica before, or by another)
            due = first_due(schedule, row, now, self.options.jitter_seconds)
            if due is not None:
                plans.append(CyclePlan(schedule.slug, schedule.key, due))
                if due <= now:
                    log.info("tenant=%s missed a slot: one catch-up cycle", schedule.slug)
        changed = self.store.schedule_cycles(plans) if plans else 0
        log.info(
            "schedule: %d tenant(s) planned now, %d already were",
            changed,
            len(self.schedules) - changed,
        )
        return changed

    # --- cycles ---------------------------------------------------------------------------------
    def claim(self) -> list[TenantSchedule]:
        """Due cycles, as many as this replica has room for (globally and per platform)."""
        claimed: list[TenantSchedule] = []
        caps = self.options.per_platform
        with self._claiming:
            while not self._stopping.is_set():
                free = self.options.max_concurrent - self.busy
                rooms = {
                    p: caps[p] - self._busy[p] if p in caps else free for p in self._by_platform
                }
                open_ = [p for p, room in rooms.items() if room > 0]
                if free <= 0 or not open_:
                    break
                # no platform can overshoot its cap within one claim
                limit = min([free] + [rooms[p] for p in open_ if p in caps])
                slugs = [s for p in open_ for s in self._by_platform[p]]
                got = self.store.claim_due_cycles(
                    self.options.owner, self.options.lease, slugs, limit
                )
                for slug in got:
                    schedule = self._by_slug[slug]
                    self._busy[schedule.platform] += 1
                    claimed.append(schedule)
                if len(got) < limit:
                    break  # nothing more is due
        return claimed

    def dispatch(self) -> int:
        """Claim due cycles and start them in the pool; returns how many started."""
        claimed = self.claim()
        for schedule in claimed:
            self._pool.submit(self._run_claimed, schedule)
        return len(claimed)

    def _run_claimed(self, schedule: TenantSchedule) -> None:
        try:
            self.run_cycle(schedule)
        finally:
            with self._idle:
                self._busy[schedule.platform] -= 1
                self._idle.notify_all()
            if not self._stopping.is_set():
                try:
                    self.dispatch()  # the next due tenant now, not at the next poll
                except RelanceError as exc:
                    log.warning("claiming due cycles failed: %s", exc.message)

    def run_cycle(self, schedule: TenantSchedule) -> str:
        """One tenant's cycle, already claimed by this replica; returns its outcome."""
        owner, slug = self.options.owner, schedule.slug
        opens = None if self._window is None else self._window(slug, self.clock.now())
        if opens is not None:  # a catch-up at night, a slot on a holiday: not now
            self.store.defer_cycle(slug, owner, opens)
            log.info("tenant=%s outside its send window: cycle deferred to %s", slug, opens)
            self._count("deferred")
            if self.metrics is not None:
                self.metrics.cycles.labels("deferred").inc()
            return "deferred"
        log.info("tenant=%s cycle started owner=%s", slug, owner)
        found = self.store.cycle_row(slug)  # before it finishes: the last wait, if any
        outcome = "done"
        started = time.perf_counter()
        lost = threading.Event()
        renewing = keep_lease(self.store, slug, owner, self.options.lease, lost)

        def stop() -> bool:  # the daemon stops, or another replica took the tenant over
            return self._stopping.is_set() or lost.is_set()

        try:
            events = self.store.claim_inbound(
                owner, self.options.inbox_lease, tenants=[slug], limit=self.options.inbox_batch
            )
            if events:
                self._inbox(slug, events)
            summary = self._cycle(slug, stop)
            if summary.get("stopped"):
                outcome = "interrupted"  # not finished: still due, for whoever claims it next
            elif summary.get("to_retry"):
                outcome = "partial"  # done, but some of it waits for the relay or platform
            log.info("tenant=%s cycle finished outcome=%s %s", slug, outcome, dict(summary))
            self._count("cycles")
        except RelanceError as exc:
            outcome = "failed"
            self._count("failed")
            log.warning("tenant=%s cycle finished outcome=failed: %s", slug, exc.message)
        except Exception:  # a bug in one tenant's cycle: logged, the daemon goes on
            outcome = "failed"
            self._count("failed")
            log.exception("tenant=%s cycle finished outcome=failed: unexpected error", slug)
        finally:
            renewing.set()
            if outcome == "interrupted":
                self.store.release_cycle(slug, owner)
            else:
                after = self.clock.now()
                upcoming = next_due(schedule, after, self.options.jitter_seconds)
                if outcome in RETRIED:
                    again = after + retry_wait(
                        found, self.options.retry_first, self.options.retry_max
                    )
                    if upcoming is None or again < upcoming:
                        upcoming = again
                    log.info("tenant=%s cycle %s: runs again at %s", slug, outcome, upcoming)
                if not self.store.finish_cycle(slug, owner, outcome, upcoming):
                    log.warning("tenant=%s lease was lost before the cycle finished", slug)
            if self.metrics is not None:
                self.metrics.cycles.labels(outcome).inc()
                self.metrics.cycle_seconds.observe(time.perf_counter() - started)
        return outcome

    # --- the inbox ------------------------------------------------------------------------------
    def drain_inbox(self) -> int:
        """Claim pending webhook events (batch after batch) and act on each tenant's; returns
        how many events were claimed."""
        total = 0
        while not self._stopping.is_set():
            events = self.store.claim_inbound(
                self.options.owner,
                self.options.inbox_lease,
                tenants=list(self._by_slug),
                limit=self.options.inbox_batch,
            )
            by_tenant: dict[str, list[InboundEvent]] = defaultdict(list)
            for event in events:
                by_tenant[event.tenant].append(event)
            for slug, mine in by_tenant.items():
                try:
                    self._inbox(slug, mine)
                    self._count("inbox")
                except RelanceError as exc:  # left claimed: retried when the claim runs out
                    log.warning("tenant=%s inbox left pending: %s", slug, exc.message)
            total += len(events)
            if len(events) < self.options.inbox_batch:
                break
        return total
