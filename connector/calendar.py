"""The business calendar: which days a reminder may go out.

Weekends (days outside the policy's send days) and the public holidays of the tenant's
country, from the maintained ``holidays`` library, are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from connector.errors import ConfigError
from connector.policy import SendWindow

__all__ = ["BusinessCalendar"]

_MAX_SCAN = 40  # no calendar has 40 consecutive days off


@lru_cache(maxsize=64)
def _holiday_table(country: str, subdivision: str | None) -> holidays.HolidayBase:
    try:
        return holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError:
        raise ConfigError(
            f"no public-holiday calendar for country {country!r}",
            key="send_window.country",
            hint="use an ISO 3166 code the holidays library knows, or skip_public_holidays=false",
        ) from None


class BusinessCalendar:
    """Send days of one tenant: the window's weekdays minus public holidays."""

    def __init__(
        self,
        country: str,
        *,
        send_days: Iterable[int] = (0, 1, 2, 3, 4),
        skip_public_holidays: bool = True,
        subdivision: str | None = None,
        extra_closed: Iterable[date] = (),
    ) -> None:
        self.country = country
        self._send_days = frozenset(send_days)
        if not self._send_days:
            raise ConfigError("a calendar needs at least one send day", key="send_window.days")
        self._holidays = _holiday_table(country, subdivision) if skip_public_holidays else None
        self._closed = frozenset(extra_closed)
        self._cache: dict[date, bool] = {}

    @classmethod
    def for_window(cls, window: SendWindow, tenant_country: str) -> BusinessCalendar:
        return cls(
            window.country or tenant_country,
            send_days=[d.number for d in window.days],
            skip_public_holidays=window.skip_public_holidays,
            subdivision=window.subdivision,
        )

    def is_send_day(self, day: date) -> bool:
        known = self._cache.get(day)
        if known is None:
            known = (
                day.weekday() in self._send_days
                and day not in self._closed
                and (self._holidays is None or day not in self._holidays)
            )
            self._cache[day] = known
        return known

    def on_or_after(self, day: date) -> date:
        """The first send day on or after ``day``."""
        for _ in range(_MAX_SCAN):
            if self.is_send_day(day):
                return day
            day += timedelta(days=1)
        raise ConfigError("the calendar has no send day within 40 days", key="send_window")

    def add_business_days(self, day: date, count: int) -> date:
        """Move ``count`` send days from ``day`` (negative: backwards)."""
        step = 1 if count >= 0 else -1
        remaining = abs(count)
        while remaining:
            day += timedelta(days=step)
            if self.is_send_day(day):
                remaining -= 1
        return day

    def window_opens(self, window: SendWindow, now: datetime, timezone: str) -> datetime | None:
        """None while ``now`` is inside the send window (a send day, between its start and end
        hours, in ``timezone``); otherwise when the window next opens."""
        zone = ZoneInfo(timezone)
        local = now.astimezone(zone)
        if self.is_send_day(local.date()) and window.start <= local.time() < window.end:
            return None
        day = local.date() if local.time() < window.start else local.date() + timedelta(days=1)
        return datetime.combine(self.on_or_after(day), window.start, tzinfo=zone)
