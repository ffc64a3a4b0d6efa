"""The webhook receiver over real HTTP (uvicorn on loopback), with Pennylane's signatures."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NoReturn

import pytest
import requests
import uvicorn
from sqlalchemy.exc import OperationalError

from connector.clock import FrozenClock, SystemClock
from connector.http import HttpClient, HttpPolicy
from connector.metrics import Metrics
from connector.model import Platform
from connector.receiver import create_app
from connector.store import Store
from tests.emulators.pennylane import PennylaneState, seed
from tests.secrets_watch import watch

from .conftest import MakeSource

SECRET = "whsec_receiver_0123456789"
OTHER_SECRET = "whsec_receiver_other_0123"


@pytest.fixture
def store(tmp_path: Path, pl_clock: FrozenClock) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 's.sqlite'}", clock=pl_clock) as store:
        store.ensure_tenant("acme", platform=Platform.PENNYLANE)
        store.ensure_tenant("other", platform=Platform.PENNYLANE)
        store.ensure_tenant("books", platform=Platform.QUICKBOOKS)
        yield store


@pytest.fixture
def subscription(pl_state: PennylaneState) -> int:
    watch(SECRET, OTHER_SECRET)
    seed(pl_state, customers=5, invoices=20, today=pl_state.clock.now().date())
    pl_state.subscriptions[1] = {
        "id": 1,
        "callback_url": "http://127.0.0.1/webhooks/pennylane/acme",
        "events": ["customer_invoice.updated"],
        "enabled": True,
        "secret": SECRET,
    }
    return 1


@pytest.fixture
def metrics(store: Store) -> Iterator[Metrics]:
    figures = Metrics()
    figures.watch_requests()
    figures.gauges(store.inbox_depth, store.overdue_since, SystemClock().now)
    yield figures
    figures.close()


@pytest.fixture
def receiver(
    store: Store, make_source: MakeSource, subscription: int, metrics: Metrics
) -> Iterator[str]:
    sources = {
        "acme": make_source(webhook_secret=SECRET),
        "other": make_source(webhook_secret=OTHER_SECRET),
    }
    app = create_app(store, sources.get, max_body=64 * 1024, metrics=metrics)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the receiver did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _post(url: str, headers: dict[str, str], body: bytes) -> requests.Response:
    with requests.Session() as session:
        return session.post(url, headers=headers, data=body, timeout=10)


def test_a_signed_delivery_is_stored_once(
    receiver: str, pl_state: PennylaneState, store: Store, subscription: int
) -> None:
    invoice = next(iter(pl_state.invoices))
    headers, body = pl_state.signed_delivery(
        subscription, "customer_invoice.updated", {"id": invoice}, delivery_id="dlv_r1"
    )
    first = _post(f"{receiver}/webhooks/pennylane/acme", headers, body)
    again = _post(f"{receiver}/webhooks/pennylane/acme", headers, body)
    assert (first.status_code, first.json()) == (202, {"events": 1, "new": 1})
    assert (again.status_code, again.json()) == (202, {"events": 1, "new": 0})
    (pending,) = store.pending_inbound("acme")
    assert pending.event_id == "dlv_r1"


def test_concurrent_deliveries_each_answer_after_their_own_commit(
    receiver: str, pl_state: PennylaneState, store: Store, subscription: int
) -> None:
    deliveries = [
        pl_state.signed_delivery(
            subscription, "customer_invoice.updated", {"id": n}, delivery_id=f"dlv_c{n}"
        )
        for n in range(40)
    ]
    with ThreadPoolExecutor(16) as pool:
        answers = list(
            pool.map(lambda d: _post(f"{receiver}/webhooks/pennylane/acme", *d), deliveries)
        )
    assert [(a.status_code, a.json()) for a in answers] == [(202, {"events": 1, "new": 1})] * 40
    assert store.inbox_depth() == 40  # every 202 was committed before it was sent


def test_a_store_that_cannot_commit_answers_503_so_the_platform_retries(
    receiver: str,
    pl_state: PennylaneState,
    store: Store,
    subscription: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def down(*_: object) -> NoReturn:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(store, "record_inbound_batch", down)
    monkeypatch.setattr(store, "record_inbound", down)
    headers, body = pl_state.signed_delivery(subscription, "customer_invoice.updated", {"id": 1})
    answer = _post(f"{receiver}/webhooks/pennylane/acme", headers, body)
    assert answer.status_code == 503
    assert answer.json()["hint"] == "the platform will retry"
    monkeypatch.undo()
    again = _post(f"{receiver}/webhooks/pennylane/acme", headers, body)
    assert (again.status_code, again.json()["new"]) == (202, 1)


def test_a_forged_or_unsigned_delivery_is_refused_and_nothing_stored(
    receiver: str, pl_state: PennylaneState, store: Store, subscription: int
) -> None:
    headers, body = pl_state.signed_delivery(subscription, "customer_invoice.updated", {"id": 1})
    forged = _post(
        f"{receiver}/webhooks/pennylane/acme", headers, body.replace(b'"id": 1', b'"id": 2')
    )
    unsigned = _post(f"{receiver}/webhooks/pennylane/acme", {}, body)
    for answer in (forged, unsigned):
        assert answer.status_code == 401
        assert answer.json()["error"]
    assert store.pending_inbound("acme") == []
    # the forged one is counted for the tenant's settings page; the one without a signature
    # header is a stranger's (the log only); nothing of either is kept
    refusals = store.inbox_summary("acme").refusals
    assert refusals is not None and refusals.count == 1
    assert refusals.reason == "Pennylane webhook signature does not match"


def test_one_tenant_s_delivery_cannot_land_in_another(
    receiver: str, pl_state: PennylaneState, store: Store, subscription: int
) -> None:
    headers, body = pl_state.signed_delivery(subscription, "customer_invoice.updated", {"id": 1})
    answer = _post(f"{receiver}/webhooks/pennylane/other", headers, body)
    assert answer.status_code == 401  # signed with acme's secret, not other's
    assert store.pending_inbound("other") == []
    refusals = store.inbox_summary("other").refusals
    assert refusals is not None and refusals.count == 1
    assert store.inbox_summary("acme").refusals is None


def test_a_signed_body_relance_cannot_read_is_acknowledged_and_stores_nothing(
    receiver: str, store: Store, pl_clock: FrozenClock
) -> None:
    """Signed by Pennylane, so answered 2xx: an error would get the subscription disabled
    (pennylane.readme.io/docs/failures-lifecycle); the changelog brings the change."""
    now = int(pl_clock.now().timestamp())
    body = b"{not json"
    mac = hmac.new(SECRET.encode(), f"{now}.".encode() + body, hashlib.sha256).hexdigest()
    answer = _post(
        f"{receiver}/webhooks/pennylane/acme",
        {"X-Pennylane-Signature": f"t={now},v1={mac}", "Content-Type": "application/json"},
        body,
    )
    assert (answer.status_code, answer.json()) == (202, {"events": 0, "new": 0})
    assert store.pending_inbound("acme") == []


def test_unknown_addresses_and_oversized_bodies(receiver: str) -> None:
    unknown = _post(f"{receiver}/webhooks/pennylane/nobody", {}, b"{}")
    wrong = _post(f"{receiver}/webhooks/quickbooks/acme", {}, b"{}")
    unsigned = _post(f"{receiver}/webhooks/quickbooks/books", {}, b"{}")
    for answer in (unknown, wrong, unsigned):  # which of them exists is not told
        assert (answer.status_code, answer.json()) == (401, unknown.json())
    huge = _post(f"{receiver}/webhooks/pennylane/acme", {}, b"x" * (65 * 1024))
    assert huge.status_code == 413


def test_health_readiness_and_the_published_description(receiver: str) -> None:
    assert requests.get(f"{receiver}/healthz", timeout=5).json() == {"status": "ok"}
    assert requests.get(f"{receiver}/readyz", timeout=5).json() == {"status": "ready"}
    spec = requests.get(f"{receiver}/openapi.json", timeout=5).json()
    assert "/webhooks/{platform}/{tenant}" in spec["paths"]
    assert set(spec["paths"]["/webhooks/{platform}/{tenant}"]["post"]["responses"]) >= {
        "202",
        "401",
        "413",
    }


def _sample(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith(f"{name}{{{wanted}}} ") or (not labels and line.startswith(f"{name} ")):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no {name}{{{wanted}}} in /metrics")


def test_metrics_count_intake_depth_and_api_calls(
    receiver: str, pl_state: PennylaneState, pl_clock: FrozenClock, subscription: int
) -> None:
    headers, body = pl_state.signed_delivery(subscription, "customer_invoice.updated", {"id": 1})
    _post(f"{receiver}/webhooks/pennylane/acme", headers, body)
    _post(f"{receiver}/webhooks/pennylane/acme", {}, body)
    policy = HttpPolicy(platform="probe", rate=100.0, burst=10)
    http = HttpClient(policy, base_url=receiver, tenant="acme", clock=pl_clock)
    try:
        http.request("GET", "/healthz")
    finally:
        http.close()
    page = requests.get(f"{receiver}/metrics", timeout=5)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/plain")
    text = page.text
    assert (
        _sample(text, "relance_webhook_events_total", outcome="stored", platform="pennylane") == 1
    )
    assert (
        _sample(text, "relance_webhook_events_total", outcome="refused", platform="pennylane") == 1
    )
    assert _sample(text, "relance_inbox_depth") == 1
    assert _sample(text, "relance_api_calls_total", platform="probe", status="200") == 1
