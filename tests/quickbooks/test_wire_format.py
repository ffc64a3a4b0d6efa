"""What relance asks of QuickBooks and in which format: JSON on request, the invoice's pay
link only when asked for, custom fields kept, countries as Intuit writes them."""

from __future__ import annotations

from xml.etree import ElementTree

import requests

from connector.clock import FrozenClock
from connector.store import Store
from connector.sync import sync
from tests.emulators.quickbooks import REALM, QuickBooksEmulator, QuickBooksState, seed

from .conftest import MakeSource

INTUIT = "{http://schema.intuit.com/finance/v3}"


def test_quickbooks_answers_xml_unless_json_is_asked_for(
    qb_server: QuickBooksEmulator, qb_state: QuickBooksState
) -> None:
    qb_state.put("Customer", {"Id": "1", "DisplayName": "Acme Holdings"})
    token = qb_state.issue_pair()["access_token"]
    url = f"{qb_server.base_url}/{REALM}/query"
    params = {"query": "select * from Customer", "minorversion": "75"}
    auth = {"Authorization": f"Bearer {token}"}
    plain = requests.get(url, params=params, headers=auth, timeout=5)
    assert plain.headers["content-type"] == "application/xml"
    root = ElementTree.fromstring(plain.content)
    assert root.tag == f"{INTUIT}IntuitResponse"
    name = root.find(f"{INTUIT}QueryResponse/{INTUIT}Customer/{INTUIT}DisplayName")
    assert name is not None and name.text == "Acme Holdings"
    asked = requests.get(url, params=params, headers={**auth, "Accept": "application/json"},
                         timeout=5)  # fmt: skip
    assert asked.json()["QueryResponse"]["Customer"][0]["DisplayName"] == "Acme Holdings"


def test_every_json_call_of_a_sync_and_a_write_asks_for_json(
    qb_state: QuickBooksState, make_source: MakeSource, store: Store, qb_clock: FrozenClock
) -> None:
    seed(qb_state, customers=20, invoices=60, today=qb_clock.now().date())
    source = make_source()
    report = sync(store, "acme", source, clock=qb_clock)
    assert report.counts["receivables"] > 0 and not report.problems
    invoice = next(r for r in store.open_receivables("acme"))
    source.open_balance(invoice.ref)
    source.document(invoice.ref)
    pdf = f"/invoice/{invoice.ref.external_id.split(':')[1]}/pdf"
    accepts = {seen.accept for seen in qb_state.seen if seen.path != pdf}
    assert accepts == {"application/json"}
    assert {seen.accept for seen in qb_state.seen if seen.path == pdf} == {"application/pdf"}


def test_the_pay_link_is_asked_for_and_kept_when_the_invoice_changes(
    qb_state: QuickBooksState, make_source: MakeSource, store: Store, qb_clock: FrozenClock
) -> None:
    from datetime import timedelta
    from decimal import Decimal

    qb_state.put("Customer", {"Id": "1", "DisplayName": "Acme Holdings"})
    invoice = {
        "Id": "7", "DocNumber": "INV-7", "TxnDate": "2026-01-10", "DueDate": "2026-02-09",
        "TotalAmt": Decimal("900.00"), "Balance": Decimal("900.00"),
        "CustomerRef": {"value": "1"}, "InvoiceLink": "https://connect.intuit.example/pay/7",
    }  # fmt: skip
    qb_state.put("Invoice", invoice)
    source = make_source()
    sync(store, "acme", source, clock=qb_clock)
    key = "quickbooks:acme:invoice:7"
    assert store.receivable("acme", key).payment_url == invoice["InvoiceLink"]
    invoice_reads = [s for s in qb_state.seen if "from Invoice" in s.params.get("query", "")]
    assert invoice_reads and all(s.params.get("include") == "invoiceLink" for s in invoice_reads)

    qb_clock.advance(timedelta(hours=1))  # partly paid: CDC reports it, without the link
    qb_state.put("Invoice", {**invoice, "Balance": Decimal("400.00")})
    sync(store, "acme", source, clock=qb_clock)
    partly = store.receivable("acme", key)
    assert partly.open_balance.amount == Decimal("400.00")
    assert partly.payment_url == invoice["InvoiceLink"]

    (batch,) = source.read([partly.ref])  # a webhook's targeted re-read
    assert batch.receivables[0].payment_url == invoice["InvoiceLink"]
