"""Tokens against a real OAuth2 token endpoint on loopback that rotates refresh tokens."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import text

from connector.clock import FrozenClock
from connector.errors import AuthorizationLost, ConfigError
from connector.http import HttpClient, HttpPolicy
from connector.model import Platform
from connector.oauth import BearerAuth, OAuthApp, Token, TokenManager, TokenVault, load_fernet
from connector.settings import Settings
from connector.store import Store


class Identity(ThreadingHTTPServer):
    """A token endpoint (rotation: each refresh token works once) and an API that wants it."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.refresh_tokens = {"rt-0"}
        self.access_tokens: set[str] = set()
        self.issued = 0
        self.api_calls: list[str] = []
        self.refresh_seconds = 0.0  # a slow token endpoint: concurrent refreshes overlap


class _Handler(BaseHTTPRequestHandler):
    server: Identity

    def _send(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        form = parse_qs(self.rfile.read(int(self.headers["content-length"])).decode())
        token = form.get("refresh_token", [""])[0]
        if form.get("client_secret") != ["app-secret"]:
            return self._send(401, {"error": "invalid_client"})
        time.sleep(self.server.refresh_seconds)
        if token not in self.server.refresh_tokens:
            return self._send(400, {"error": "invalid_grant"})
        self.server.refresh_tokens.discard(token)  # rotation: the old one dies
        self.server.issued += 1
        n = self.server.issued
        self.server.refresh_tokens.add(f"rt-{n}")
        self.server.access_tokens = {f"at-{n}"}
        return self._send(
            200,
            {
                "access_token": f"at-{n}",
                "refresh_token": f"rt-{n}",
                "expires_in": 3600,
                "token_type": "Bearer",
            },
        )

    def do_GET(self) -> None:
        auth = self.headers.get("Authorization", "")
        self.server.api_calls.append(auth)
        if auth.removeprefix("Bearer ") in self.server.access_tokens:
            return self._send(200, {"ok": True})
        return self._send(401, {"error": "invalid_token"})

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def identity() -> Iterator[Identity]:
    server = Identity()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[TokenVault]:
    clock = FrozenClock.on(date(2026, 3, 10))
    with Store.open(f"sqlite:///{tmp_path / 's.sqlite'}", clock=clock) as store:
        store.ensure_tenant("acme", platform=Platform.PENNYLANE)
        yield TokenVault(store, Fernet(Fernet.generate_key()))


def _manager(identity: Identity, vault: TokenVault, clock: FrozenClock) -> TokenManager:
    app = OAuthApp(
        "pennylane",
        "app-id",
        SecretStr("app-secret"),
        token_url=f"http://127.0.0.1:{identity.server_port}/oauth/token",
    )
    return TokenManager(app, vault, "acme", clock)


def test_a_token_is_refreshed_ahead_of_expiry_and_the_rotation_is_kept(
    identity: Identity, vault: TokenVault
) -> None:
    clock = FrozenClock.on(date(2026, 3, 10))
    vault.save("acme", "pennylane", Token("at-0", "rt-0", clock.now() + timedelta(minutes=3)))
    manager = _manager(identity, vault, clock)
    assert manager.access_token() == "at-1"  # 3 min left < 5 min margin: refreshed first
    stored = vault.load("acme", "pennylane")
    assert stored.refresh_token == "rt-1"  # the rotated one, saved before use
    assert stored.expires_at == clock.now() + timedelta(hours=1)
    assert manager.access_token() == "at-1" and identity.issued == 1  # still valid: no call
    with vault._store.engine.connect() as conn:
        ciphertext = conn.execute(text("SELECT ciphertext FROM credentials")).scalar_one()
    assert "rt-1" not in ciphertext and "at-1" not in ciphertext
    assert "rt-1" not in repr(stored)


def test_a_refused_refresh_marks_the_tenant_for_reconnection(
    identity: Identity, vault: TokenVault
) -> None:
    clock = FrozenClock.on(date(2026, 3, 10))
    vault.save("acme", "pennylane", Token("at-x", "rt-revoked", clock.now()))
    manager = _manager(identity, vault, clock)
    with pytest.raises(AuthorizationLost) as error:
        manager.access_token()
    assert "invalid_grant" in str(error.value)
    assert "relance connect pennylane --tenant acme" in str(error.value)
    with pytest.raises(AuthorizationLost, match="refused"):
        vault.load("acme", "pennylane")  # stays marked until the tenant reconnects


def test_a_401_refreshes_once_and_replays_once(identity: Identity, vault: TokenVault) -> None:
    clock = FrozenClock.on(date(2026, 3, 10))
    vault.save("acme", "pennylane", Token("at-stale", "rt-0", clock.now() + timedelta(hours=1)))
    http = HttpClient(
        HttpPolicy(platform="pennylane", rate=5, burst=5),
        base_url=f"http://127.0.0.1:{identity.server_port}",
        tenant="acme",
        clock=clock,
        auth=BearerAuth(_manager(identity, vault, clock)),
    )
    assert http.request("GET", "/api/me").json() == {"ok": True}
    assert identity.api_calls == ["Bearer at-stale", "Bearer at-1"]


def test_no_key_no_storage(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="RELANCE_SECRET_KEY"):
        load_fernet(Settings(secret_key=None, secret_key_file=None))
    with pytest.raises(ConfigError, match="not a Fernet key"):
        load_fernet(Settings(secret_key=SecretStr("too-short")))
    key_file = tmp_path / "key"
    key_file.write_text(Fernet.generate_key().decode(), encoding="utf-8")
    assert load_fernet(Settings(secret_key_file=key_file))


def test_two_replicas_refreshing_at_once_rotate_the_token_once(
    identity: Identity, pg_url: str
) -> None:
    """Two daemons (two stores, two processes' worth of state) find the same token expiring:
    one refreshes, the other waits for it and uses the rotated pair."""
    clock = FrozenClock.on(date(2026, 3, 10))
    key = Fernet.generate_key()
    stores = [Store.open(pg_url, clock=clock) for _ in range(2)]
    try:
        stores[0].ensure_tenant("acme", platform=Platform.PENNYLANE)
        vaults = [TokenVault(store, Fernet(key)) for store in stores]
        vaults[0].save("acme", "pennylane", Token("at-0", "rt-0", clock.now()))
        identity.refresh_seconds = 0.3
        managers = [_manager(identity, vault, clock) for vault in vaults]
        start, got = threading.Barrier(2), []

        def replica(manager: TokenManager) -> None:
            start.wait()
            got.append(manager.access_token())

        threads = [threading.Thread(target=replica, args=(m,)) for m in managers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert got == ["at-1", "at-1"] and identity.issued == 1
        assert vaults[1].load("acme", "pennylane").refresh_token == "rt-1", "still connected"
    finally:
        with stores[0].engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        for store in stores:
            store.close()
