"""Time as a seam: production uses the system clock, tests a frozen or manual one."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

__all__ = ["Clock", "FrozenClock", "SystemClock", "end_of_day", "local_today"]


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime in UTC."""
        ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class FrozenClock:
    """A clock that only moves when told to (``sleep`` advances it instead of waiting)."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = at.astimezone(UTC)
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self._now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self._now += timedelta(seconds=seconds)

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    @classmethod
    def on(cls, day: date, *, hour: int = 10, timezone: str = "Europe/Paris") -> FrozenClock:
        """A clock frozen at ``hour`` o'clock on ``day`` in ``timezone``."""
        local = datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(timezone))
        return cls(local)


def local_today(clock: Clock, timezone: str) -> date:
    """ "Today" is the tenant's day, not UTC's."""
    return clock.now().astimezone(ZoneInfo(timezone)).date()


def end_of_day(day: date, timezone: str) -> datetime:
    """The instant ``day`` ends in the tenant's zone (midnight starting the next day)."""
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=ZoneInfo(timezone))
