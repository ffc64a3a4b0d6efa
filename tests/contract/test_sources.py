"""The contract every source keeps, whatever platform is behind it."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from connector.errors import RelanceError, SourceRejected, Unsupported
from connector.model import Channel, Customer, Receivable
from connector.money import Money
from connector.source import Batch, Outcome, Resource, Source, WriteReceipt

from .conftest import Harness


def full_read(harness: Harness) -> tuple[list[Batch], list[Customer], list[Receivable]]:
    batches = [b for r in Resource for b in harness.source.pull(r, None)]
    customers = [c for b in batches for c in b.customers]
    receivables = [r for b in batches for r in b.receivables]
    return batches, customers, receivables


def open_ones(receivables: list[Receivable]) -> list[Receivable]:
    return [r for r in receivables if r.is_open]


def test_it_is_a_source(harness: Harness) -> None:
    assert isinstance(harness.source, Source)
    assert harness.source.platform.value == harness.name


def test_a_full_read_is_whole_consistent_and_typed(harness: Harness) -> None:
    batches, customers, receivables = full_read(harness)
    assert customers and open_ones(receivables)
    now = harness.clock.now()
    for batch in batches:
        assert batch.complete or batch.cursor is not None  # resumable, or whole
        if batch.cursor is not None and batch.cursor.as_of is not None:
            assert batch.cursor.as_of.tzinfo is not None and batch.cursor.as_of <= now
    for batch in batches:  # a customer may come again with the documents that name it
        keys = [c.ref.key for c in batch.customers]
        assert len(keys) == len(set(keys))
    assert len({r.ref.key for r in receivables}) == len(receivables)
    known = {c.ref.key for c in customers}
    for r in receivables:
        assert r.ref.tenant == "acme" and r.ref.platform is harness.source.platform
        assert r.customer_ref.key in known  # every receivable's customer came too
        assert isinstance(r.open_balance, Money) and isinstance(r.open_balance.amount, Decimal)
        assert r.open_balance.amount >= 0
        assert r.updated_at is None or r.updated_at.tzinfo is not None


def test_the_fresh_balance_matches_the_read(harness: Harness) -> None:
    _, _, receivables = full_read(harness)
    for receivable in open_ones(receivables)[:5]:
        assert harness.source.open_balance(receivable.ref) == receivable.open_balance


def test_a_paid_invoice_reads_as_paid_at_once_and_at_the_next_pull(harness: Harness) -> None:
    batches, _, receivables = full_read(harness)
    target = open_ones(receivables)[0]
    cursor = next(b.cursor for b in batches if b.resource is Resource.RECEIVABLES)
    harness.pay_in_full(target.ref)
    assert harness.source.open_balance(target.ref).amount == 0
    again = [r for b in harness.source.pull(Resource.RECEIVABLES, cursor) for r in b.receivables]
    mine = [r for r in again if r.ref == target.ref]
    assert mine and not mine[0].is_open


def test_write_back_keeps_a_trail_or_says_it_cannot(harness: Harness) -> None:
    _, _, receivables = full_read(harness)
    target = open_ones(receivables)[0]
    outcome = Outcome(
        action_key=f"{target.customer_ref.key}|reminder_1|{target.ref.key}",
        step="reminder_1",
        channel=Channel.EMAIL,
        done_on=date(2026, 3, 10),
        receivables=(target.ref,),
        note="relance: reminder_1 sent via email",
        customer=target.customer_ref,
        numbers=(target.number,),
    )
    try:
        first = harness.source.write_back(target.ref, outcome)
    except Unsupported:
        assert not harness.writes_back
        return
    assert harness.writes_back and isinstance(first, WriteReceipt) and first.written
    assert harness.source.write_back(target.ref, outcome).written == first.written  # idempotent


def test_the_invoice_document_is_a_pdf_or_unsupported(harness: Harness) -> None:
    _, _, receivables = full_read(harness)
    try:
        pdf = harness.source.document(open_ones(receivables)[0].ref)
    except Unsupported:
        return
    assert pdf.startswith(b"%PDF")


@pytest.mark.parametrize(
    "headers, body",
    [
        ({}, b""),
        ({"Content-Type": "application/json"}, b"{not json"),
        ({"X-Pennylane-Signature": "t=1,v1=00"}, json.dumps({"id": "x"}).encode()),
    ],
)
def test_a_forged_or_garbled_webhook_is_refused_cleanly(
    harness: Harness, headers: dict[str, str], body: bytes
) -> None:
    with pytest.raises(RelanceError) as caught:
        harness.source.parse_webhook(headers, body)
    assert isinstance(caught.value, SourceRejected | Unsupported)


def test_payments_say_what_they_settled_of_each_document(harness: Harness) -> None:
    """Allocations name documents of the same customer, in the payment's currency, each no
    more than the document's total: the as-of view reopens documents by them."""
    batches, _, receivables = full_read(harness)
    payments = [p for b in batches for p in b.payments]
    documents = {r.ref.key: r for r in receivables}
    allocated = 0
    for payment in payments:
        assert payment.ref.platform is harness.source.platform
        for allocation in payment.allocations:
            assert allocation.amount.currency == payment.amount.currency
            assert allocation.amount.is_positive
            document = documents.get(allocation.receivable_ref.key)
            if document is None:  # a document the read does not bring (paid long ago)
                continue
            allocated += 1
            assert document.customer_ref == payment.customer_ref
            assert allocation.amount <= document.total
    if harness.name in ("files", "quickbooks", "odoo"):
        assert allocated, "the seeded payments settle documents the read brings"
