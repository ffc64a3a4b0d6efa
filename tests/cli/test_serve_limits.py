"""`relance serve` as a process under hostile traffic, over raw sockets: connections that
never finish their headers or their body are closed by the server, refusals come before the
body is read, deliveries beyond the cap get a 503, a client leaving is not an error, and
every log line (uvicorn's too) is JSON. Limits come from the ``[receiver]`` settings (here
from the environment, small, so that each test ends quickly)."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet

from adapters.pennylane.source import WEBHOOK_KEY
from connector.cli import main
from connector.clock import SystemClock
from connector.oauth import Token, TokenVault
from connector.store import Store
from tests.processes import free_port, wait_until_up
from tests.secrets_watch import watch

from .test_serve_cmd import SECRET, _signed

PATH = "/webhooks/pennylane/acme"
GUARD = 30.0  # seconds a socket waits for the server before the test fails (never reached)


class Served:
    def __init__(self, port: int, log: Path) -> None:
        self.port, self.log = port, log
        self.base = f"http://127.0.0.1:{port}"

    def connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=GUARD)
        return sock

    def lines(self) -> list[dict[str, str]]:
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]


Serve = Callable[..., Served]


def _prepare(folder: Path) -> str:
    """A relance folder with a Pennylane tenant whose webhook secret is in the vault (as
    `relance webhooks subscribe` leaves it); returns the vault's key."""
    url = f"sqlite:///{folder / 'relance.sqlite'}"
    (folder / "relance.toml").write_text(
        f'store_url = "{url}"\noutbox_dir = "outbox"\ntenants_dir = "tenants"\n',
        encoding="utf-8",
    )
    here = Path.cwd()
    os.chdir(folder)
    try:
        assert main(["init", "--tenant", "acme", "--platform", "pennylane"]) == 0
    finally:
        os.chdir(here)
    key = Fernet.generate_key().decode()
    with Store.open(url, clock=SystemClock()) as store:
        TokenVault(store, Fernet(key.encode())).save(
            "acme", WEBHOOK_KEY, Token(SECRET, None, None, {"subscription_id": "1"})
        )
    return key


@contextmanager
def _serving(folder: Path) -> Iterator[Serve]:
    """Start `relance serve --json-logs` in ``folder``, ``[receiver]`` limits from the
    environment; each process is stopped at the end."""
    watch(SECRET)
    key = _prepare(folder)
    started: list[subprocess.Popen[bytes]] = []

    def start(*options: str, **limits: float) -> Served:
        port, log = free_port(), folder / f"serve-{len(started)}.log"
        env = {f"RELANCE_RECEIVER__{k.upper()}": str(v) for k, v in limits.items()}
        with log.open("wb") as written:
            proc = subprocess.Popen(
                [sys.executable, "-m", "connector", "serve", "--port", str(port), "--json-logs",
                 *options],
                cwd=folder, env={**os.environ, "RELANCE_SECRET_KEY": key, **env},
                stdout=subprocess.DEVNULL, stderr=written,
            )  # fmt: skip
        started.append(proc)
        wait_until_up(proc, f"http://127.0.0.1:{port}/healthz")
        return Served(port, log)

    try:
        yield start
    finally:
        for proc in started:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    with _serving(tmp_path) as start:
        yield start


@pytest.fixture(scope="module")
def tight(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One receiver for the tests that only need short deadlines (half a second each)."""
    with _serving(tmp_path_factory.mktemp("tight")) as start:
        yield start(header_timeout=0.5, body_timeout=0.5)


def _answer(sock: socket.socket) -> tuple[bytes, bool]:
    """What the server sends until it closes the connection: (bytes, closed by the server)."""
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except TimeoutError:
        return received, False
    except ConnectionResetError:
        pass
    return received, True


def _status(raw: bytes) -> int:
    return int(raw.split(b" ", 2)[1]) if raw.startswith(b"HTTP/1.1 ") else 0


def _head(path: str, *headers: str, length: int = 1024 * 1024) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: x", "Content-Type: application/json",
             f"Content-Length: {length}", *headers]  # fmt: skip
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _signature() -> str:
    return f"X-Pennylane-Signature: t={int(time.time())},v1={'0' * 64}"


def test_connections_that_do_not_finish_their_headers_are_closed(tight: Served) -> None:
    served = tight
    silent = [served.connect() for _ in range(5)]
    trickling = [served.connect() for _ in range(5)]
    for sock in trickling:
        sock.sendall(b"POST /webhooks/pennylane/acme HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    kept_alive = served.connect()  # one request answered, then the next one's headers trickle
    kept_alive.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    first = b""
    while not first.endswith(b'{"status":"ok"}'):
        first += kept_alive.recv(65536)
    assert first.startswith(b"HTTP/1.1 200")
    kept_alive.sendall(b"GET /healthz HTTP/1.1\r\n")
    for sock in [*trickling, kept_alive]:  # a byte now and then does not keep them open
        end = time.monotonic() + GUARD
        while not select.select([sock], [], [], 0.1)[0] and time.monotonic() < end:
            sock.sendall(b"a")
    for sock in [*silent, *trickling, kept_alive]:
        raw, closed = _answer(sock)
        assert closed and _status(raw) == 408, raw
        sock.close()
    assert requests.get(f"{served.base}/healthz", timeout=5).status_code == 200


def test_a_body_that_stops_coming_gets_a_408_and_the_connection_closed(tight: Served) -> None:
    with tight.connect() as sock:
        sock.sendall(_head(PATH, _signature(), length=1000) + b'{"id": "evt_')
        raw, closed = _answer(sock)
    assert closed and _status(raw) == 408, raw
    assert b"did not arrive in time" in raw


@pytest.mark.parametrize(
    ("path", "header"),
    [
        ("/webhooks/pennylane/nobody", _signature()),  # no such tenant
        ("/webhooks/quickbooks/acme", "intuit-signature: " + "A" * 43 + "="),  # other platform
        (PATH, "X-Other: 1"),  # no signature
        (PATH, f"X-Pennylane-Signature: t={'9' * 5000},v1={'0' * 64}"),  # 5,000-digit timestamp
        (PATH, "X-Pennylane-Signature: t=1,v1=not-hex"),
    ],
    ids=["unknown-tenant", "other-platform", "unsigned", "long-timestamp", "bad-mac"],
)
def test_refusals_come_before_the_body_is_read(tight: Served, path: str, header: str) -> None:
    with tight.connect() as sock:
        sock.sendall(_head(path, header))  # 1 MiB announced, not a byte of it sent
        raw, closed = _answer(sock)
    assert closed and _status(raw) == 401, raw[:200]
    assert json.loads(raw.split(b"\r\n\r\n", 1)[1])["error"] == "delivery refused"


@pytest.mark.parametrize(
    ("limits", "room"),
    [({"max_requests": 3}, 3), ({"max_buffered": 2048, "max_body": 1024}, 2)],
    ids=["deliveries", "body-bytes"],
)
def test_deliveries_beyond_the_cap_get_a_503_and_leaving_is_not_an_error(
    serve: Serve, limits: dict[str, int], room: int
) -> None:
    served = serve(body_timeout=GUARD, **limits)
    stalled = [served.connect() for _ in range(room)]
    for sock in stalled:  # each in hand: the receiver asked for its body
        sock.sendall(_head(PATH, _signature(), "Expect: 100-continue", length=1000))
        assert sock.recv(100).startswith(b"HTTP/1.1 100")
    with served.connect() as extra:
        extra.sendall(_head(PATH, _signature(), length=1000))
        raw, closed = _answer(extra)
    assert closed and _status(raw) == 503 and b"retry-after: 1" in raw.lower(), raw
    for sock in stalled:  # the callers give up, half-way through their bodies
        sock.sendall(b'{"id": ')
        sock.close()
    for _ in range(100):  # the slots come back once the receiver has seen them leave
        headers, body = _signed("evt_after_the_flood")
        answer = requests.post(f"{served.base}{PATH}", headers=headers, data=body, timeout=10)
        if answer.status_code != 503:
            break
        time.sleep(0.05)
    assert answer.status_code == 202, answer.text
    lines = served.lines()  # every line JSON (this fails on any other), uvicorn's included
    assert any(line["logger"].startswith("uvicorn") for line in lines)
    assert [line for line in lines if line["level"] in ("error", "critical")] == []


def test_the_docs_move_to_the_ops_port(serve: Serve) -> None:
    ops_port = free_port()
    moved = serve("--ops-port", str(ops_port))
    ops = f"http://127.0.0.1:{ops_port}"
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert requests.get(f"{moved.base}{path}", timeout=5).status_code == 404, path
        assert requests.get(f"{ops}{path}", timeout=5).status_code == 200, path
    assert (
        "/webhooks/{platform}/{tenant}"
        in (requests.get(f"{ops}/openapi.json", timeout=5).json()["paths"])
    )
    assert requests.get(f"{moved.base}/readyz", timeout=5).status_code == 200  # probes stay
