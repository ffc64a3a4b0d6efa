"""PennylaneSource through the real HTTP layer against the loopback emulator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from adapters.pennylane.client import POLICY, PennylaneClient, classify
from adapters.pennylane.source import PennylaneSource
from connector.clock import FrozenClock
from connector.errors import AuthorizationLost
from connector.http import HttpClient
from connector.money import Money
from connector.source import Resource
from tests.emulators.pennylane import PennylaneEmulator, PennylaneState

from .test_mapping import invoice


def customer(n: int) -> dict[str, Any]:
    return {
        "id": n,
        "name": f"Client {n}",
        "customer_type": "company",
        "emails": [f"ap{n}@example.fr"],
        "billing_language": "fr_FR",
    }


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock.on(date(2026, 3, 10))


@pytest.fixture
def state(clock: FrozenClock) -> PennylaneState:
    state = PennylaneState(clock)
    for n in range(1, 131):  # more than one page of 100
        state.put("customers", customer(n), "insert")
    for n in range(1, 251):
        state.put(
            "customer_invoices",
            invoice(
                id=5000 + n, invoice_number=f"F{n:05d}", customer={"id": 1 + n % 130, "url": "x"}
            ),
            "insert",
        )
    state.put("customer_invoices", invoice(id=9999, draft=True, status="draft"), "insert")
    return state


@pytest.fixture
def source(state: PennylaneState, clock: FrozenClock) -> Iterator[PennylaneSource]:
    server = PennylaneEmulator(state)
    server.start()

    class Token:
        def __call__(self, request: Any) -> Any:
            request.headers["Authorization"] = "Bearer plt_test_token"
            return request

    http = HttpClient(
        POLICY,
        base_url=server.base_url,
        tenant="acme",
        clock=clock,
        auth=Token(),
        classify=classify,
    )  # type: ignore[arg-type]
    yield PennylaneSource(PennylaneClient(http), "acme", clock)
    http.close()
    server.shutdown()
    server.server_close()


def test_a_full_read_pages_through_everything_at_the_largest_page(
    source: PennylaneSource, state: PennylaneState
) -> None:
    (customers,) = source.pull(Resource.CUSTOMERS, None)
    (invoices,) = source.pull(Resource.RECEIVABLES, None)
    assert len(customers.customers) == 130 and customers.complete
    assert len(invoices.receivables) == 250  # the draft is not a receivable
    assert ("GET", "/customer_invoices") in state.calls
    assert invoices.cursor is not None and invoices.cursor.as_of == source.clock.now()
    assert state.calls.count(("GET", "/customers")) == 2  # 100 + 30


def test_the_changelog_brings_only_what_changed(
    source: PennylaneSource, state: PennylaneState, clock: FrozenClock
) -> None:
    clock.advance(timedelta(hours=1))  # the ledger was created an hour before the first sync
    (first,) = source.pull(Resource.RECEIVABLES, None)
    clock.advance(timedelta(hours=2))
    state.put(
        "customer_invoices",
        invoice(
            id=5001,
            invoice_number="F00001",
            remaining_amount_with_tax="0.00",
            paid=True,
            status="paid",
            customer={"id": 2, "url": "x"},
        ),
    )
    state.calls.clear()
    state.queries.clear()
    (delta,) = source.pull(Resource.RECEIVABLES, first.cursor)
    assert [r.number for r in delta.receivables] == ["F00001"]
    assert not delta.receivables[0].is_open and not delta.complete
    assert delta.cursor is not None and delta.cursor.as_of == clock.now()
    lists = [q for m, p, q in state.queries if (m, p) == ("GET", "/customer_invoices")]
    assert len(lists) == 1 and '"operator": "in"' in lists[0]["filter"]  # no full scan


def test_an_old_watermark_means_a_full_read(source: PennylaneSource, clock: FrozenClock) -> None:
    (first,) = source.pull(Resource.CUSTOMERS, None)
    clock.advance(timedelta(days=30))
    (again,) = source.pull(Resource.CUSTOMERS, first.cursor)
    assert again.complete and len(again.customers) == 130


def test_the_fresh_balance_and_a_throttled_api(
    source: PennylaneSource, state: PennylaneState, clock: FrozenClock
) -> None:
    (batch,) = source.pull(Resource.RECEIVABLES, None)
    ref = batch.receivables[0].ref
    state.hits["plt_test_token"] = [clock.now()] * 25  # the bucket is empty: 429 + retry-after
    state.invoices[5001] = {
        **state.invoices[5001],
        "remaining_amount_with_tax": "100.00",
        "status": "partially_paid",
    }
    assert source.open_balance(ref) == Money.of("100.00", "EUR")
    assert any(wait >= 5 for wait in clock.slept)  # it waited as told, then got the answer


def test_a_revoked_token_asks_to_reconnect(source: PennylaneSource, state: PennylaneState) -> None:
    state.tokens.clear()
    with pytest.raises(AuthorizationLost, match="relance connect pennylane"):
        list(source.pull(Resource.CUSTOMERS, None))


def test_webhooks_are_verified_before_they_are_read(source: PennylaneSource) -> None:
    import json

    from adapters.pennylane.webhooks import sign
    from connector.errors import SourceRejected

    source.webhook_secret = "whsec_test"
    body = json.dumps(
        {
            "id": "d1",
            "event": "customer_invoice.created",
            "retry_count": 0,
            "created": 0,
            "data": {"context": {}, "object": {"id": 5001}},
        }
    ).encode()
    stamp = int(source.clock.now().timestamp())
    (event,) = source.parse_webhook(
        {"X-Pennylane-Signature": sign("whsec_test", stamp, body)}, body
    )
    assert event.refs[0].external_id == "invoice:5001"
    with pytest.raises(SourceRejected):
        source.parse_webhook({"X-Pennylane-Signature": sign("forged", stamp, body)}, body)
