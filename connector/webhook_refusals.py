"""Deliveries the receiver refused for a company it serves, counted so that a person can see
why webhooks do not arrive (Settings > Connection) without reading the receiver's log.

Only refusals that say something about the company's own set-up are counted: a signature
that does not match its secret, a delivery signed too long ago, no subscription or verifier
in place. A delivery to an unknown company, or one without the platform's signature header,
is a stranger's and stays in the log only. Nothing of a refused delivery is kept but the
count, when, and the reason relance gave (never a header, a body or a secret).

A flood of forged deliveries must not turn into a flood of writes: each company's count is
written at most once per ``interval`` seconds; the deliveries refused meanwhile are written
together when the interval has passed (a timer), or when the receiver stops. QuickBooks
signs every delivery with the app's one verifier, before it is known which companies a
delivery is for: a refusal there counts for every QuickBooks company of the store.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from connector.clock import Clock, SystemClock
from connector.errors import RelanceError
from connector.model import Platform
from connector.store import Store

__all__ = ["EVERY_COMPANY", "RefusalTally"]

log = logging.getLogger("connector.receiver")

EVERY_COMPANY = ""  # the slug a refusal of an app-wide delivery (QuickBooks) is counted under
INTERVAL = 10.0  # seconds between two writes of one company's count


@dataclass
class _Pending:
    count: int
    first_at: datetime
    last_at: datetime
    reason: str


class RefusalTally:
    def __init__(
        self,
        store: Store,
        *,
        interval: float = INTERVAL,
        clock: Clock | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store, self._interval = store, interval
        self._clock, self._monotonic = clock or SystemClock(), monotonic
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, str], _Pending] = {}
        self._written: dict[tuple[str, str], float] = {}
        self._timers: dict[tuple[str, str], threading.Timer] = {}

    def add(self, slug: str, platform: str, reason: str) -> None:
        """One refused delivery for ``slug`` (or :data:`EVERY_COMPANY` of ``platform``);
        written now if the last write for it is ``interval`` seconds old. Call it off the
        event loop: it may write to the store."""
        key, now = (slug, platform), self._clock.now()
        with self._lock:
            pending = self._pending.get(key)
            if pending is None:
                self._pending[key] = _Pending(1, now, now, reason)
            else:
                pending.count += 1
                pending.last_at, pending.reason = now, reason
            waited = self._monotonic() - self._written.get(key, float("-inf"))
            if waited < self._interval:  # written at the end of the interval
                if key not in self._timers:
                    timer = threading.Timer(self._interval - waited, self._flush, (key,))
                    timer.daemon = True
                    self._timers[key] = timer
                    timer.start()
                return
            self._written[key] = self._monotonic()
            taken = self._pending.pop(key)
        self._write(key, taken)

    def _flush(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._timers.pop(key, None)
            taken = self._pending.pop(key, None)
            if taken is not None:
                self._written[key] = self._monotonic()
        if taken is not None:
            self._write(key, taken)

    def close(self) -> None:
        """Write what is still counted (the receiver stops)."""
        with self._lock:
            taken, self._pending = self._pending, {}
            for timer in self._timers.values():
                timer.cancel()
            self._timers.clear()
        for key, pending in taken.items():
            self._write(key, pending)

    def _write(self, key: tuple[str, str], pending: _Pending) -> None:
        slug, platform = key
        try:
            slugs = [slug] if slug != EVERY_COMPANY else self._companies_on(platform)
            for each in slugs:
                self._store.record_refusals(
                    each,
                    platform,
                    count=pending.count,
                    first_at=pending.first_at,
                    last_at=pending.last_at,
                    reason=pending.reason,
                )
        except (RelanceError, SQLAlchemyError) as exc:  # the answer was given all the same
            log.warning("refused deliveries for %s not counted: %s", slug or platform, exc)

    def _companies_on(self, platform: str) -> list[str]:
        return [t.slug for t in self._store.tenants() if t.platform is Platform(platform)]
