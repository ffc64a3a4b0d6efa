"""relance webhooks: subscribe a tenant's platform to relance's receiver, list, remove."""

from __future__ import annotations

import gc
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from connector.cli._context import AppState
from connector.cli._output import shown
from connector.cli._receiver_options import Docs, OpsHost, OpsPort, receiver_settings
from connector.errors import Unsupported
from connector.logjson import log_as_json
from connector.settings import TenantConfig
from connector.source import Source, WebhookAdmin

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["receiver_app", "register"]

webhooks = typer.Typer(help="Webhook subscriptions at the tenant's platform.", no_args_is_help=True)


def _admin(ctx: typer.Context, tenant: str | None) -> tuple[AppState, str, WebhookAdmin]:
    state = ctx.obj
    assert isinstance(state, AppState)
    record = state.tenant(tenant)
    source: Source | None = state.source(state.tenant_config(record))
    if not isinstance(source, WebhookAdmin):
        raise Unsupported(
            f"{record.platform} subscriptions are not managed through its API",
            hint="QuickBooks: the Intuit developer portal; Odoo: an automation rule "
            "'Send Webhook Notification'; files: none",
        )
    return state, record.slug, source


@webhooks.command("subscribe")
def subscribe(
    ctx: typer.Context,
    url: Annotated[str, typer.Option("--url", help="https://…/webhooks/PLATFORM/TENANT")],
    tenant: Annotated[str | None, typer.Option("--tenant")] = None,
) -> None:
    """Ask the platform to call relance's receiver; the signing secret is stored encrypted."""
    state, slug, admin = _admin(ctx, tenant)
    sub = admin.subscribe(url)
    if state.json_output:
        state.emit_json({"tenant": slug, "subscription": sub.id, "events": list(sub.events)})
        return
    if sub.instructions:  # a platform without a subscription API: the user sets it up
        state.console.print(f"{slug}: {sub.instructions}:\n  {sub.url}", highlight=False)
        return
    state.console.print(
        f"{slug}: subscription {sub.id} to {', '.join(sub.events)}; its secret is stored "
        "encrypted (the platform shows it only once)"
    )


@webhooks.command("list")
def list_(
    ctx: typer.Context, tenant: Annotated[str | None, typer.Option("--tenant")] = None
) -> None:
    """The tenant's subscriptions, and whether the platform disabled any."""
    state, slug, admin = _admin(ctx, tenant)
    subs = admin.subscriptions()
    if state.json_output:
        state.emit_json(
            [
                {"id": s.id, "url": s.url, "events": list(s.events), "enabled": s.enabled}
                for s in subs
            ]
        )
        return
    if not subs:
        state.console.print(f"{slug}: no subscription")
    for s in subs:
        flag = "enabled" if s.enabled else f"[red]{shown(s.detail or 'disabled')}[/red]"
        state.console.print(
            f"{shown(s.id)}  {shown(s.url)}  {shown(', '.join(s.events))}  {flag}", markup=True
        )


@webhooks.command("unsubscribe")
def unsubscribe(
    ctx: typer.Context,
    subscription_id: Annotated[str, typer.Argument(metavar="ID")],
    tenant: Annotated[str | None, typer.Option("--tenant")] = None,
) -> None:
    """Delete a subscription at the platform."""
    state, slug, admin = _admin(ctx, tenant)
    admin.unsubscribe(subscription_id)
    state.done(
        {"tenant": slug, "subscription": subscription_id, "deleted": True},
        f"{slug}: subscription {subscription_id} deleted",
    )


SERVE_ENV = "RELANCE_SERVE_OPTIONS"  # how `serve --workers` hands its options to each worker


def _logging(json_logs: bool, debug: bool) -> None:
    level = logging.DEBUG if debug else logging.WARNING
    if json_logs:
        log_as_json(level)
    else:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")


def _state_from_env() -> tuple[AppState, dict[str, Any]]:
    options = json.loads(os.environ.get(SERVE_ENV, "{}"))
    _logging(bool(options.get("json_logs")), bool(options.get("debug")))
    config = options.get("config")
    state = AppState(config=Path(config) if config else None, store_url=options.get("store_url"))
    return state, options


def _receiver(state: AppState, *, docs: bool) -> FastAPI:
    from connector.receiver import create_app

    opened: dict[str, tuple[TenantConfig, Source | None]] = {}

    def source_for(slug: str) -> Source | None:
        """One source per tenant, opened again only when its file changed."""
        config = state.tenant_config(state.tenant(slug))
        if slug not in opened or opened[slug][0] != config:
            if slug in opened:
                state.discard(opened[slug][1])
            opened[slug] = (config, state.source(config))
        return opened[slug][1]

    limits = state.settings.receiver
    app = create_app(
        state.store,
        source_for,
        max_body=limits.max_body,
        body_timeout=limits.body_timeout,
        max_requests=limits.max_requests,
        max_buffered=limits.max_buffered,
        docs=docs,
    )
    # what exists now (modules, classes, the app) lives as long as the process: kept out of
    # the collector's full passes, which otherwise walk all of it (25-160 ms each) and stall
    # every delivery in flight (benchmarks/webhook_intake.py: p99 at 500/s)
    gc.collect()
    gc.freeze()
    return app


def receiver_app() -> FastAPI:
    """The app of one `serve --workers` process: its own store connections, sources and
    inbox writer, built from the options the command line gave (uvicorn's factory)."""
    from connector.receiver_serve import DeadlineProtocol

    state, options = _state_from_env()
    # this process's connections are uvicorn's, made from the class named on the command
    # line: its deadline is set here, before the first one
    DeadlineProtocol.header_timeout = state.settings.receiver.header_timeout
    app = _receiver(state, docs=bool(options.get("docs", True)))
    app.router.on_shutdown.append(state.close)
    return app


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="the address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="the port to listen on")] = 8080,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="receiver processes sharing the port (they are stateless: each only "
            "inserts events)",
        ),
    ] = 1,
    ops_host: OpsHost = None,
    ops_port: OpsPort = None,
    docs: Docs = None,
    json_logs: Annotated[
        bool | None,
        typer.Option(
            "--json-logs/--text-logs",
            help="one JSON object per log line (default: log_format in the settings)",
        ),
    ] = None,
) -> None:
    """Run the webhook receiver alone: POST /webhooks/PLATFORM/TENANT, /healthz, /readyz,
    /docs and /openapi.json. Events are stored; `relance sync` or the daemon processes them.
    Limits (header and body deadlines, deliveries at once, body size): [receiver] in the
    settings."""
    import uvicorn

    from connector.receiver_serve import OpsListener, ops_app, run_listeners, server_config

    state = ctx.obj
    assert isinstance(state, AppState)
    state.store  # noqa: B018 - a wrong store URL fails here, with its exit code, not in a worker
    settings = receiver_settings(state, ops_host=ops_host, ops_port=ops_port, docs=docs)
    as_json = state.settings.log_format == "json" if json_logs is None else json_logs
    if as_json:
        log_as_json(logging.DEBUG if state.debug else logging.WARNING)
    docs_here = settings.docs and settings.ops_port is None
    ops = None
    if workers == 1 or settings.ops_port is not None:
        # the receiver itself with one worker; with several, only for its description
        app = _receiver(state, docs=docs_here)
    if settings.ops_port is not None:  # the description only: `serve` counts no metrics
        ops = OpsListener(ops_app(app, metrics=None, docs=settings.docs), settings,
                          settings.ops_port)  # fmt: skip
    if workers == 1:
        run_listeners(server_config(app, host, port, header_timeout=settings.header_timeout), ops)
        return
    state.close()  # each worker opens its own connections
    os.environ[SERVE_ENV] = json.dumps(
        {
            "config": str(state.config.resolve()) if state.config else None,
            "store_url": state.store_url,
            "debug": state.debug,
            "json_logs": as_json,
            "docs": docs_here,
        }
    )
    if ops is not None:
        ops.start()
    try:
        uvicorn.run(
            f"{__name__}:receiver_app",
            factory=True,
            workers=workers,
            host=host,
            port=port,
            http="connector.receiver_serve:DeadlineProtocol",
            log_config=None,
            log_level="info",
            access_log=False,
        )
    finally:
        if ops is not None:
            ops.stop()


def register(app: typer.Typer) -> None:
    app.add_typer(webhooks, name="webhooks")
    app.command("serve")(serve)
