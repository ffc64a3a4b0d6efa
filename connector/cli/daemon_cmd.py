"""relance daemon: the cycles on schedule, the webhook receiver and the health endpoints."""

from __future__ import annotations

import gc
import logging
import signal
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from types import FrameType
from typing import Annotated

import typer

from connector.calendar import BusinessCalendar
from connector.cli._context import AppState
from connector.cli.cycle_cmds import tenant_cycle
from connector.clock import local_today
from connector.daemon import Daemon, DaemonOptions, TenantSchedule
from connector.errors import ConfigError
from connector.intake import INBOX_LEASE, process_events
from connector.logjson import log_as_json
from connector.metrics import Metrics
from connector.source import Source
from connector.store import InboundEvent


def _caps(values: list[str]) -> dict[str, int]:
    caps: dict[str, int] = {}
    for value in values:
        platform, _, number = value.partition("=")
        if not number.isdigit() or int(number) < 1:
            raise ConfigError(f"--per-platform {value!r} is not PLATFORM=N", key="--per-platform")
        caps[platform.strip()] = int(number)
    return caps


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
    json_logs: Annotated[
        bool, typer.Option("--json-logs/--text-logs", help="one JSON object per log line")
    ] = True,
) -> None:
    """Run every tenant's cycle on its \\[schedule] (default: business days at 09:00, local),
    receive webhooks at /webhooks/PLATFORM/TENANT, answer /healthz, /readyz and /metrics. SIGTERM or
    Ctrl-C: the cycles in flight finish, nothing new starts."""
    import uvicorn

    from connector.receiver import create_app

    state = ctx.obj
    assert isinstance(state, AppState)
    if json_logs:
        log_as_json(logging.DEBUG if state.debug else logging.INFO)
    store, lock = state.store, threading.Lock()
    records = {r.slug: r for r in store.tenants()}
    configs = {slug: state.tenant_config(r) for slug, r in records.items()}
    sources: dict[str, Source | None] = {}

    def source_for(slug: str) -> Source | None:
        with lock:
            if slug not in sources:
                sources[slug] = state.source(configs[slug]) if slug in configs else None
            return sources[slug]

    metrics = Metrics()
    metrics.watch_requests()
    metrics.gauges(store.inbox_depth, store.overdue_since, state.clock.now)

    def cycle(slug: str, stop: Callable[[], bool]) -> dict[str, object]:
        record = records[slug]
        report = tenant_cycle(
            state,
            record,
            local_today(state.clock, record.timezone),
            stop=stop,  # SIGTERM, or the lease lost: finish the customer in hand, then stop
        )
        metrics.report(report)
        return {"results": len(report.results), "stopped": report.stopped}

    def inbox(slug: str, events: Sequence[InboundEvent]) -> object:
        source = state.source(configs[slug]) if slug in configs else None
        if source is None:  # a file tenant fed by `relance import`: nothing to re-read
            store.mark_inbound([e.id for e in events], error="no live source to re-read")
            return None
        try:
            return process_events(store, slug, source, events, clock=state.clock)
        finally:
            state.discard(source)  # its connections end with the batch

    schedules = [
        TenantSchedule(
            slug,
            str(records[slug].platform),
            config.schedule.cron,
            config.schedule.timezone or config.timezone,
        )
        for slug, config in configs.items()
    ]
    windows = {slug: state.policy(config).send_window for slug, config in configs.items()}
    calendars = {
        slug: BusinessCalendar.for_window(windows[slug], config.country)
        for slug, config in configs.items()
    }

    def window(slug: str, now: datetime) -> datetime | None:
        return calendars[slug].window_opens(windows[slug], now, records[slug].timezone)

    worker = Daemon(
        store,
        schedules,
        cycle,
        inbox,
        window=window,
        clock=state.clock,
        options=DaemonOptions(
            max_concurrent=max_concurrent,
            per_platform=_caps(per_platform or []),
            jitter_seconds=jitter,
            lease=timedelta(seconds=lease_seconds),
            poll_seconds=poll_seconds,
            inbox_every_seconds=inbox_seconds,
            inbox_lease=timedelta(seconds=inbox_lease_seconds),
        ),
        metrics=metrics,
    )
    app = create_app(store, source_for, ready=lambda: worker.running, metrics=metrics)
    # what exists now lives as long as the process: out of the collector's full passes, which
    # would otherwise stall deliveries in flight (as in `relance serve`)
    gc.collect()
    gc.freeze()
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    )
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    http = threading.Thread(target=server.run, name="receiver", daemon=True)
    worker.start()
    http.start()
    state.console.print(
        f"relance daemon: {len(schedules)} tenant(s), receiver on http://{host}:{port}"
    )
    stop.wait()
    worker.stop()  # the cycles in flight finish
    server.should_exit = True
    http.join(timeout=10)
    metrics.close()


def register(app: typer.Typer) -> None:
    app.command("daemon")(daemon)
