"""Pennylane webhook deliveries: verified, stored once, then turned into targeted re-reads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from connector.clock import FrozenClock
from connector.errors import SourceRejected, StoreError
from connector.intake import process_inbox, receive
from connector.model import Platform, SourceRef
from connector.source import Event, EventKind
from connector.store import Store
from connector.sync import sync
from tests.emulators.pennylane import Fault, PennylaneState, seed

from .conftest import MakeSource


@pytest.fixture
def store(tmp_path: Path, pl_clock: FrozenClock) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 's.sqlite'}", clock=pl_clock) as store:
        store.ensure_tenant("acme", platform=Platform.PENNYLANE)
        store.ensure_tenant("other", platform=Platform.PENNYLANE)
        yield store


@pytest.fixture
def subscribed(pl_state: PennylaneState) -> int:
    seed(pl_state, customers=30, invoices=200, today=pl_state.clock.now().date())
    pl_state.subscriptions[1] = {
        "id": 1,
        "callback_url": "https://relance.example.fr/webhooks/pennylane/acme",
        "events": ["customer_invoice.created"],
        "enabled": True,
        "secret": "whsec_intake_0123456789",
    }
    from tests.secrets_watch import watch

    watch("whsec_intake_0123456789")
    return 1


def test_a_delivery_is_stored_once_and_a_forgery_not_at_all(
    pl_state: PennylaneState, make_source: MakeSource, store: Store, subscribed: int
) -> None:
    source = make_source(webhook_secret="whsec_intake_0123456789")
    invoice_id = next(iter(pl_state.invoices))
    headers, body = pl_state.signed_delivery(
        subscribed, "customer_invoice.created", {"id": invoice_id}, delivery_id="dlv_1"
    )
    assert receive(store, "acme", source, headers, body).new == 1
    assert receive(store, "acme", source, headers, body).new == 0  # redelivered: harmless
    with pytest.raises(SourceRejected):
        receive(store, "acme", source, headers, body.replace(b"dlv_1", b"dlv_2"))
    (pending,) = store.pending_inbound("acme")
    assert pending.event_id == "dlv_1" and pending.refs[0].external_id == f"invoice:{invoice_id}"


def test_an_event_leads_to_a_targeted_re_read_not_a_full_sync(
    pl_state: PennylaneState,
    make_source: MakeSource,
    store: Store,
    subscribed: int,
    pl_clock: FrozenClock,
) -> None:
    source = make_source(webhook_secret="whsec_intake_0123456789")
    sync(store, "acme", source, clock=pl_clock)
    late = next(i for i, r in pl_state.invoices.items() if r["status"] == "late")
    pl_clock.advance(timedelta(minutes=5))
    pl_state.put(
        "customer_invoices",
        {**pl_state.invoices[late], "remaining_amount_with_tax": "0.00", "status": "paid"},
    )
    # a brand-new invoice for a brand-new customer, announced by the webhook
    pl_state.put(
        "customers",
        {"id": 999, "name": "Nouveau Client SARL", "customer_type": "company", "emails": []},
    )
    fresh = {**pl_state.invoices[late], "id": 777_777, "invoice_number": "F-NEW-1"}
    pl_state.put("customer_invoices", {**fresh, "customer": {"id": 999, "url": "x"}})
    for n, invoice_id in enumerate((late, 777_777)):
        headers, body = pl_state.signed_delivery(
            subscribed, "customer_invoice.created", {"id": invoice_id}, delivery_id=f"d{n}"
        )
        receive(store, "acme", source, headers, body)
    pl_state.queries.clear()

    report = process_inbox(store, "acme", source, clock=pl_clock)
    assert report.events == 2 and not report.full_sync and not report.problems
    assert not store.receivable("acme", f"pennylane:acme:invoice:{late}").is_open
    assert store.receivable("acme", "pennylane:acme:invoice:777777").number == "F-NEW-1"
    paths = [p for _, p, _ in pl_state.queries]
    assert paths == ["/customer_invoices", "/customers"]  # two filtered lists, no changelog
    assert not store.pending_inbound("acme")


def test_events_stay_pending_while_the_platform_is_down(
    pl_state: PennylaneState,
    make_source: MakeSource,
    store: Store,
    subscribed: int,
    pl_clock: FrozenClock,
) -> None:
    source = make_source(webhook_secret="whsec_intake_0123456789")
    headers, body = pl_state.signed_delivery(
        subscribed, "customer_invoice.created", {"id": next(iter(pl_state.invoices))}
    )
    receive(store, "acme", source, headers, body)
    pl_state.inject(Fault("GET", "/customer_invoices", 503, {"error": "down"}, times=50))
    with pytest.raises(Exception, match="HTTP 503"):
        process_inbox(store, "acme", source, clock=pl_clock)
    assert len(store.pending_inbound("acme")) == 1


def test_a_tenant_s_events_never_name_another_tenant(store: Store, pl_clock: FrozenClock) -> None:
    other = SourceRef(platform=Platform.PENNYLANE, tenant="other", external_id="invoice:1")
    event = Event("e1", EventKind.CHANGED, (other,), pl_clock.now())
    with pytest.raises(StoreError, match="only ever touches its own"):
        store.record_inbound("acme", "pennylane", [event])
    assert not store.pending_inbound("acme") and not store.pending_inbound("other")
