"""Pennylane's rate limit, an unexpected 429, and a malformed record in the middle of a sync."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from connector.clock import FrozenClock
from connector.model import Platform, ReceivableStatus
from connector.source import Resource
from connector.store import Store
from connector.sync import sync
from tests.emulators.pennylane import Fault, PennylaneState, seed

from .conftest import MakeSource


@pytest.fixture
def store(tmp_path: Path, pl_clock: FrozenClock) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 's.sqlite'}", clock=pl_clock) as store:
        store.ensure_tenant("acme", platform=Platform.PENNYLANE)
        yield store


def busiest_window(stamps: list, width: timedelta = timedelta(seconds=5)) -> int:  # type: ignore[type-arg]
    """The most calls the server counted in any window of ``width``."""
    stamps = sorted(stamps)
    best, start = 0, 0
    for end, stamp in enumerate(stamps):
        while stamp - stamps[start] >= width:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_a_long_sync_stays_under_the_limit_without_a_429(
    pl_state: PennylaneState, make_source: MakeSource, store: Store, pl_clock: FrozenClock
) -> None:
    seed(pl_state, customers=1500, invoices=4000, today=pl_clock.now().date())
    started = pl_clock.now()
    report = sync(store, "acme", make_source(), clock=pl_clock)
    assert report.counts["customers"] == 1500
    calls = len(pl_state.accepted)
    finalized = [i for i in pl_state.invoices.values() if not i["draft"]]
    partial = [  # partly paid as relance reads them (partly collected ones included)
        r for r in store.open_receivables("acme") if r.status is ReceivableStatus.PARTIALLY_PAID
    ]
    assert len(partial) > 100
    # pages of 100, then one read of matched transactions per partly paid invoice
    assert calls == 15 + math.ceil(len(finalized) / 100) + len(partial)
    matched = [pl_state.matched.get(int(r.ref.external_id.split(":")[1]), []) for r in partial]
    assert any(tx["currency"] is None for txs in matched for tx in txs)  # read all the same
    assert report.counts["payments"] == sum(len(txs) for txs in matched)
    assert pl_state.throttled == 0 and busiest_window(pl_state.accepted) == 25
    # N calls at 25 per 5 s: one wait of a window (plus the margin) per 25 calls, no more
    windows = math.ceil(calls / 25) - 1
    assert pl_clock.now() - started <= timedelta(seconds=windows * 5.1 + 0.01)


def test_an_unexpected_429_is_waited_out(
    pl_state: PennylaneState, make_source: MakeSource, store: Store, pl_clock: FrozenClock
) -> None:
    seed(pl_state, customers=50, invoices=300, today=pl_clock.now().date())
    # another integration on the same token used up the budget
    pl_state.inject(
        Fault(
            "GET",
            "/customer_invoices",
            429,
            "Rate limit exceeded. Please retry in 3 seconds.",
            {"retry-after": "3", "ratelimit-remaining": "0"},
        )
    )
    report = sync(store, "acme", make_source(), clock=pl_clock)
    assert report.counts["customers"] == 50 and report.counts["receivables"] > 0
    assert 3.0 in pl_clock.slept


def test_a_malformed_invoice_is_reported_by_id_and_the_rest_completes(
    pl_state: PennylaneState, make_source: MakeSource, store: Store, pl_clock: FrozenClock
) -> None:
    seed(pl_state, customers=20, invoices=120, today=pl_clock.now().date())
    open_ids = [i for i, r in pl_state.invoices.items() if r["status"] in ("late", "upcoming")]
    victim = open_ids[0]
    first = sync(store, "acme", make_source(), clock=pl_clock)
    stored = first.counts["receivables"]

    pl_clock.advance(timedelta(days=1))
    pl_state.put(
        "customer_invoices",
        {**pl_state.invoices[victim], "currency_amount": "1 200,00 €", "deadline": "demain"},
    )
    source = make_source()
    (full,) = source.pull(Resource.RECEIVABLES, None)  # a full read, as after a long pause
    counts = store.upsert_ledger(
        "acme", receivables=full.receivables, complete=True, unreadable=full.unreadable
    )
    assert counts.closed == 0  # the unreadable invoice is not taken for gone
    assert len(full.problems) == 1 and f"invoice {victim}" in full.problems[0]
    assert len(full.receivables) == stored - 1
    (ref,) = full.unreadable
    assert store.receivable("acme", ref).status is not ReceivableStatus.CANCELLED

    again = sync(store, "acme", make_source(), clock=pl_clock)  # incremental: reported again
    assert any(f"invoice {victim}" in p for p in again.problems)
