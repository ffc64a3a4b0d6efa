"""Intuit's one webhook address per app, over real HTTP: deliveries routed by realmId."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import requests
import uvicorn

from adapters.quickbooks.client import POLICY, QuickBooksClient, classify
from adapters.quickbooks.source import QuickBooksSource
from connector.clock import FrozenClock
from connector.http import HttpClient
from connector.metrics import Metrics
from connector.model import Platform
from connector.receiver import create_app
from connector.source import Source
from connector.store import Store
from tests.emulators.quickbooks import QuickBooksEmulator, QuickBooksState

from .conftest import VERIFIER

NORTH, SOUTH, ELSEWHERE = "4620816365000001", "4620816365000002", "4620816365000009"
REALMS = {"acme": NORTH, "acme-books": NORTH, "south": SOUTH}  # two tenants on one company


@pytest.fixture
def sources(
    qb_server: QuickBooksEmulator, qb_clock: FrozenClock, store: Store
) -> Iterator[dict[str, Source]]:
    made: dict[str, Source] = {}
    for slug, realm in REALMS.items():
        store.ensure_tenant(slug, platform=Platform.QUICKBOOKS)
        http = HttpClient(
            POLICY, base_url=qb_server.base_url, tenant=slug, clock=qb_clock, classify=classify
        )
        made[slug] = QuickBooksSource(
            QuickBooksClient(http, realm), slug, qb_clock, verifier=VERIFIER
        )
    yield made
    for source in made.values():
        source.close()  # type: ignore[attr-defined]


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def receiver(store: Store, sources: dict[str, Source], metrics: Metrics) -> Iterator[str]:
    app = create_app(store, sources.get, metrics=metrics)
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
    # Intuit gives an endpoint 3 seconds: a slower answer is a failed delivery
    return requests.post(url, headers=headers, data=body, timeout=3)


def _pending(store: Store, tenant: str) -> list[str]:
    return sorted(str(e.refs[0]) for e in store.pending_inbound(tenant))


@pytest.mark.parametrize("cloudevents", [False, True])
def test_one_address_routes_each_company_s_events_to_its_tenants(
    receiver: str, qb_state: QuickBooksState, store: Store, cloudevents: bool
) -> None:
    headers, body = qb_state.delivery(
        {
            NORTH: [("Invoice", "130", "Update"), ("Payment", "77", "Create")],
            SOUTH: [("Invoice", "9", "Delete")],
            ELSEWHERE: [("Invoice", "1", "Update")],  # connected to the app, not to relance
        },
        verifier=VERIFIER,
        cloudevents=cloudevents,
    )
    answer = _post(f"{receiver}/webhooks/quickbooks", headers, body)
    assert answer.status_code == 200  # what Intuit expects; the company no one has included
    assert answer.json() == {"events": 5, "new": 5}  # 2 for each tenant on NORTH, 1 on SOUTH
    north = ["quickbooks:{t}:invoice:130", "quickbooks:{t}:payment:77"]
    assert _pending(store, "acme") == [k.format(t="acme") for k in north]
    assert _pending(store, "acme-books") == [k.format(t="acme-books") for k in north]
    assert _pending(store, "south") == ["quickbooks:south:invoice:9"]
    again = _post(f"{receiver}/webhooks/quickbooks", headers, body)  # Intuit's retry
    assert (again.status_code, again.json()) == (200, {"events": 5, "new": 0})
    assert qb_state.calls == []  # nothing is read while Intuit waits for its answer


def test_a_forged_delivery_is_refused_and_nothing_is_stored(
    receiver: str, qb_state: QuickBooksState, store: Store
) -> None:
    headers, body = qb_state.delivery({NORTH: [("Invoice", "1", "Update")]}, verifier="not-it")
    assert _post(f"{receiver}/webhooks/quickbooks", headers, body).status_code == 401
    unsigned = {"Content-Type": "application/json"}
    assert _post(f"{receiver}/webhooks/quickbooks", unsigned, body).status_code == 401
    assert store.pending_inbound("acme") == []
    # signed with the app's one verifier: the refusal is every QuickBooks company's to see
    for slug in REALMS:
        refusals = store.inbox_summary(slug).refusals
        assert refusals is not None and refusals.count == 1, slug
        assert refusals.reason == "QuickBooks webhook signature does not match"


def test_a_signed_delivery_relance_cannot_read_is_acknowledged(receiver: str, store: Store) -> None:
    """Intuit retries what is not answered 200 and may hold later deliveries meanwhile."""
    from adapters.quickbooks.webhooks import sign

    body = b'{"eventNotifications": "not a list"}'
    answer = _post(
        f"{receiver}/webhooks/quickbooks", {"intuit-signature": sign(VERIFIER, body)}, body
    )
    assert answer.status_code == 200 and answer.json()["events"] == 0
    assert "neither the legacy nor the CloudEvents shape" in answer.json()["error"]


def test_a_company_connected_after_the_start_is_found(
    receiver: str,
    qb_state: QuickBooksState,
    store: Store,
    sources: dict[str, Source],
    qb_server: QuickBooksEmulator,
    qb_clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import connector.webhook_accounts as module

    monkeypatch.setattr(module, "UNKNOWN_RETRY_SECONDS", 0.0)
    first, body = qb_state.delivery({NORTH: [("Invoice", "1", "Update")]}, verifier=VERIFIER)
    assert _post(f"{receiver}/webhooks/quickbooks", first, body).status_code == 200
    store.ensure_tenant("west", platform=Platform.QUICKBOOKS)  # `relance connect` meanwhile
    http = HttpClient(
        POLICY, base_url=qb_server.base_url, tenant="west", clock=qb_clock, classify=classify
    )
    sources["west"] = QuickBooksSource(
        QuickBooksClient(http, ELSEWHERE), "west", qb_clock, verifier=VERIFIER
    )
    headers, body = qb_state.delivery({ELSEWHERE: [("Invoice", "5", "Update")]}, verifier=VERIFIER)
    assert _post(f"{receiver}/webhooks/quickbooks", headers, body).json()["new"] == 1
    assert _pending(store, "west") == ["quickbooks:west:invoice:5"]


def test_the_per_tenant_address_still_serves_a_single_company(
    receiver: str, qb_state: QuickBooksState, store: Store
) -> None:
    headers, body = qb_state.delivery(
        {SOUTH: [("Invoice", "9", "Update")], NORTH: [("Invoice", "130", "Update")]},
        verifier=VERIFIER,
        cloudevents=True,
    )
    answer = _post(f"{receiver}/webhooks/quickbooks/south", headers, body)
    assert (answer.status_code, answer.json()) == (200, {"events": 1, "new": 1})
    assert _pending(store, "south") == ["quickbooks:south:invoice:9"]
    assert store.pending_inbound("acme") == []  # another company's event, not south's


def test_the_directory_follows_tenants_moved_or_removed(
    store: Store, sources: dict[str, Source], qb_server: QuickBooksEmulator, qb_clock: FrozenClock
) -> None:
    """Read again in full every minute, in the background, while the current one serves."""
    from connector.webhook_accounts import DIRECTORY_SECONDS, AccountDirectory

    now = [0.0]
    directory = AccountDirectory(store.tenants, sources.get, monotonic=lambda: now[0])
    assert set(directory.tenants("quickbooks", {NORTH})) == {"acme", "acme-books"}
    http = HttpClient(
        POLICY, base_url=qb_server.base_url, tenant="acme", clock=qb_clock, classify=classify
    )
    sources["acme"] = QuickBooksSource(
        QuickBooksClient(http, SOUTH), "acme", qb_clock, verifier=VERIFIER
    )  # reconnected elsewhere
    del sources["acme-books"]  # its source no longer opens
    assert set(directory.tenants("quickbooks", {NORTH})) == {"acme", "acme-books"}  # a minute
    now[0] += DIRECTORY_SECONDS
    directory.tenants("quickbooks", {NORTH})  # starts the refresh; this answer is the old one
    deadline = time.monotonic() + 10
    while set(directory.tenants("quickbooks", {NORTH})):
        assert time.monotonic() < deadline, "the directory was not refreshed"
        time.sleep(0.01)
    assert set(directory.tenants("quickbooks", {SOUTH})) == {"acme", "south"}


def test_the_directory_is_built_when_the_receiver_starts(
    store: Store, sources: dict[str, Source]
) -> None:
    from connector.webhook_accounts import AccountDirectory

    opened: list[str] = []

    def source_for(slug: str) -> Source | None:
        opened.append(slug)
        return sources.get(slug)

    directory = AccountDirectory(store.tenants, source_for, monotonic=lambda: 0.0)
    directory.warm()  # what the receiver's startup does
    deadline = time.monotonic() + 10
    while set(opened) != set(REALMS):
        assert time.monotonic() < deadline, "the directory was not built at start"
        time.sleep(0.01)
    while len(opened) < 1 + len(REALMS):  # one probe, then every tenant once
        assert time.monotonic() < deadline, "the directory was not built at start"
        time.sleep(0.01)
    before = len(opened)
    assert set(directory.tenants("quickbooks", {NORTH, SOUTH})) == set(REALMS)
    assert len(opened) == before  # the first delivery opens nothing


def test_deliveries_are_counted_by_outcome(
    receiver: str, qb_state: QuickBooksState, metrics: Metrics
) -> None:
    from adapters.quickbooks.webhooks import sign

    headers, body = qb_state.delivery({SOUTH: [("Invoice", "9", "Update")]}, verifier=VERIFIER)
    assert _post(f"{receiver}/webhooks/quickbooks", headers, body).status_code == 200
    assert _post(f"{receiver}/webhooks/quickbooks/south", headers, body).status_code == 200
    assert _post(f"{receiver}/webhooks/quickbooks", {}, body).status_code == 401
    unreadable = b"[1, 2]"
    signed = {"intuit-signature": sign(VERIFIER, unreadable)}
    assert _post(f"{receiver}/webhooks/quickbooks", signed, unreadable).status_code == 200
    counted = {
        sample.labels["outcome"]: sample.value
        for family in metrics.registry.collect()
        if family.name == "relance_webhook_events"
        for sample in family.samples
        if sample.name.endswith("_total") and sample.labels["platform"] == "quickbooks"
    }
    assert counted == {"stored": 2, "refused": 1, "malformed": 1}
