"""The trail relance leaves in QuickBooks: Attachable notes, the step on the invoice."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from adapters.quickbooks.writeback import fingerprint
from connector.model import Channel, Platform, SourceRef
from connector.source import Outcome
from tests.emulators.quickbooks import REALM, QuickBooksState

from .conftest import MakeSource


def ref(n: str) -> SourceRef:
    return SourceRef(platform=Platform.QUICKBOOKS, tenant="acme", external_id=f"invoice:{n}")


def outcome(*ids: str, step: str = "reminder_1", key: str = "c1|reminder_1|x") -> Outcome:
    return Outcome(
        action_key=key,
        step=step,
        channel=Channel.EMAIL,
        done_on=date(2026, 3, 10),
        receivables=tuple(ref(i) for i in ids),
        note="n",
        customer=SourceRef(platform=Platform.QUICKBOOKS, tenant="acme", external_id="customer:1"),
        numbers=tuple(f"INV-{i}" for i in ids),
        next_step="reminder_2",
        next_on=date(2026, 3, 24),
    )


@pytest.fixture
def ledger(qb_state: QuickBooksState) -> QuickBooksState:
    qb_state.put("Customer", {"Id": "1", "DisplayName": "Acme Holdings"})
    for n in ("11", "12"):
        qb_state.put(
            "Invoice",
            {
                "Id": n,
                "DocNumber": f"INV-{n}",
                "TxnDate": "2026-01-10",
                "DueDate": "2026-02-09",
                "TotalAmt": Decimal("500.00"),
                "Balance": Decimal("500.00"),
                "CustomerRef": {"value": "1"},
                "PrivateNote": "PO 4711 — call Sam before shipping",
                "CustomerMemo": {"value": "Thank you for your business"},
            },
        )
    return qb_state


def invoices(state: QuickBooksState) -> dict[str, dict[str, object]]:
    return state.data[REALM]["Invoice"]


def test_a_note_per_invoice_and_the_step_in_the_private_note_in_two_batches(
    ledger: QuickBooksState, make_source: MakeSource
) -> None:
    source = make_source()
    ledger.calls.clear()
    receipts = source.write_back_all(outcome("11", "12"))
    assert [p for _, p in ledger.calls] == ["/batch", "/batch"]  # read, then write
    notes = list(ledger.data[REALM]["Attachable"].values())
    assert len(notes) == 2
    assert {n["AttachableRef"][0]["EntityRef"]["value"] for n in notes} == {"11", "12"}
    assert notes[0]["Note"].startswith("2026-03-10 relance: Reminder 1 sent by email")
    memo = str(invoices(ledger)["11"]["PrivateNote"])
    assert memo.startswith("PO 4711 — call Sam before shipping\n2026-03-10 relance")
    assert "next: Reminder 2 around 2026-03-24" in memo
    assert invoices(ledger)["11"]["CustomerMemo"] == {"value": "Thank you for your business"}
    assert (
        receipts["quickbooks:acme:invoice:11"].written["quickbooks:acme:invoice:11#step"]
        == "private note"
    )


def test_a_retried_write_adds_nothing(ledger: QuickBooksState, make_source: MakeSource) -> None:
    make_source().write_back_all(outcome("11", "12"))
    tokens = {i: r["SyncToken"] for i, r in invoices(ledger).items()}
    again = make_source().write_back_all(outcome("11", "12"))  # a new process, same action
    assert len(ledger.data[REALM]["Attachable"]) == 2
    assert {i: r["SyncToken"] for i, r in invoices(ledger).items()} == tokens
    mark = f"[rl:{fingerprint('c1|reminder_1|x')}]"
    assert str(invoices(ledger)["11"]["PrivateNote"]).count(mark) == 1
    assert again["quickbooks:acme:invoice:11"].written  # and it says what is there


def test_the_step_goes_to_the_custom_field_the_company_enabled(
    ledger: QuickBooksState, make_source: MakeSource
) -> None:
    ledger.realm(REALM, custom_fields={2: "Dunning"})
    make_source(custom_field="dunning").write_back_all(outcome("11"))
    (field,) = invoices(ledger)["11"]["CustomField"]  # type: ignore[misc]
    assert field == {
        "DefinitionId": "2",
        "Name": "Dunning",
        "Type": "StringType",
        "StringValue": "Reminder 1 > 2026-03-24",
    }
    assert "relance" not in str(invoices(ledger)["11"]["PrivateNote"])


def test_the_company_s_other_custom_fields_keep_their_values(
    ledger: QuickBooksState, make_source: MakeSource
) -> None:
    ledger.realm(REALM, custom_fields={1: "PO number", 2: "Dunning", 3: "Crew #"})
    theirs = [
        {"DefinitionId": "1", "Name": "PO number", "Type": "StringType", "StringValue": "4711"},
        {"DefinitionId": "3", "Name": "Crew #", "Type": "StringType", "StringValue": "102"},
    ]
    record = invoices(ledger)["11"]
    ledger.put("Invoice", {**record, "CustomField": theirs})
    source = make_source(custom_field="Dunning")
    source.write_back_all(outcome("11"))
    source.write_back_all(outcome("11", step="reminder_2", key="c1|reminder_2|x"))
    values = {
        f["Name"]: f["StringValue"]
        for f in invoices(ledger)["11"]["CustomField"]  # type: ignore[attr-defined]
    }
    assert values == {"PO number": "4711", "Crew #": "102", "Dunning": "Reminder 2 > 2026-03-24"}


def test_an_invoice_edited_meanwhile_is_read_again_and_written(
    ledger: QuickBooksState, make_source: MakeSource
) -> None:
    batches = 0

    def someone_edits(method: str, path: str) -> None:
        nonlocal batches
        if path == "/batch":
            batches += 1
            if batches == 2:  # between relance's read and its write
                record = invoices(ledger)["11"]
                ledger.put("Invoice", {**record, "PrivateNote": f"{record['PrivateNote']} (ok)"})

    ledger.before = someone_edits
    receipts = make_source().write_back_all(outcome("11"))
    memo = str(invoices(ledger)["11"]["PrivateNote"])
    assert "(ok)" in memo and "relance:" in memo  # both edits kept
    assert receipts["quickbooks:acme:invoice:11"].written
    assert batches == 3  # read; write (refused: stale); write again after a re-read
    assert any("Id IN ('11')" in q for q in ledger.queries)


def test_the_invoice_pdf_for_a_letter(ledger: QuickBooksState, make_source: MakeSource) -> None:
    pdf = make_source().document(ref("11"))
    assert pdf.startswith(b"%PDF")
    assert ("GET", "/invoice/11/pdf") in ledger.calls


def test_batch_requests_stay_under_intuit_s_batch_limit(
    qb_state: QuickBooksState, make_source: MakeSource
) -> None:
    qb_state.put("Customer", {"Id": "1", "DisplayName": "Acme Holdings"})
    ids = [str(n) for n in range(100, 170)]
    for n in ids:
        qb_state.put(
            "Invoice",
            {"Id": n, "DocNumber": f"INV-{n}", "TxnDate": "2026-01-10", "DueDate": "2026-02-09",
             "TotalAmt": Decimal("80.00"), "Balance": Decimal("80.00"),
             "CustomerRef": {"value": "1"}},
        )  # fmt: skip
    source = make_source()
    for n in ids:  # one reminder per invoice, one after the other: two batches each
        source.write_back_all(outcome(n, key=f"c1|reminder_1|{n}"))
    assert len(qb_state.data[REALM]["Attachable"]) == len(ids)
    assert qb_state.throttled == 0  # never refused
    sent = sorted(qb_state.batches[REALM])
    assert len(sent) == 2 * len(ids) > 120
    window = timedelta(minutes=1)
    assert max(sum(1 for t in sent if start <= t < start + window) for start in sent) <= 120
