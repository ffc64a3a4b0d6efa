"""The daemon's figures in the Prometheus text format, served at ``/metrics``.

Cycles and their duration, actions by channel and outcome, API calls and throttles by
platform, webhook intake by outcome, the inbox's depth, how long the most overdue
tenant cycle has been waiting (lag), and how many days the rate tables still cover. One
registry per process (not the library's global one), so tests and several apps in one
process do not mix their counts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from connector.executor import RunReport
from connector.http import observe_requests

__all__ = ["CONTENT_TYPE", "Metrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.cycles = Counter("relance_cycles", "Tenant cycles run", ["outcome"], registry=r)
        self.cycle_seconds = Histogram(
            "relance_cycle_seconds",
            "Duration of a tenant's cycle",
            buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800),
            registry=r,
        )
        self.actions = Counter(
            "relance_actions", "Dunning actions by channel and outcome", ["channel", "status"],
            registry=r,
        )  # fmt: skip
        self.api_calls = Counter(
            "relance_api_calls", "Requests to platforms", ["platform", "status"], registry=r
        )
        self.api_throttled = Counter(
            "relance_api_throttled", "Requests answered 429", ["platform"], registry=r
        )
        self.webhooks = Counter(
            "relance_webhook_events", "Webhook deliveries by outcome", ["platform", "outcome"],
            registry=r,
        )  # fmt: skip
        self.inbox_depth = Gauge(
            "relance_inbox_depth", "Webhook events not yet processed", registry=r
        )
        self.lag = Gauge(
            "relance_cycle_lag_seconds",
            "Seconds the most overdue tenant cycle has been waiting to start",
            registry=r,
        )
        self.rate_days = Gauge(
            "relance_rate_table_days_covered",
            "Days from today that a rate table notices read still covers (0: not even today)",
            ["table"],
            registry=r,
        )
        self.rate_gaps = Gauge(
            "relance_rate_table_gaps",
            "Tenants whose notices of the next 7 days would find no rate (by table)",
            ["table"],
            registry=r,
        )
        self._undo: Callable[[], None] | None = None

    # --- sources of figures ------------------------------------------------------------------
    def watch_requests(self) -> None:
        def seen(platform: str, status: int | None, _seconds: float) -> None:
            self.api_calls.labels(platform, str(status or "none")).inc()
            if status == 429:
                self.api_throttled.labels(platform).inc()

        self._undo = observe_requests(seen)

    def close(self) -> None:
        if self._undo is not None:
            self._undo()
            self._undo = None

    def report(self, report: RunReport) -> None:
        for result in report.results:
            self.actions.labels(str(result.channel), str(result.status)).inc()

    def gauges(self, depth: Callable[[], int], overdue_since: Callable[[], datetime | None],
               now: Callable[[], datetime]) -> None:  # fmt: skip
        """Read at each scrape, not kept up to date by hand."""
        self.inbox_depth.set_function(lambda: float(depth()))

        def lag() -> float:
            since = overdue_since()
            return 0.0 if since is None else max(0.0, (now() - since).total_seconds())

        self.lag.set_function(lag)

    def render(self) -> bytes:
        return generate_latest(self.registry)
