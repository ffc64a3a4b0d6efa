"""Full and incremental syncs of a QuickBooks company through the emulator."""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal

import pytest

from connector.clock import FrozenClock
from connector.model import ReceivableKind, ReceivableStatus
from connector.source import Resource
from connector.store import Store
from connector.sync import sync
from tests.emulators.quickbooks import QuickBooksState, seed

from .conftest import MakeSource


def _key(kind: str, qbo_id: str) -> str:
    return f"quickbooks:acme:{kind}:{qbo_id}"


def test_a_full_sync_reads_everything_in_pages_of_a_thousand(
    qb_state: QuickBooksState, make_source: MakeSource, store: Store, qb_clock: FrozenClock
) -> None:
    seeded = seed(qb_state, customers=1200, invoices=2500, today=qb_clock.now().date())
    report = sync(store, "acme", make_source(), clock=qb_clock)
    table = qb_state.data["9130350000000001"]
    open_invoices = [i for i in table["Invoice"].values() if i["Balance"] > 0]
    credits = [c for c in table["CreditMemo"].values() if c["RemainingCredit"] > 0]
    assert report.counts["receivables"] == len(open_invoices) + len(credits)
    assert report.counts["payments"] == seeded.payments
    queries = [q for q in qb_state.queries if "STARTPOSITION" in q]
    expected = (
        1  # terms
        + math.ceil((1200 + 1) / 1000)  # customers: a page is read until one comes back short
        + math.ceil((len(open_invoices) + 1) / 1000)
        + 1  # credit memos
        + math.ceil((seeded.payments + 1) / 1000)
    )
    assert len(queries) == expected
    assert all("MAXRESULTS 1000" in q for q in queries)
    assert all("minorversion" not in q for q in queries)


def test_sub_customers_billed_with_their_parent_are_dunned_through_it(
    qb_state: QuickBooksState, make_source: MakeSource, store: Store, qb_clock: FrozenClock
) -> None:
    put = qb_state.put
    put("Customer", {"Id": "1", "DisplayName": "Acme Holdings", "CompanyName": "Acme Holdings",
                     "PrimaryEmailAddr": {"Address": "ap@acme.example"}})  # fmt: skip
    put("Customer", {"Id": "2", "DisplayName": "Acme:Site A", "Job": True,
                     "ParentRef": {"value": "1"}, "BillWithParent": True})  # fmt: skip
    put("Customer", {"Id": "3", "DisplayName": "Acme:Site B", "Job": True,
                     "ParentRef": {"value": "1"}, "BillWithParent": False,
                     "PrimaryEmailAddr": {"Address": "siteb@acme.example"}})  # fmt: skip
    for n, customer in ((1, "2"), (2, "3")):
        put(
            "Invoice",
            {
                "Id": str(n),
                "DocNumber": f"INV-{n}",
                "TxnDate": "2026-01-10",
                "DueDate": "2026-02-09",
                "TotalAmt": Decimal("500.00"),
                "Balance": Decimal("500.00"),
                "CurrencyRef": {"value": "USD"},
                "CustomerRef": {"value": customer},
                "BillEmail": {"Address": "invoices@acme.example"},
                "InvoiceLink": f"https://pay.example/{n}",
            },
        )
    sync(store, "acme", make_source(), clock=qb_clock)
    first = store.receivable("acme", _key("invoice", "1"))
    second = store.receivable("acme", _key("invoice", "2"))
    assert first.customer_ref.external_id == "customer:1"  # the parent pays for site A
    assert second.customer_ref.external_id == "customer:3"  # site B is billed on its own
    assert first.payment_url == "https://pay.example/1"
    parent = store.customer("acme", _key("customer", "1"))
    emails = [c.email for c in parent.email_contacts]
    assert emails == ["ap@acme.example", "invoices@acme.example"]  # BillEmail kept
    assert store.customer("acme", _key("customer", "2")).parent_ref is not None


def test_an_incremental_sync_reads_only_the_changes(
    qb_state: QuickBooksState, make_source: MakeSource, store: Store, qb_clock: FrozenClock
) -> None:
    seed(qb_state, customers=50, invoices=300, today=qb_clock.now().date())
    source = make_source()
    qb_clock.advance(timedelta(minutes=30))
    sync(store, "acme", source, clock=qb_clock)
    table = qb_state.data["9130350000000001"]["Invoice"]
    open_ids = [i for i, r in table.items() if r["Balance"] > 0]
    paid, voided, deleted = open_ids[:3]
    qb_clock.advance(timedelta(hours=2))
    qb_state.put("Invoice", {**table[paid], "Balance": Decimal(0)})
    qb_state.put("Invoice", {**table[voided], "Balance": Decimal(0), "TotalAmt": Decimal(0)})
    qb_state.delete("Invoice", deleted)
    qb_state.calls.clear()
    qb_state.queries.clear()

    report = sync(store, "acme", source, clock=qb_clock)
    assert [p for _, p in qb_state.calls] == ["/cdc", "/cdc", "/cdc"]  # one per resource
    assert report.counts["closed"] == 3
    assert store.receivable("acme", _key("invoice", paid)).status is ReceivableStatus.PAID
    assert store.receivable("acme", _key("invoice", voided)).status is ReceivableStatus.CANCELLED
    assert not store.receivable("acme", _key("invoice", deleted)).is_open


def test_a_watermark_older_than_the_cdc_window_means_a_full_read(
    qb_state: QuickBooksState, make_source: MakeSource, store: Store, qb_clock: FrozenClock
) -> None:
    seed(qb_state, customers=20, invoices=60, today=qb_clock.now().date())
    source = make_source()
    sync(store, "acme", source, clock=qb_clock)
    qb_clock.advance(timedelta(days=31))
    qb_state.calls.clear()
    batches = list(source.pull(Resource.RECEIVABLES, store.cursor("acme", Resource.RECEIVABLES)))
    assert all(b.complete for b in batches) and ("GET", "/cdc") not in qb_state.calls


def test_a_cdc_answer_holding_its_1000_objects_leads_to_a_full_read(
    qb_state: QuickBooksState, make_source: MakeSource, store: Store, qb_clock: FrozenClock
) -> None:
    seed(qb_state, customers=10, invoices=1500, today=qb_clock.now().date())
    source = make_source()
    sync(store, "acme", source, clock=qb_clock)
    qb_clock.advance(timedelta(hours=1))
    table = qb_state.data["9130350000000001"]["Invoice"]
    # every invoice paid, the highest Ids first: which 1000 changes an answer at the cap
    # holds is not documented (the emulator keeps the lowest Ids, the latest changes here)
    for n, invoice_id in enumerate(sorted(table, key=int, reverse=True)):
        qb_state.put("Invoice", {**table[invoice_id], "Balance": Decimal(0)})
        if n % 100 == 0:
            qb_clock.advance(timedelta(seconds=1))
    gone = max(table, key=int)
    qb_state.delete("Invoice", gone)
    qb_state.calls.clear()
    (*batches,) = source.pull(Resource.RECEIVABLES, store.cursor("acme", Resource.RECEIVABLES))
    assert [p for _, p in qb_state.calls].count("/cdc") == 1  # at the cap: not trusted
    assert all(b.complete for b in batches)  # a full read, paged by the query endpoint
    sync(store, "acme", source, clock=qb_clock)
    still = [r for r in store.open_receivables("acme") if r.kind is ReceivableKind.INVOICE]
    assert still == []
    assert not store.receivable("acme", _key("invoice", gone)).is_open


def test_changed_since_is_written_as_intuit_s_date_time(
    qb_state: QuickBooksState, make_source: MakeSource, store: Store, qb_clock: FrozenClock
) -> None:
    import re

    seed(qb_state, customers=10, invoices=40, today=qb_clock.now().date())
    source = make_source()
    qb_clock.advance(timedelta(milliseconds=250))  # the cursor: an instant with a fraction
    sync(store, "acme", source, clock=qb_clock)
    qb_clock.advance(timedelta(minutes=7))
    table = qb_state.data["9130350000000001"]["Invoice"]
    paid = next(i for i, r in table.items() if r["Balance"] > 0)
    qb_state.put("Invoice", {**table[paid], "Balance": Decimal(0)})
    qb_clock.advance(timedelta(seconds=30))
    sync(store, "acme", source, clock=qb_clock)
    sent = [seen.params["changedSince"] for seen in qb_state.seen if seen.path == "/cdc"]
    assert sent and all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", s) for s in sent
    )
    assert not store.receivable("acme", _key("invoice", paid)).is_open


def test_a_malformed_invoice_is_reported_and_what_was_stored_stays(
    qb_state: QuickBooksState, make_source: MakeSource, store: Store, qb_clock: FrozenClock
) -> None:
    seed(qb_state, customers=10, invoices=40, today=qb_clock.now().date())
    source = make_source()
    first = sync(store, "acme", source, clock=qb_clock)
    table = qb_state.data["9130350000000001"]["Invoice"]
    victim = next(i for i, r in table.items() if r["Balance"] > 0)
    table[victim] = {**table[victim], "TxnDate": "yesterday"}  # a broken record at the source
    qb_clock.advance(timedelta(days=31))  # a long pause: the next sync reads everything
    again = sync(store, "acme", source, clock=qb_clock)
    assert again.counts.get("closed", 0) == 0  # not taken for gone
    assert any(f"invoice {victim}" in p for p in again.problems)
    assert again.counts["receivables"] == first.counts["receivables"] - 1
    assert store.receivable("acme", _key("invoice", victim)).is_open  # kept as stored


def test_a_full_read_in_several_batches_closes_what_none_held_at_its_end(
    qb_state: QuickBooksState,
    make_source: MakeSource,
    store: Store,
    qb_clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import adapters.quickbooks.source as module

    monkeypatch.setattr(module, "FULL_BATCH", 500)
    seed(qb_state, customers=30, invoices=2200, today=qb_clock.now().date())
    source = make_source()
    sync(store, "acme", source, clock=qb_clock)
    table = qb_state.data["9130350000000001"]["Invoice"]
    paid = sorted((i for i, r in table.items() if r["Balance"] > 0), key=int)[-1]
    qb_state.put("Invoice", {**table[paid], "Balance": Decimal(0)})
    qb_clock.advance(timedelta(days=31))
    before = store.cursor("acme", Resource.RECEIVABLES)

    class Cut(Exception):
        pass

    def crash_after_two(batch: object) -> None:
        crash_after_two.seen += 1  # type: ignore[attr-defined]
        if crash_after_two.seen == 2:  # type: ignore[attr-defined]
            raise Cut

    crash_after_two.seen = 0  # type: ignore[attr-defined]
    with pytest.raises(Cut):  # the process dies in the middle of the full read
        sync(store, "acme", source, clock=qb_clock, on_batch=crash_after_two)
    assert store.receivable("acme", _key("invoice", paid)).is_open  # nothing closed early
    report = sync(store, "acme", source, clock=qb_clock)
    assert report.batches > 4 and report.counts["closed"] == 1
    assert not store.receivable("acme", _key("invoice", paid)).is_open
    after = store.cursor("acme", Resource.RECEIVABLES)
    assert before is not None and after is not None and after.as_of > before.as_of
