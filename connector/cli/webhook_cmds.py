"""relance webhooks: subscribe a tenant's platform to relance's receiver, list, remove."""

from __future__ import annotations

import gc
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from connector.cli._context import AppState
from connector.cli._output import shown
from connector.errors import Unsupported
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


def _state_from_env() -> AppState:
    options = json.loads(os.environ.get(SERVE_ENV, "{}"))
    logging.basicConfig(
        level=logging.DEBUG if options.get("debug") else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    config = options.get("config")
    return AppState(config=Path(config) if config else None, store_url=options.get("store_url"))


def _receiver(state: AppState) -> FastAPI:
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

    app = create_app(state.store, source_for)
    # what exists now (modules, classes, the app) lives as long as the process: kept out of
    # the collector's full passes, which otherwise walk all of it (25-160 ms each) and stall
    # every delivery in flight (benchmarks/webhook_intake.py: p99 at 500/s)
    gc.collect()
    gc.freeze()
    return app


def receiver_app() -> FastAPI:
    """The app of one `serve --workers` process: its own store connections, sources and
    inbox writer, built from the options the command line gave (uvicorn's factory)."""
    state = _state_from_env()
    app = _receiver(state)
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
) -> None:
    """Run the webhook receiver alone: POST /webhooks/PLATFORM/TENANT, /healthz, /readyz,
    /docs and /openapi.json. Events are stored; `relance sync` or the daemon processes them."""
    import uvicorn

    state = ctx.obj
    assert isinstance(state, AppState)
    state.store  # noqa: B018 - a wrong store URL fails here, with its exit code, not in a worker
    if workers == 1:
        uvicorn.run(_receiver(state), host=host, port=port, log_level="info", access_log=False)
        return
    state.close()  # each worker opens its own connections
    os.environ[SERVE_ENV] = json.dumps(
        {
            "config": str(state.config.resolve()) if state.config else None,
            "store_url": state.store_url,
            "debug": state.debug,
        }
    )
    uvicorn.run(
        f"{__name__}:receiver_app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="info",
        access_log=False,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(webhooks, name="webhooks")
    app.command("serve")(serve)
