"""The bank transactions matched to invoices, read as payments with the invoices."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from connector.clock import FrozenClock
from connector.model import Platform
from connector.money import Money
from connector.store import Store
from connector.sync import sync
from tests.emulators.pennylane import PennylaneState

from .conftest import MakeSource
from .test_mapping import invoice


@pytest.fixture
def store(tmp_path: Path, pl_clock: FrozenClock) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 's.sqlite'}", clock=pl_clock) as store:
        store.ensure_tenant("acme", platform=Platform.PENNYLANE)
        yield store


@pytest.fixture
def ledger(pl_state: PennylaneState) -> PennylaneState:
    pl_state.put("customers", {"id": 77, "name": "Hôtel", "customer_type": "company"}, "insert")
    pl_state.put(
        "customer_invoices",
        invoice(id=1, remaining_amount_with_tax="700.00", status="partially_paid"),
        "insert",
    )
    pl_state.put("customer_invoices", invoice(id=2, invoice_number="F2"), "insert")
    pl_state.put("customer_invoices", invoice(id=3, invoice_number="F3"), "insert")
    pl_state.match(1, "2026-03-05", "500.00")
    return pl_state


def test_partly_paid_invoices_bring_their_payments(
    ledger: PennylaneState, make_source: MakeSource, store: Store, pl_clock: FrozenClock
) -> None:
    source = make_source()
    report = sync(store, "acme", source, clock=pl_clock)
    assert report.counts["payments"] == 1
    assert ledger.requests_to("GET", "/customer_invoices/1/matched_transactions") == 1
    assert ledger.requests_to("GET", "/customer_invoices/2/matched_transactions") == 0

    # later, one transfer pays part of both open invoices: read in the delta, as one payment
    pl_clock.advance(timedelta(hours=1))
    for n in (2, 3):
        ledger.put(
            "customer_invoices",
            {**ledger.invoices[n], "remaining_amount_with_tax": "1000.00"},
        )
    tx = ledger.match(2, "2026-03-10", "400.00")
    ledger.matched[3] = list(ledger.matched[2])
    sync(store, "acme", source, clock=pl_clock)
    stored = store.payments("acme", "pennylane:acme:customer:77")
    assert len(stored) == 2  # the partial payment, then the transfer
    paid = [p for p in stored if p.ref.external_id == f"transaction:{tx}"]
    assert len(paid) == 1
    assert paid[0].received_on == date(2026, 3, 10)
    assert paid[0].amount == Money.of("400.00", "EUR") and paid[0].unapplied.is_zero
    # how the 400 split is not said: each invoice, due the same day, had 200 paid on it
    assert [(a.receivable_ref.external_id, a.amount) for a in paid[0].allocations] == [
        ("invoice:2", Money.of("200.00", "EUR")),
        ("invoice:3", Money.of("200.00", "EUR")),
    ]
    # before the transfer, both were open in full; before 5 March, invoice 1 too
    before = {
        r.number: r.open_balance for r in store.open_receivables("acme", as_of=date(2026, 3, 9))
    }
    assert before["F2"] == before["F3"] == Money.of("1200.00", "EUR")
    assert before["F20260042"] == Money.of("700.00", "EUR")
    earlier = store.open_receivables("acme", as_of=date(2026, 3, 4))
    assert {r.number: r.open_balance for r in earlier}["F20260042"] == Money.of("1200.00", "EUR")


def test_payments_can_be_left_unread(
    ledger: PennylaneState, make_source: MakeSource, store: Store, pl_clock: FrozenClock
) -> None:
    report = sync(store, "acme", make_source(read_payments=False), clock=pl_clock)
    assert report.counts.get("payments", 0) == 0
    assert ledger.requests_to("GET", "/customer_invoices/1/matched_transactions") == 0
