"""When a tenant's cycles fall due: its crontab line in its own timezone, one catch-up after
downtime, and the waits before a failed or partial cycle runs again."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from connector.store import CycleRow

__all__ = [
    "RETRIED",
    "TenantSchedule",
    "first_due",
    "next_due",
    "retry_wait",
    "tenant_trigger",
]

RETRIED = frozenset({"failed", "partial"})  # outcomes whose cycle runs again after a wait


@dataclass(frozen=True, slots=True)
class TenantSchedule:
    slug: str
    platform: str
    cron: str = "0 9 * * mon-fri"
    timezone: str = "Europe/Paris"

    @property
    def key(self) -> str:
        """What the stored ``due_at`` was computed with: a change re-plans the tenant."""
        return f"{self.cron}|{self.timezone}"


def tenant_trigger(schedule: TenantSchedule) -> CronTrigger:
    """The tenant's crontab line in its own timezone."""
    return CronTrigger.from_crontab(schedule.cron, timezone=ZoneInfo(schedule.timezone))


def next_due(
    schedule: TenantSchedule, after: datetime, jitter: int = 0, rng: random.Random | None = None
) -> datetime | None:
    """The first slot after ``after``, started up to ``jitter`` seconds late (None: the cron
    line never fires again)."""
    slot: datetime | None = tenant_trigger(schedule).get_next_fire_time(None, after)
    if slot is None:
        return None
    late = (rng or random).uniform(0, jitter) if jitter else 0.0
    return (slot + timedelta(seconds=late)).astimezone(UTC)


def first_due(
    schedule: TenantSchedule, row: CycleRow | None, now: datetime, jitter: int = 0
) -> datetime | None:
    """When a tenant's next cycle is due, as a daemon finds it at start: the first slot after
    its last finished cycle (in the past after downtime: one catch-up cycle), or, for a
    tenant that never ran, the first slot from now."""
    after = row.finished_at if row is not None and row.finished_at is not None else now
    return next_due(schedule, after, jitter)


def retry_wait(row: CycleRow | None, first: timedelta, longest: timedelta) -> timedelta:
    """How long after a failed or partial cycle to run it again: ``first``, or twice the
    last wait when the cycle before also had to be run again, up to ``longest``. ``row`` is
    the tenant's row as the cycle found it: the last wait is its due time less the previous
    cycle's finish, so every replica, and a restarted one, continues the same sequence."""
    if (
        row is None
        or row.outcome not in RETRIED
        or row.due_at is None
        or row.finished_at is None
        or row.due_at <= row.finished_at
    ):
        return first
    return min(max(2 * (row.due_at - row.finished_at), first), longest)
