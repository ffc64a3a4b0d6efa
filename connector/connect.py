"""Connecting a tenant to a platform: the OAuth2 authorization-code flow, or an API token.

The browser is sent to the platform's consent page; the platform redirects to a short-lived
server on loopback (other paths, such as the browser's /favicon.ico, are answered 404 and
ignored) that catches the code (``state`` checked against forgery), which is
exchanged once for tokens, stored encrypted at once. On a machine without a browser, the
user opens the printed address elsewhere and pastes the address they were sent back to.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Mapping
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from connector.clock import Clock
from connector.errors import AuthorizationLost, ConfigError
from connector.oauth import OAuthApp, Token, TokenVault

__all__ = ["authorization_url", "connect_oauth", "connect_token", "finish_oauth"]

PAGE = (
    b"<!DOCTYPE html><html><body style='font-family:sans-serif'><h1>relance</h1>"
    b"<p>The connection is set up. You can close this window.</p></body></html>"
)


class _Catcher(ThreadingHTTPServer):
    """Waits on loopback for the platform's redirect to ``path``: a request for anything else
    (the browser's /favicon.ico, a page reload of /) gets a 404 and the wait goes on."""

    daemon_threads = True

    def __init__(self, port: int, path: str) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.redirect_path = path
        self.callback: str | None = None
        self.arrived = threading.Event()
        self.lock = threading.Lock()

    def take(self, target: str) -> bool:
        """Keep ``target`` if it is the redirect and the first one."""
        if urlsplit(target).path != self.redirect_path:
            return False
        with self.lock:
            if self.callback is not None:
                return False
            self.callback = target
        return True


class _Handler(BaseHTTPRequestHandler):
    server: _Catcher
    timeout = 10  # a connection the browser opened and left idle does not hold a thread

    def do_GET(self) -> None:
        taken = self.server.take(self.path)
        body = PAGE if taken else b"not found"
        self.send_response(200 if taken else 404)
        self.send_header("content-type", "text/html; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if taken:
            self.server.arrived.set()

    def log_message(self, *args: object) -> None:
        pass


def _loopback_port(redirect_uri: str) -> int | None:
    parts = urlsplit(redirect_uri)
    if parts.hostname in ("127.0.0.1", "localhost") and parts.port:
        return parts.port
    return None


def _catch(
    redirect_uri: str,
    url: str,
    open_browser: Callable[[str], object],
    paste: Callable[[str], str] | None,
    wait: float,
) -> str:
    port = _loopback_port(redirect_uri)
    if port is None:
        if paste is None:
            raise ConfigError(
                "the redirect address is not on this machine",
                key="redirect_uri",
                hint="use http://127.0.0.1:PORT/callback",
            )
        return paste(url)
    catcher = _Catcher(port, urlsplit(redirect_uri).path or "/")
    thread = threading.Thread(
        target=catcher.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
    )
    thread.start()
    try:
        opened = open_browser(url)
        if not catcher.arrived.wait(wait if opened is not False else 0.01):
            if paste is None:
                raise AuthorizationLost(
                    "no answer from the consent page in time",
                    platform="oauth",
                    hint="run `relance connect` again",
                )
            return paste(url)
        assert catcher.callback is not None
        parts = urlsplit(redirect_uri)
        return f"{parts.scheme}://{parts.netloc}{catcher.callback}"
    finally:
        catcher.shutdown()
        catcher.server_close()


def connect_oauth(
    app: OAuthApp,
    vault: TokenVault,
    tenant: str,
    clock: Clock,
    *,
    redirect_uri: str,
    open_browser: Callable[[str], object],
    paste: Callable[[str], str] | None = None,
    wait: float = 300.0,
) -> Token:
    """Run the authorization-code flow and store the tokens; returns them (for the caller's
    checks, e.g. which company the user picked)."""
    state = secrets.token_urlsafe(24)
    url = authorization_url(app, redirect_uri=redirect_uri, state=state)
    callback = _catch(redirect_uri, url, open_browser, paste, wait)
    query = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()}
    return finish_oauth(
        app, vault, tenant, clock, redirect_uri=redirect_uri, state=state, answer=query
    )


def authorization_url(app: OAuthApp, *, redirect_uri: str, state: str) -> str:
    """The platform's consent page for relance's app, sending the person back to
    ``redirect_uri`` with ``state`` (the web app's callback, or the command's loopback)."""
    session = OAuth2Session(
        app.client_id,
        app.client_secret.get_secret_value(),
        scope=app.scope or None,
        redirect_uri=redirect_uri,
        state=state,
        token_endpoint_auth_method=app.auth_method,
    )
    try:
        url, _ = session.create_authorization_url(app.authorize_url, state=state)
    finally:
        session.close()
    return str(url)


def finish_oauth(
    app: OAuthApp,
    vault: TokenVault,
    tenant: str,
    clock: Clock,
    *,
    redirect_uri: str,
    state: str,
    answer: Mapping[str, str],
) -> Token:
    """The platform's answer (the query of the address it sent the person back to): its
    ``state`` checked against the one sent, the code exchanged once, the tokens stored."""
    if answer.get("state") != state:
        raise AuthorizationLost(
            "the answer from the consent page does not carry the "
            "state relance sent: ignored (possible forgery)",
            platform=app.platform,
            hint="run `relance connect` again",
        )
    if "error" in answer:
        raise AuthorizationLost(
            f"{app.platform} refused the authorization ({answer['error']})",
            platform=app.platform,
        )
    session = OAuth2Session(
        app.client_id,
        app.client_secret.get_secret_value(),
        scope=app.scope or None,
        redirect_uri=redirect_uri,
        state=state,
        token_endpoint_auth_method=app.auth_method,
    )
    try:
        requested_at = clock.now()
        raw: dict[str, Any] = session.fetch_token(
            app.token_url, code=answer.get("code"), state=state
        )
    except OAuthError as exc:
        raise AuthorizationLost(
            f"{app.platform} refused the code exchange ({exc.error})",
            platform=app.platform,
            hint="run `relance connect` again",
        ) from None
    finally:
        session.close()
    extra = {k: v for k, v in answer.items() if k in ("realmId",)}
    token = Token(
        raw["access_token"],
        raw.get("refresh_token"),
        requested_at + timedelta(seconds=int(raw.get("expires_in", 3600))),
        extra,
    )
    vault.save(tenant, app.platform, token)
    return token


def connect_token(vault: TokenVault, tenant: str, platform: str, api_token: str) -> Token:
    """Store a long-lived API token (Pennylane company token, Odoo API key), encrypted."""
    api_token = api_token.strip()
    if len(api_token) < 8:
        raise ConfigError("that does not look like an API token", key="--token")
    token = Token(api_token, None, None)
    vault.save(tenant, platform, token)
    return token
