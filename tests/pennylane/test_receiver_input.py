"""The receiver over real HTTP against what a hostile or broken sender puts in a request:
malformed signatures, signed bodies that are not what they should be, ids too long for the
inbox, made-up platforms. Each gets a 4xx (never a 500, never a 503 that a retry repeats),
and an anonymous caller learns nothing about the tenants."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
import uvicorn
from fastapi import FastAPI
from sqlalchemy import text

from connector.clock import FrozenClock
from connector.metrics import Metrics
from connector.model import Platform
from connector.receiver import create_app
from connector.store import Store
from tests.secrets_watch import watch

from .conftest import MakeSource

SECRET = "whsec_receiver_input_0123456789"
PATH = "/webhooks/pennylane/acme"


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """``app`` on a loopback port of its own, in a thread: its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the receiver did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path, pl_clock: FrozenClock) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 's.sqlite'}"
    else:
        url = request.getfixturevalue("pg_url")
    opened = Store.open(url, clock=pl_clock)
    opened.ensure_tenant("acme", platform=Platform.PENNYLANE)
    opened.ensure_tenant("bare", platform=Platform.PENNYLANE)  # no webhook subscription
    try:
        yield opened
    finally:
        if request.param == "postgresql":  # the next test starts from an empty schema
            with opened.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        opened.close()


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def receiver(store: Store, make_source: MakeSource, metrics: Metrics) -> Iterator[str]:
    watch(SECRET)
    sources = {"acme": make_source(webhook_secret=SECRET), "bare": make_source()}
    with served(create_app(store, sources.get, metrics=metrics)) as base:
        yield base


def signed(clock: FrozenClock, body: bytes, *, stamp: str | None = None) -> dict[str, str]:
    now = stamp or str(int(clock.now().timestamp()))
    mac = hmac.new(SECRET.encode(), f"{now}.".encode() + body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Pennylane-Signature": f"t={now},v1={mac}"}


def envelope(event_id: str = "evt_1", obj: object = None) -> bytes:
    data = {"object": {"id": 7} if obj is None else obj}
    return json.dumps({"id": event_id, "event": "customer_invoice.updated", "data": data}).encode()


def post(base: str, headers: dict[str, str], body: bytes, path: str = PATH) -> requests.Response:
    return requests.post(f"{base}{path}", headers=headers, data=body, timeout=30)


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
@pytest.mark.parametrize("digits", [5000, 400, 13])
def test_a_malformed_signature_timestamp_is_refused_not_a_crash(
    receiver: str, pl_clock: FrozenClock, digits: int
) -> None:
    body = envelope()
    answer = post(receiver, signed(pl_clock, body, stamp="9" * digits), body)
    assert answer.status_code == 401, answer.text  # 5,000 digits: int() refuses; 400: overflow


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_a_signed_body_nested_100000_deep_is_a_400(
    receiver: str, pl_clock: FrozenClock, store: Store
) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    answer = post(receiver, signed(pl_clock, body), body)
    assert answer.status_code == 400, answer.text
    assert store.pending_inbound("acme") == []


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "body",
    [
        envelope(obj=5),  # a number where the invoice object should be
        envelope(obj="xid"),
        envelope(obj=["id"]),
        json.dumps({"id": "e", "event": "customer_invoice.updated", "data": [1]}).encode(),
        json.dumps(["not", "an", "object"]).encode(),
        json.dumps("just a string").encode(),
    ],
    ids=["number", "string", "list", "data-list", "top-list", "top-string"],
)
def test_a_signed_body_with_a_wrong_type_is_a_400_or_nothing_to_do(
    receiver: str, pl_clock: FrozenClock, body: bytes, store: Store
) -> None:
    answer = post(receiver, signed(pl_clock, body), body)
    assert answer.status_code in (202, 400), answer.text
    if answer.status_code == 202:  # read as naming no invoice: nothing stored
        assert answer.json() == {"events": 0, "new": 0}
    assert store.pending_inbound("acme") == []


@pytest.mark.parametrize("event_id", ["evt_" + "x" * 296, "evt_\u0000nul", "\u00e9" * 201])
def test_an_event_id_the_inbox_cannot_hold_is_stored_as_its_digest_on_both_stores(
    receiver: str, pl_clock: FrozenClock, store: Store, event_id: str
) -> None:
    body = envelope(event_id)
    first = post(receiver, signed(pl_clock, body), body)
    again = post(receiver, signed(pl_clock, body), body)
    assert (first.status_code, first.json()) == (202, {"events": 1, "new": 1}), first.text
    assert (again.status_code, again.json()) == (202, {"events": 1, "new": 0})
    (stored,) = store.pending_inbound("acme")
    assert stored.event_id == "sha256:" + hashlib.sha256(event_id.encode()).hexdigest()


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_made_up_platforms_do_not_become_metric_series(
    receiver: str, pl_clock: FrozenClock, metrics: Metrics
) -> None:
    body = envelope()
    for n in range(300):
        post(receiver, signed(pl_clock, body), body, path=f"/webhooks/made-up-{n}/acme")
    page = requests.get(f"{receiver}/metrics", timeout=5).text
    series = [line for line in page.splitlines() if line.startswith("relance_webhook_events_total")]
    assert series == ['relance_webhook_events_total{outcome="refused",platform="other"} 300.0']


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_refusals_tell_a_stranger_nothing_and_the_log_says_why(
    receiver: str, pl_clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    body = envelope()
    good = signed(pl_clock, body)
    wrong = {**good, "X-Pennylane-Signature": f"t={int(pl_clock.now().timestamp())},v1={'0' * 64}"}
    with caplog.at_level(logging.WARNING, logger="connector.receiver"):
        answers = {
            "unknown tenant": post(receiver, good, body, path="/webhooks/pennylane/nobody"),
            "other platform": post(
                receiver,
                {**good, "intuit-signature": "A" * 43 + "="},  # QuickBooks' shape
                body,
                path="/webhooks/quickbooks/acme",
            ),
            "no subscription": post(receiver, good, body, path="/webhooks/pennylane/bare"),
            "no signature": post(receiver, {}, body),
            "wrong signature": post(receiver, wrong, body),
            "stale signature": post(receiver, signed(pl_clock, body, stamp="1000000000"), body),
        }
    first = answers["unknown tenant"]
    for case, answer in answers.items():
        assert (answer.status_code, answer.content) == (401, first.content), case
    assert "bare" not in first.text and "pennylane" not in first.text
    logged = caplog.text
    for reason in ("no such tenant", "the tenant is on pennylane", "no Pennylane webhook",
                   "no X-Pennylane-Signature", "does not match", "too long ago"):  # fmt: skip
        assert reason in logged, reason
