"""The HTTP layer against a real server on loopback, with a frozen clock for every wait."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from connector.clock import FrozenClock
from connector.errors import RateLimited, SourceRejected, SourceUnavailable
from connector.http import HttpClient, HttpPolicy, RateLimiter, WindowLimiter, parse_retry_after


class Scripted(ThreadingHTTPServer):
    """Answers each request with the next scripted (status, headers) and records requests."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script: list[tuple[int, dict[str, str]]] = []
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        self.release = threading.Event()
        self.release.set()


class _Handler(BaseHTTPRequestHandler):
    server: Scripted

    def _answer(self) -> None:
        self.server.seen.append((self.command, self.path, dict(self.headers)))
        self.server.release.wait(5)
        status, headers = self.server.script.pop(0) if self.server.script else (200, {})
        body = b'{"ok": true}'
        self.send_response(status)
        for name, value in {"content-type": "application/json", **headers}.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[Scripted]:
    httpd = Scripted()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()


POLICY = HttpPolicy(platform="pennylane", rate=5.0, burst=5, read_timeout=2.0)


def client(server: Scripted, clock: FrozenClock, policy: HttpPolicy = POLICY) -> HttpClient:
    return HttpClient(
        policy, base_url=f"http://127.0.0.1:{server.server_port}/api", tenant="acme", clock=clock
    )


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock.on(date(2026, 3, 10))


def test_a_429_is_retried_after_the_time_the_server_asks(
    server: Scripted, clock: FrozenClock
) -> None:
    server.script = [(429, {"retry-after": "3"}), (200, {})]
    response = client(server, clock).request("GET", "/customer_invoices", params={"limit": 100})
    assert response.json() == {"ok": True}
    assert len(server.seen) == 2
    assert 3.0 in clock.slept
    method, path, headers = server.seen[0]
    assert method == "GET"
    assert path == "/api/customer_invoices?limit=100"
    assert headers["User-Agent"].startswith("relance/")


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    assert parse_retry_after(format_datetime(now + timedelta(seconds=42), usegmt=True), now) == 42
    assert parse_retry_after("7", now) == 7
    assert parse_retry_after("soon", now) is None


def test_a_wait_longer_than_the_cap_goes_back_to_the_caller(
    server: Scripted, clock: FrozenClock
) -> None:
    server.script = [(429, {"retry-after": "3600"})]
    with pytest.raises(RateLimited) as error:
        client(server, clock).request("GET", "/x")
    assert error.value.retry_after == 3600 and len(server.seen) == 1


def test_5xx_is_retried_with_backoff_then_gives_up(server: Scripted, clock: FrozenClock) -> None:
    server.script = [(503, {})] * 10
    with pytest.raises(SourceUnavailable, match="HTTP 503"):
        client(server, clock).request("GET", "/x")
    assert len(server.seen) == POLICY.max_attempts
    assert len(clock.slept) >= POLICY.max_attempts - 1


def test_a_write_is_not_replayed_blindly_on_5xx(server: Scripted, clock: FrozenClock) -> None:
    server.script = [(500, {}), (200, {})]
    with pytest.raises(SourceUnavailable):
        client(server, clock).request("POST", "/notes", json={"note": "x"})
    assert len(server.seen) == 1
    server.seen.clear()
    server.script = [(500, {}), (200, {})]
    client(server, clock).request("POST", "/notes", json={"note": "x"}, idempotency_key="k-1")
    assert len(server.seen) == 2
    assert server.seen[1][2]["Idempotency-Key"] == "k-1"


def test_a_4xx_is_final(server: Scripted, clock: FrozenClock) -> None:
    server.script = [(404, {"x-request-id": "req-9"})]
    with pytest.raises(SourceRejected) as error:
        client(server, clock).request("GET", "/missing")
    assert error.value.status == 404 and error.value.request_id == "req-9"
    assert len(server.seen) == 1


def test_the_limiter_keeps_under_the_documented_rate() -> None:
    clock = FrozenClock.on(date(2026, 3, 10))
    limiter = RateLimiter(rate=5, burst=5, clock=clock)
    waits = [limiter.acquire() for _ in range(15)]
    assert waits[:5] == [0.0] * 5  # the burst
    assert sum(waits) == pytest.approx(2.0)  # 10 more at 5 per second
    assert clock.now() - FrozenClock.on(date(2026, 3, 10)).now() == timedelta(seconds=2)


def test_a_sliding_window_limit_gives_the_burst_then_the_pace() -> None:
    clock = FrozenClock.on(date(2026, 3, 10))
    limiter = WindowLimiter(limit=25, window=5.0, clock=clock, margin=0.1)
    start = clock.now()
    stamps = []
    for _ in range(60):
        limiter.acquire()
        stamps.append(clock.now())
    assert stamps[24] == start and stamps[25] == start + timedelta(seconds=5.1)
    for i in range(25, 60):  # never more than 25 in any 5 s
        assert stamps[i] - stamps[i - 25] >= timedelta(seconds=5)


def test_clients_of_one_tenant_share_one_budget() -> None:
    clock = FrozenClock.on(date(2026, 3, 10))
    policy = HttpPolicy(platform="pennylane", rate=5.0, burst=25, window=5.0)
    a = HttpClient(policy, base_url="http://127.0.0.1:9", tenant="acme", clock=clock)
    b = HttpClient(policy, base_url="http://127.0.0.1:9", tenant="acme", clock=clock)
    c = HttpClient(policy, base_url="http://127.0.0.1:9", tenant="other", clock=clock)
    assert a._limiter is b._limiter and a._limiter is not c._limiter
    for client in (a, b, c):
        client.close()


def test_a_slow_server_times_out(server: Scripted, clock: FrozenClock) -> None:
    server.release.clear()  # the server holds every answer
    policy = HttpPolicy(platform="pennylane", rate=5.0, read_timeout=0.3, max_attempts=2)
    with pytest.raises(SourceUnavailable, match="did not answer in time"):
        client(server, clock, policy).request("GET", "/slow")
    assert len(server.seen) == 2


def test_logs_name_the_call_but_never_a_secret(
    server: Scripted, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    http = client(server, clock)
    http.session.headers["Authorization"] = "Bearer s3cr3t-token"
    server.script = [(200, {"x-request-id": "req-1"})]
    with caplog.at_level(logging.INFO, logger="connector.http"):
        http.request("GET", "/customers", params={"filter": "email=jane@example.com"})
    text = caplog.text
    assert "GET /customers 200" in text and "request_id=req-1" in text
    assert "s3cr3t" not in text and "jane@example.com" not in text
    assert isinstance(http.session, requests.Session)
