"""What every page of the web app shares: the store, the settings, the clock, and how long a
session lasts. One per process; pages make an ``AppState`` from it to reuse what the
command line does (a tenant's policy, its source, its executor)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from connector.cli._context import AppState
from connector.clock import Clock, SystemClock, local_today
from connector.settings import Settings
from connector.store import Store, TenantRecord

__all__ = ["WebContext"]


@dataclass
class WebContext:
    store: Store
    settings: Settings
    config: Path | None = None
    clock: Clock = field(default_factory=SystemClock)
    secure_cookies: bool = True  # False only for plain HTTP off the loopback (tests, LAN trials)
    session_lifetime: timedelta = timedelta(hours=12)  # at most, from the login
    session_idle: timedelta = timedelta(hours=2)  # at most, between two requests
    login_window: timedelta = timedelta(minutes=15)
    max_failures_per_login: int = 5  # within login_window, then 429 for that login
    max_failures_per_address: int = 20  # within login_window, then 429 for that address

    def app_state(self) -> AppState:
        """A command-line context over this process's store and settings (close it after
        use: it closes the sources it opened, never the shared store)."""
        return AppState(
            config=self.config, clock=self.clock, _settings=self.settings, _store=self.store
        )

    def today(self, tenant: TenantRecord) -> date:
        return local_today(self.clock, tenant.timezone)
