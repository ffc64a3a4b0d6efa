"""``relance daemon``: every tenant's cycle on its own schedule, the inbox drained in between.

* One APScheduler cron job per tenant, in the tenant's timezone (default: business days at
  09:00), with jitter so tenants do not all start at once.
* After downtime, one catch-up cycle (not one per missed slot): a tenant whose last finished
  cycle is older than its last scheduled slot is run once at start.
* A cycle runs only under the tenant's lease in the store (``claim_cycle``): with the store
  on PostgreSQL any number of replicas share the tenants, and none runs a tenant's cycle
  while another holds it. A replica killed mid-cycle keeps the lease until it expires.
* A global cap (the thread pool) and a per-platform cap (semaphores) on concurrent cycles.
* Webhook events in the inbox are processed every few seconds (targeted re-reads), so a
  paid invoice is known as paid before the next send.
* ``stop()`` lets the cycles in flight finish and starts nothing new.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from connector.clock import Clock
from connector.errors import RelanceError
from connector.metrics import Metrics
from connector.store import Store

__all__ = [
    "Daemon",
    "DaemonOptions",
    "TenantSchedule",
    "missed_slot",
    "slot_done",
    "tenant_trigger",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TenantSchedule:
    slug: str
    platform: str
    cron: str = "0 9 * * mon-fri"
    timezone: str = "Europe/Paris"


@dataclass(frozen=True, slots=True)
class DaemonOptions:
    max_concurrent: int = 4
    per_platform: Mapping[str, int] = field(default_factory=dict)  # platform -> cap
    jitter_seconds: int = 300
    inbox_every_seconds: int = 15
    poll_seconds: int = 60  # how often slots missed (downtime, a dead replica) are looked for
    lease: timedelta = timedelta(minutes=30)
    owner: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")


def tenant_trigger(schedule: TenantSchedule, jitter: int = 0) -> CronTrigger:
    """The tenant's crontab line in its own timezone, started up to ``jitter`` seconds late."""
    trigger = CronTrigger.from_crontab(schedule.cron, timezone=ZoneInfo(schedule.timezone))
    trigger.jitter = jitter or None
    return trigger


def missed_slot(schedule: TenantSchedule, last_finished: datetime | None, now: datetime) -> bool:
    """Whether a scheduled slot passed since the last finished cycle (then: one catch-up)."""
    if last_finished is None:
        return False  # never ran: the first slot comes on schedule
    trigger = tenant_trigger(schedule)
    slot = trigger.get_next_fire_time(None, last_finished)
    return slot is not None and slot <= now


def slot_done(schedule: TenantSchedule, last_finished: datetime | None, now: datetime) -> bool:
    """Whether the latest slot up to ``now`` is already covered by a finished cycle (another
    replica's cron fired first): then a later firing of the same slot does nothing."""
    return last_finished is not None and not missed_slot(schedule, last_finished, now)


class Daemon:
    """Schedules and runs cycles; ``run_cycle`` is what a job does for one tenant."""

    def __init__(
        self,
        store: Store,
        schedules: list[TenantSchedule],
        cycle: Callable[[str], Mapping[str, Any]],
        process_inbox: Callable[[str], Any],
        *,
        clock: Clock,
        options: DaemonOptions | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.store, self.schedules, self.clock = store, schedules, clock
        self.options = options or DaemonOptions()
        self._cycle, self._inbox = cycle, process_inbox
        self.metrics = metrics
        self._caps = {
            platform: threading.BoundedSemaphore(cap)
            for platform, cap in self.options.per_platform.items()
        }
        self._stopping = threading.Event()
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(self.options.max_concurrent)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 6 * 3600},
            timezone="UTC",
        )
        self.counts: dict[str, int] = {"cycles": 0, "skipped": 0, "failed": 0, "inbox": 0}
        self._lock = threading.Lock()

    # --- life -----------------------------------------------------------------------------------
    def start(self) -> None:
        for schedule in self.schedules:
            self.scheduler.add_job(
                self.run_cycle,
                tenant_trigger(schedule, self.options.jitter_seconds),
                args=[schedule],
                id=f"cycle:{schedule.slug}",
                name=f"cycle {schedule.slug}",
            )
        # missed slots (downtime, or a replica that died holding a lease): once at start, then
        # every poll_seconds; a tenant gets one catch-up cycle, not one per missed slot
        self.scheduler.add_job(
            self.catch_up,
            IntervalTrigger(seconds=self.options.poll_seconds),
            id="catch-up",
            name="catch-up",
            next_run_time=datetime.now(UTC),
        )
        self.scheduler.add_job(
            self.drain_inbox,
            IntervalTrigger(seconds=self.options.inbox_every_seconds),
            id="inbox",
            name="inbox",
        )
        self.scheduler.start()
        log.info(
            "daemon started owner=%s tenants=%d max_concurrent=%d",
            self.options.owner,
            len(self.schedules),
            self.options.max_concurrent,
        )

    def stop(self) -> None:
        """Finish what is in flight, start nothing new."""
        self._stopping.set()
        self.scheduler.shutdown(wait=True)
        log.info("daemon stopped owner=%s", self.options.owner)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running) and not self._stopping.is_set()

    def _count(self, name: str) -> None:
        with self._lock:
            self.counts[name] += 1

    # --- jobs -----------------------------------------------------------------------------------
    def run_cycle(self, schedule: TenantSchedule) -> str:
        """One tenant's cycle under its lease; returns what happened."""
        if self._stopping.is_set():
            return "stopping"
        cap = self._caps.get(schedule.platform)
        if cap is not None:
            cap.acquire()
        try:
            owner, slug = self.options.owner, schedule.slug
            if not self.store.claim_cycle(slug, owner, self.options.lease):
                log.info("tenant=%s cycle held by another replica: skipped", slug)
                self._count("skipped")
                return "skipped"
            if slot_done(schedule, self.store.last_cycle(slug), self.clock.now()):
                self.store.release_cycle(slug, owner)  # another replica ran this slot already
                log.info("tenant=%s slot already run by another replica", slug)
                self._count("skipped")
                return "already done"
            log.info("tenant=%s cycle started owner=%s", slug, owner)
            outcome = "done"
            started = time.perf_counter()
            renewing = self._keep_lease(slug)
            try:
                self._inbox(slug)
                summary = self._cycle(slug)
                if summary.get("stopped"):
                    outcome = "interrupted"  # not finished: the next start catches it up
                log.info("tenant=%s cycle finished outcome=%s %s", slug, outcome, dict(summary))
                self._count("cycles")
            except RelanceError as exc:
                outcome = "failed"
                self._count("failed")
                log.warning("tenant=%s cycle finished outcome=failed: %s", slug, exc.message)
            finally:
                renewing.set()
                if outcome == "interrupted":
                    self.store.release_cycle(slug, owner)
                else:
                    self.store.finish_cycle(slug, owner, outcome)
                if self.metrics is not None:
                    self.metrics.cycles.labels(outcome).inc()
                    self.metrics.cycle_seconds.observe(time.perf_counter() - started)
            return outcome
        finally:
            if cap is not None:
                cap.release()

    def _keep_lease(self, slug: str) -> threading.Event:
        """Renew the tenant's lease every third of it while its cycle runs: a long cycle keeps
        its tenant; a killed process stops renewing, and the lease runs out."""
        done = threading.Event()
        every = self.options.lease.total_seconds() / 3

        def renew() -> None:
            while not done.wait(every):
                if not self.store.renew_cycle(slug, self.options.owner, self.options.lease):
                    log.warning("tenant=%s lease lost while the cycle runs", slug)
                    return

        threading.Thread(target=renew, name=f"lease-{slug}", daemon=True).start()
        return done

    def catch_up(self) -> None:
        now = self.clock.now()
        for schedule in self.schedules:
            if self._stopping.is_set():
                return
            if missed_slot(schedule, self.store.last_cycle(schedule.slug), now):
                log.info("tenant=%s missed a slot: one catch-up cycle", schedule.slug)
                self.run_cycle(schedule)

    def drain_inbox(self) -> None:
        for schedule in self.schedules:
            if self._stopping.is_set():
                return
            try:
                if self.store.pending_inbound(schedule.slug, limit=1):
                    self._inbox(schedule.slug)
                    self._count("inbox")
            except RelanceError as exc:
                log.warning("tenant=%s inbox left pending: %s", schedule.slug, exc.message)
