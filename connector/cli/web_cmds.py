"""relance web: the web app on its own port; relance users: its accounts and their roles."""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from connector.accounts import Role, check_login, check_password, hash_password
from connector.cli._context import AppState
from connector.errors import ConfigError

__all__ = ["register", "serve_web", "web_context"]

log = logging.getLogger("relance.web")
users_app = typer.Typer(
    help="The web app's accounts and their role per tenant.", no_args_is_help=True
)

LOOPBACK = ("127.0.0.1", "::1", "localhost")


def _state(ctx: typer.Context) -> AppState:
    state = ctx.obj
    assert isinstance(state, AppState)
    return state


def web_context(state: AppState, *, host: str, insecure_cookies: bool) -> object:
    """The web app's context over the command's store and settings."""
    from connector.web.context import WebContext

    if insecure_cookies and host not in LOOPBACK:
        log.warning(
            "session cookies without Secure on %s: only behind no proxy, on a trusted network",
            host,
        )
    return WebContext(
        state.store, state.settings, config=state.config, clock=state.clock,
        secure_cookies=not insecure_cookies,
    )  # fmt: skip


def serve_web(state: AppState, host: str, port: int, *, insecure_cookies: bool) -> object:
    """A uvicorn server (not started) for the web app."""
    import uvicorn

    from connector.receiver_serve import server_config
    from connector.web.app import create_app
    from connector.web.context import WebContext

    context = web_context(state, host=host, insecure_cookies=insecure_cookies)
    assert isinstance(context, WebContext)
    config = server_config(create_app(context), host, port, header_timeout=10, log_level="warning")
    return uvicorn.Server(config)


def web(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="port of the web app")] = 8000,
    insecure_cookies: Annotated[
        bool,
        typer.Option(
            "--insecure-cookies",
            help="session cookies without the Secure flag, for plain HTTP away from this "
            "machine (behind TLS, leave it off)",
        ),
    ] = False,
) -> None:
    """Serve the web app: review and approve what goes out, follow customers up, see the
    money come in. Accounts: `relance users add`."""
    state = _state(ctx)
    if not state.store.people():
        state.console.print(
            "relance web: no account yet; create one with "
            "`relance users add LOGIN --tenant TENANT --role manager`"
        )
    server = serve_web(state, host, port, insecure_cookies=insecure_cookies)
    state.console.print(f"relance web on http://{host}:{port}/ (Ctrl-C to stop)")
    server.run()  # type: ignore[attr-defined]


def _password(given_on_stdin: bool) -> str:
    if given_on_stdin:
        return check_password(sys.stdin.readline().rstrip("\n"))
    first = typer.prompt("Password", hide_input=True, err=True)
    again = typer.prompt("Again", hide_input=True, err=True)
    if first != again:
        raise ConfigError("the two passwords differ", hint="type the same password twice")
    return check_password(str(first))


@users_app.command("add")
def add(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="the person's login (an e-mail address works)")],
    tenant: Annotated[
        list[str] | None, typer.Option("--tenant", help="a tenant the role is for (repeatable)")
    ] = None,
    role: Annotated[Role, typer.Option(help="viewer, user or manager")] = Role.USER,
    name: Annotated[
        str | None, typer.Option(help="the name shown in the app and the journal")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from standard input")
    ] = False,
    reset_password: Annotated[
        bool, typer.Option("--reset-password", help="set a new password for an existing account")
    ] = False,
) -> None:
    """Create an account (asking its password), or give an existing one a role."""
    state = _state(ctx)
    who = check_login(login)
    store = state.store
    slugs = list(tenant or ([state.tenant().slug] if not tenant else []))
    for slug in slugs:
        store.tenant(slug)  # an unknown tenant fails before anything is written
    existing = store.person(who)
    if existing is None:
        store.add_person(who, name or who, hash_password(_password(password_stdin)))
        created = True
    else:
        created = False
        if reset_password:
            store.set_password_hash(who, hash_password(_password(password_stdin)))
    for slug in slugs:
        store.grant(who, slug, role)
    if state.json_output:
        state.emit_json({"login": who, "created": created, "tenants": slugs, "role": role.value})
    else:
        verb = "created" if created else "updated"
        state.console.print(f"{who}: {verb}, {role.value} of {', '.join(slugs)}")


@users_app.command("list")
def list_users(ctx: typer.Context) -> None:
    """Every account and its role per tenant."""
    state = _state(ctx)
    people = state.store.people()
    if state.json_output:
        state.emit_json(
            [
                {
                    "login": p.login,
                    "name": p.name,
                    "roles": {k: v.value for k, v in p.roles.items()},
                }
                for p in people
            ]
        )
        return
    if not people:
        state.console.print("no account yet: `relance users add LOGIN --tenant T --role manager`")
    for p in people:
        roles = ", ".join(f"{slug}: {role.value}" for slug, role in sorted(p.roles.items()))
        state.console.print(f"{p.login} ({p.name}) — {roles or 'no role'}")


@users_app.command("remove")
def remove(
    ctx: typer.Context,
    login: str,
    tenant: Annotated[
        str | None, typer.Option("--tenant", help="only this tenant's role; the account stays")
    ] = None,
) -> None:
    """Remove an account (its sessions end at once), or only its role in one tenant."""
    state = _state(ctx)
    who = check_login(login)
    if tenant is not None:
        done = state.store.revoke(who, state.store.tenant(tenant).slug)
    else:
        done = state.store.remove_person(who)
    if not done:
        raise ConfigError(f"no such account or role: {who}", hint="`relance users list` lists them")
    if state.json_output:
        state.emit_json({"login": who, "removed": True, "tenant": tenant})
    else:
        state.console.print(f"{who}: removed" + (f" from {tenant}" if tenant else ""))


def register(app: typer.Typer) -> None:
    app.command("web")(web)
    app.add_typer(users_app, name="users")
