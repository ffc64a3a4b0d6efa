"""relance connect: link a tenant to its platform (OAuth2 in the browser, or an API token)."""

from __future__ import annotations

import webbrowser
from typing import Annotated, Any

import typer

from connector.cli._context import AppState
from connector.errors import ConfigError, SourceError
from connector.model import Platform

__all__ = ["register"]


def connect(
    ctx: typer.Context,
    platform: Annotated[Platform, typer.Argument(help="pennylane, quickbooks or odoo")],
    tenant: Annotated[str, typer.Option("--tenant", help="the tenant to connect")],
    token: Annotated[bool, typer.Option("--token", help="paste an API token instead")] = False,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="print the address; paste the answer")
    ] = False,
) -> None:
    """Connect a tenant: its tokens are kept encrypted in the store (RELANCE_SECRET_KEY)."""
    from connector.connect import connect_oauth, connect_token
    from connector.oauth import TokenVault, load_fernet
    from connector.sources import oauth_app_for

    state = ctx.obj
    assert isinstance(state, AppState)
    record = state.store.tenant(tenant)
    if record.platform is not platform:
        raise ConfigError(
            f"tenant {tenant} is a {record.platform} tenant, not {platform}", key="PLATFORM"
        )
    if token:
        vault = TokenVault(state.store, load_fernet(state.settings))
        secret = typer.prompt(f"{platform} API token for {tenant}", hide_input=True, err=True)
        connect_token(vault, tenant, platform.value, secret)
        _connected(state, tenant, platform, f"{tenant}: {platform} token stored (encrypted)")
        return
    app = oauth_app_for(platform.value, state.settings)  # says which credentials are missing
    config = getattr(state.settings, platform.value)
    vault = TokenVault(state.store, load_fernet(state.settings))

    def paste(url: str) -> str:
        # on stderr (prompt included), so that stdout holds only the --json answer
        state.err_console.print(f"Open this address in a browser and allow relance:\n  {url}")
        return str(typer.prompt("Then paste the address the browser was sent back to", err=True))

    def browse(url: str) -> bool:
        state.err_console.print("Opening the consent page in your browser…")
        return False if no_browser else webbrowser.open(url)

    connect_oauth(
        app,
        vault,
        tenant,
        state.clock,
        redirect_uri=config.redirect_uri,
        open_browser=browse,
        paste=paste,
    )
    _connected(state, tenant, platform, f"{tenant}: connected to {platform}")


def _connected(state: AppState, tenant: str, platform: Platform, text: str) -> None:
    check = _check(state, tenant)
    lines = [text]
    if "account_id" in check:
        lines.append(f"{tenant}: reaches {check['account_name']} (id {check['account_id']})")
    if "check_failed" in check:
        lines.append(f"  could not check the connection: {check['check_failed']}")
    lines += [f"  missing permission {m}" for m in check.get("missing", [])]
    state.done(
        {"tenant": tenant, "platform": platform, "connected": True, **check}, "\n".join(lines)
    )


def _check(state: AppState, tenant: str) -> dict[str, Any]:
    """Which account the credentials reach and what they lack, while the user is here."""
    from connector.source import ConnectionCheck

    try:
        source = state.source(state.tenant_config(state.store.tenant(tenant)))
    except ConfigError:
        return {}  # no tenant file yet: nothing to check against
    if not isinstance(source, ConnectionCheck):
        return {}
    try:
        info = source.check_connection()
    except SourceError as exc:  # the credentials are stored; the check can run again later
        return {"check_failed": exc.message}
    return {
        "account_name": info.account_name,
        "account_id": info.account_id,
        "missing": list(info.missing),
    }


def register(app: typer.Typer) -> None:
    app.command()(connect)
