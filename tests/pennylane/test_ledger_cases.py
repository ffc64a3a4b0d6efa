"""What real ledgers hold, through a sync into the store: an invoice archived after it was
stored, a remaining amount Pennylane leaves null, a transaction of unknown currency."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
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

KEY = "pennylane:acme:invoice:{}"


@pytest.fixture
def store(tmp_path: Path, pl_clock: FrozenClock) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 's.sqlite'}", clock=pl_clock) as store:
        store.ensure_tenant("acme", platform=Platform.PENNYLANE)
        yield store


@pytest.fixture
def ledger(pl_state: PennylaneState) -> PennylaneState:
    pl_state.put("customers", {"id": 77, "name": "Hôtel", "customer_type": "company"}, "insert")
    for n in (1, 2, 3):
        pl_state.put("customer_invoices", invoice(id=n, invoice_number=f"F{n}"), "insert")
    return pl_state


@pytest.mark.parametrize("status", ["archived", "incomplete"])
def test_an_invoice_archived_after_it_was_stored_is_closed_not_dunned(
    ledger: PennylaneState, make_source: MakeSource, store: Store, pl_clock: FrozenClock,
    status: str,
) -> None:  # fmt: skip
    source = make_source()
    sync(store, "acme", source, clock=pl_clock)
    assert store.receivable("acme", KEY.format(1)).is_open
    pl_clock.advance(timedelta(hours=1))
    ledger.put("customer_invoices", {**ledger.invoices[1], "status": status})
    sync(store, "acme", source, clock=pl_clock)  # incremental: the changelog names it
    assert not store.receivable("acme", KEY.format(1)).is_open
    assert {r.number for r in store.open_receivables("acme")} == {"F2", "F3"}


def test_a_null_remaining_amount_is_never_taken_for_paid(
    ledger: PennylaneState, make_source: MakeSource, store: Store, pl_clock: FrozenClock
) -> None:
    ledger.put("customer_invoices", {**ledger.invoices[1], "remaining_amount_with_tax": None})
    ledger.put("customer_invoices", {**ledger.invoices[2], "remaining_amount_with_tax": "500.00",
                                     "status": "partially_paid"})  # fmt: skip
    source = make_source()
    report = sync(store, "acme", source, clock=pl_clock)
    late = store.receivable("acme", KEY.format(1))  # late, nothing paid: all of it is owed
    assert late.is_open and late.open_balance == Money.of("1200.00", "EUR")
    assert report.counts["receivables"] == 3

    pl_clock.advance(timedelta(hours=1))  # now Pennylane leaves the partly paid one null
    ledger.put("customer_invoices", {**ledger.invoices[2], "remaining_amount_with_tax": None})
    report = sync(store, "acme", source, clock=pl_clock)
    (problem,) = report.problems
    assert "invoice 2" in problem and "null" in problem
    kept = store.receivable("acme", KEY.format(2))  # what was stored stays, not zero
    assert kept.is_open and kept.open_balance == Money.of("500.00", "EUR")


def test_a_transaction_of_unknown_currency_keeps_the_payment_history(
    ledger: PennylaneState, make_source: MakeSource, store: Store, pl_clock: FrozenClock
) -> None:
    for n, left in ((1, "700.00"), (2, "900.00")):
        ledger.put("customer_invoices", {**ledger.invoices[n], "remaining_amount_with_tax": left,
                                         "status": "partially_paid"})  # fmt: skip
    ledger.match(1, "2026-03-02", "500.00", None)  # the bank feed gave no currency
    known = ledger.match(2, "2026-03-04", "300.00")
    report = sync(store, "acme", make_source(), clock=pl_clock)
    assert report.counts["payments"] == 2
    stored = {
        p.ref.external_id: p.amount for p in store.payments("acme", "pennylane:acme:customer:77")
    }
    assert stored == {
        f"transaction:{known}": Money.of("300.00", "EUR"),
        f"transaction:{known - 1}": Money.of("500.00", "EUR"),  # read by its amount in euros
    }
