"""The authorization-code flow end to end on loopback: consent page, redirect, exchange."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from cryptography.fernet import Fernet
from pydantic import SecretStr

from connector.clock import FrozenClock
from connector.connect import connect_oauth, connect_token
from connector.errors import AuthorizationLost
from connector.model import Platform
from connector.oauth import OAuthApp, TokenVault
from connector.store import Store


class Platform_(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.codes: dict[str, str] = {}
        self.forge_state = False


class _Handler(BaseHTTPRequestHandler):
    server: Platform_

    def do_GET(self) -> None:  # the consent page: the user says yes at once
        query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
        code = f"code-{len(self.server.codes)}"
        self.server.codes[code] = query["redirect_uri"]
        state = "forged" if self.server.forge_state else query["state"]
        answer = urlencode({"code": code, "state": state, "realmId": "9130"})
        target = f"{query['redirect_uri']}?{answer}"
        self.send_response(302)
        self.send_header("location", target)
        self.send_header("content-length", "0")
        self.end_headers()

    def do_POST(self) -> None:  # the token endpoint: a code works once
        form = {
            k: v[0]
            for k, v in parse_qs(
                self.rfile.read(int(self.headers["content-length"])).decode()
            ).items()
        }
        ok = self.server.codes.pop(form.get("code", ""), None) == form.get("redirect_uri")
        body = json.dumps(
            {
                "access_token": "at-1",
                "refresh_token": "rt-1",
                "expires_in": 3600,
                "token_type": "bearer",
            }
            if ok
            else {"error": "invalid_grant"}
        ).encode()
        self.send_response(200 if ok else 400)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def platform() -> Iterator[Platform_]:
    server = Platform_()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[TokenVault]:
    with Store.open(f"sqlite:///{tmp_path / 's.sqlite'}") as store:
        store.ensure_tenant("acme", platform=Platform.QUICKBOOKS)
        yield TokenVault(store, Fernet(Fernet.generate_key()))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _app(platform: Platform_) -> OAuthApp:
    base = f"http://127.0.0.1:{platform.server_port}"
    return OAuthApp(
        "quickbooks",
        "app-id",
        SecretStr("app-secret"),
        token_url=f"{base}/token",
        authorize_url=f"{base}/authorize",
        scope="com.intuit.quickbooks.accounting",
        auth_method="client_secret_basic",
    )


def browser(url: str) -> bool:
    """Stands in for the user's browser: follows the consent page's redirect."""
    requests.get(url, timeout=5)
    return True


def test_the_code_comes_back_to_loopback_and_tokens_are_stored(
    platform: Platform_, vault: TokenVault
) -> None:
    clock = FrozenClock.on(date(2026, 3, 10))
    redirect = f"http://127.0.0.1:{_free_port()}/callback"
    token = connect_oauth(
        _app(platform), vault, "acme", clock, redirect_uri=redirect, open_browser=browser, wait=5
    )
    stored = vault.load("acme", "quickbooks")
    assert stored.refresh_token == "rt-1" and stored.extra == {"realmId": "9130"}
    assert stored.expires_at == clock.now() + timedelta(hours=1) == token.expires_at


def test_a_forged_state_is_refused(platform: Platform_, vault: TokenVault) -> None:
    platform.forge_state = True
    redirect = f"http://127.0.0.1:{_free_port()}/callback"
    with pytest.raises(AuthorizationLost, match="possible forgery"):
        connect_oauth(
            _app(platform),
            vault,
            "acme",
            FrozenClock.on(date(2026, 3, 10)),
            redirect_uri=redirect,
            open_browser=browser,
            wait=5,
        )
    with pytest.raises(AuthorizationLost, match="not connected"):
        vault.load("acme", "quickbooks")


def test_without_a_browser_the_user_pastes_the_address(
    platform: Platform_, vault: TokenVault
) -> None:
    def paste(url: str) -> str:  # the user opened `url` elsewhere and copied where it led
        consent = requests.get(url, allow_redirects=False, timeout=5)
        return str(consent.headers["location"])

    redirect = f"http://127.0.0.1:{_free_port()}/callback"
    connect_oauth(
        _app(platform),
        vault,
        "acme",
        FrozenClock.on(date(2026, 3, 10)),
        redirect_uri=redirect,
        open_browser=lambda url: False,
        paste=paste,
    )
    assert vault.load("acme", "quickbooks").access_token == "at-1"


def test_an_api_token_is_kept_encrypted_and_never_expires(vault: TokenVault) -> None:
    connect_token(vault, "acme", "pennylane", "  plt_0123456789abcdef  ")
    token = vault.load("acme", "pennylane")
    assert token.access_token == "plt_0123456789abcdef" and token.expires_at is None


def test_requests_for_other_paths_are_ignored_until_the_redirect_comes(
    platform: Platform_, vault: TokenVault
) -> None:
    port = _free_port()
    others = []

    def browser_asking_for_more(url: str) -> bool:
        """As a browser does: the tab's icon and a stray page of the same origin first."""
        for path in ("/favicon.ico", "/", "/callback/extra"):
            others.append(requests.get(f"http://127.0.0.1:{port}{path}", timeout=5).status_code)
        return browser(url)

    connect_oauth(
        _app(platform),
        vault,
        "acme",
        FrozenClock.on(date(2026, 3, 10)),
        redirect_uri=f"http://127.0.0.1:{port}/callback",
        open_browser=browser_asking_for_more,
        wait=5,
    )
    assert others == [404, 404, 404]
    assert vault.load("acme", "quickbooks").access_token == "at-1"


def test_without_the_redirect_the_catcher_waits_until_its_timeout(
    platform: Platform_, vault: TokenVault
) -> None:
    port = _free_port()

    def favicon_only(url: str) -> bool:  # the consent page is never answered
        requests.get(f"http://127.0.0.1:{port}/favicon.ico", timeout=5)
        return True

    with pytest.raises(AuthorizationLost, match="no answer from the consent page in time"):
        connect_oauth(
            _app(platform),
            vault,
            "acme",
            FrozenClock.on(date(2026, 3, 10)),
            redirect_uri=f"http://127.0.0.1:{port}/callback",
            open_browser=favicon_only,
            wait=0.5,
        )
    with pytest.raises(AuthorizationLost, match="not connected"):
        vault.load("acme", "quickbooks")
