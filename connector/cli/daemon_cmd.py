"""relance daemon: the cycles on schedule, the webhook receiver and the health endpoints."""

from __future__ import annotations

import gc
import logging
import signal
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from connector.cli._context import AppState
from connector.cli._receiver_options import Docs, OpsHost, OpsPort, receiver_settings
from connector.cli._receiver_options import Metrics as MetricsOption
from connector.cli.cycle_cmds import tenant_cycle
from connector.cli.web_cmds import serve_web
from connector.clock import local_today
from connector.errors import ConfigError, RelanceError
from connector.leases import INBOX_LEASE
from connector.settings import TenantConfig

if TYPE_CHECKING:  # the daemon's machinery is imported when it starts
    from connector.calendar import BusinessCalendar
    from connector.daemon import TenantSchedule
    from connector.policy import SendWindow
    from connector.source import Source
    from connector.store import InboundEvent, TenantRecord

log = logging.getLogger(__name__)


def _caps(values: list[str]) -> dict[str, int]:
    caps: dict[str, int] = {}
    for value in values:
        platform, _, number = value.partition("=")
        if not number.isdigit() or int(number) < 1:
            raise ConfigError(f"--per-platform {value!r} is not PLATFORM=N", key="--per-platform")
        caps[platform.strip()] = int(number)
    return caps


class _Tenants:
    """The store's tenants and their files, read at start and again every --reload-seconds.
    A file that no longer loads is reported, and the tenant keeps its last good version (a
    tenant new with a bad file waits until it is fixed): one mistake never stops the rest."""

    def __init__(self, state: AppState) -> None:
        self.state, self.lock = state, threading.Lock()
        self.records: dict[str, TenantRecord] = {}
        self.configs: dict[str, TenantConfig] = {}
        self._windows: dict[str, tuple[SendWindow, BusinessCalendar]] = {}
        self._sources: dict[str, Source | None] = {}  # the receiver's, one per tenant
        self._stamps: dict[str, tuple[object, ...]] = {}  # what each tenant was loaded from

    def _stamp(self, record: TenantRecord) -> tuple[object, ...]:
        """The tenant's record and the size and time of its files: unchanged, no re-read."""

        def of(path: Path | None) -> tuple[int, int] | None:
            try:
                return None if path is None else (path.stat().st_mtime_ns, path.stat().st_size)
            except OSError:
                return None

        config = self.configs.get(record.slug)
        tenant_file = self.state.settings.tenants_dir / f"{record.slug}.toml"
        return (record, of(tenant_file), of(config.policy if config else None))

    def load(self) -> list[TenantSchedule]:
        from connector.calendar import BusinessCalendar
        from connector.daemon import TenantSchedule

        records = {r.slug: r for r in self.state.store.tenants()}
        configs, windows = {}, {}
        stamps = {slug: self._stamp(record) for slug, record in records.items()}
        for slug, record in records.items():
            if stamps[slug] == self._stamps.get(slug):  # as last time: loaded, or still broken
                if slug in self.configs:
                    configs[slug], windows[slug] = self.configs[slug], self._windows[slug]
                continue
            try:
                config = self.state.tenant_config(record)
                window = self.state.policy(config).send_window
                windows[slug] = (window, BusinessCalendar.for_window(window, config.country))
                configs[slug] = config
            except RelanceError as exc:
                log.error("tenant=%s configuration not loaded: %s", slug, exc.message)
                if slug in self.configs:  # the last good one stands
                    configs[slug], windows[slug] = self.configs[slug], self._windows[slug]
        with self.lock:
            stale = [s for s in self._sources if configs.get(s) != self.configs.get(s)]
            for slug in stale:  # removed or changed: the receiver opens it again when needed
                self.state.discard(self._sources.pop(slug))
            self.records, self.configs, self._windows = records, configs, windows
            self._stamps = stamps
        return [
            TenantSchedule(
                slug,
                str(records[slug].platform),
                config.schedule.cron,
                config.schedule.timezone or config.timezone,
            )
            for slug, config in configs.items()
        ]

    def source(self, slug: str) -> Source | None:
        """The tenant's source for verifying deliveries (None: no tenant, or no live source)."""
        with self.lock:
            if slug not in self._sources:
                config = self.configs.get(slug)
                if config is None:
                    return None  # not cached: a tenant added later is found after a reload
                self._sources[slug] = self.state.source(config)
            return self._sources[slug]

    def window(self, slug: str, now: datetime) -> datetime | None:
        window, calendar = self._windows[slug]
        return calendar.window_opens(window, now, self.records[slug].timezone)


def daemon(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="address of the receiver and health endpoints")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="port of the receiver and health endpoints")] = 8080,
    max_concurrent: Annotated[int, typer.Option(help="cycles at once, all tenants")] = 4,
    per_platform: Annotated[
        list[str] | None, typer.Option(help="PLATFORM=N: cycles at once on one platform")
    ] = None,
    jitter: Annotated[int, typer.Option(help="seconds a cycle may start late")] = 300,
    lease_seconds: Annotated[
        int, typer.Option(help="how long a killed replica keeps its tenant's cycle")
    ] = 1800,
    poll_seconds: Annotated[
        int, typer.Option(help="how often due cycles are looked for (also when one ends)")
    ] = 10,
    inbox_seconds: Annotated[
        int, typer.Option(help="how often webhook events are looked for")
    ] = 15,
    inbox_lease_seconds: Annotated[
        int, typer.Option(help="how long a killed replica keeps the events it claimed")
    ] = int(INBOX_LEASE.total_seconds()),
    reload_seconds: Annotated[
        int, typer.Option(help="how often tenants added, changed or removed are looked for")
    ] = 60,
    retry_seconds: Annotated[
        int,
        typer.Option(
            min=1,
            help="a cycle that failed, or left e-mails or write-backs for later (the relay or "
            "the platform down), runs again after this; the wait doubles each time",
        ),
    ] = 300,
    retry_max_seconds: Annotated[
        int, typer.Option(min=1, help="the longest wait before a cycle runs again")
    ] = 3600,
    json_logs: Annotated[
        bool, typer.Option("--json-logs/--text-logs", help="one JSON object per log line")
    ] = True,
    ops_host: OpsHost = None,
    ops_port: OpsPort = None,
    docs: Docs = None,
    metrics_on: MetricsOption = None,
    web_port: Annotated[
        int | None,
        typer.Option(
            min=1, max=65535, help="also serve the web app on this port (not the webhook port)"
        ),
    ] = None,
    web_host: Annotated[str, typer.Option(help="address of the web app")] = "127.0.0.1",
    insecure_cookies: Annotated[
        bool, typer.Option("--insecure-cookies", help="web app over plain HTTP off this machine")
    ] = False,
) -> None:
    """Run every tenant's cycle on its \\[schedule] (default: business days at 09:00, local),
    receive webhooks at /webhooks/PLATFORM/TENANT, answer /healthz, /readyz and /metrics. SIGTERM or
    Ctrl-C: the cycles in flight finish, nothing new starts. Receiver limits: [receiver] in the
    settings."""
    import uvicorn

    from connector.daemon import Daemon, DaemonOptions
    from connector.intake import process_events
    from connector.legal import RateTables
    from connector.legal.coverage import check_tenants
    from connector.logjson import log_as_json
    from connector.metrics import Metrics
    from connector.receiver import create_app
    from connector.receiver_serve import OpsListener, ops_app, server_config

    state = ctx.obj
    assert isinstance(state, AppState)
    if web_port is not None and web_port in (port, ops_port):
        raise ConfigError("the web app needs a port of its own", key="--web-port")
    if json_logs:
        log_as_json(logging.DEBUG if state.debug else logging.INFO)
    store = state.store
    settings = receiver_settings(
        state, ops_host=ops_host, ops_port=ops_port, docs=docs, metrics=metrics_on
    )
    tenants = _Tenants(state)
    schedules = tenants.load()
    metrics = Metrics()
    metrics.watch_requests()
    metrics.gauges(store.inbox_depth, store.overdue_since, state.clock.now)

    def cycle(slug: str, stop: Callable[[], bool]) -> dict[str, object]:
        record = tenants.records[slug]
        report = tenant_cycle(
            state,
            record,
            local_today(state.clock, record.timezone),
            stop=stop,  # SIGTERM, or the lease lost: finish the customer in hand, then stop
        )
        metrics.report(report)
        return {
            "results": len(report.results),
            "stopped": report.stopped,
            "to_retry": report.to_retry,
        }

    def check_rates() -> None:
        """Once a day: do the rate tables cover the notices of the next days? (Read again
        each time: an update or an import since the start is seen.)"""
        with tenants.lock:
            zones = {slug: record.timezone for slug, record in tenants.records.items()}
            seen = {
                slug: (config.jurisdiction, local_today(state.clock, zones[slug]))
                for slug, config in tenants.configs.items()
                if slug in zones
            }
        result = check_tenants(RateTables(state.settings.rates_dir), seen)
        for table, days in result.days.items():
            metrics.rate_days.labels(table).set(days)
        short: dict[str, int] = dict.fromkeys(result.days, 0)
        for slug, gap in result.gaps:
            short[gap.table] = short.get(gap.table, 0) + 1
            log.warning("tenant=%s %s", slug, gap.sentence())
        for table, count in short.items():
            metrics.rate_gaps.labels(table).set(count)
        if not result.gaps:
            log.info("rate tables cover the next days' notices: %s", result.days)

    def inbox(slug: str, events: Sequence[InboundEvent]) -> object:
        config = tenants.configs.get(slug)
        source = None if config is None else state.source(config)
        if source is None:  # a file tenant fed by `relance import`: nothing to re-read
            store.mark_inbound([e.id for e in events], error="no live source to re-read")
            return None
        try:
            return process_events(store, slug, source, events, clock=state.clock)
        finally:
            state.discard(source)  # its connections end with the batch

    worker = Daemon(
        store,
        schedules,
        cycle,
        inbox,
        window=tenants.window,
        reload=tenants.load,
        daily=check_rates,
        clock=state.clock,
        options=DaemonOptions(
            max_concurrent=max_concurrent,
            per_platform=_caps(per_platform or []),
            jitter_seconds=jitter,
            lease=timedelta(seconds=lease_seconds),
            poll_seconds=poll_seconds,
            inbox_every_seconds=inbox_seconds,
            inbox_lease=timedelta(seconds=inbox_lease_seconds),
            reload_seconds=reload_seconds,
            retry_first=timedelta(seconds=retry_seconds),
            retry_max=timedelta(seconds=max(retry_seconds, retry_max_seconds)),
        ),
        metrics=metrics,
    )
    apart = settings.ops_port is not None  # /metrics and the docs on a listener of their own
    app = create_app(
        store,
        tenants.source,
        ready=lambda: worker.running,
        metrics=metrics,
        serve_metrics=settings.metrics and not apart,
        docs=settings.docs and not apart,
        max_body=settings.max_body,
        body_timeout=settings.body_timeout,
        max_requests=settings.max_requests,
        max_buffered=settings.max_buffered,
    )
    ops = None
    if settings.ops_port is not None:
        side = ops_app(app, metrics=metrics if settings.metrics else None, docs=settings.docs)
        ops = OpsListener(side, settings, settings.ops_port)
    # what exists now lives as long as the process: out of the collector's full passes, which
    # would otherwise stall deliveries in flight (as in `relance serve`)
    gc.collect()
    gc.freeze()
    server = uvicorn.Server(
        server_config(app, host, port, header_timeout=settings.header_timeout, log_level="warning")
    )
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    http = threading.Thread(target=server.run, name="receiver", daemon=True)
    web = None
    if web_port is not None:
        web = serve_web(state, web_host, web_port, insecure_cookies=insecure_cookies)
    web_thread = threading.Thread(target=getattr(web, "run", None), name="web", daemon=True)
    worker.start()
    http.start()
    if web is not None:
        web_thread.start()
    if ops is not None:
        ops.start()
    state.console.print(
        f"relance daemon: {len(schedules)} tenant(s), receiver on http://{host}:{port}"
        + (f", ops listener on http://{settings.ops_host}:{settings.ops_port}" if ops else "")
        + (f", web app on http://{web_host}:{web_port}/" if web is not None else "")
    )
    stop.wait()
    worker.stop()  # the cycles in flight finish
    server.should_exit = True
    http.join(timeout=10)
    if web is not None:
        web.should_exit = True  # type: ignore[attr-defined]
        web_thread.join(timeout=10)
    if ops is not None:
        ops.stop()
    metrics.close()


def register(app: typer.Typer) -> None:
    app.command("daemon")(daemon)
