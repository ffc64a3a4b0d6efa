"""The file's spreadsheets: the décompte, the payments and the audit trail as CSV.

Every cell goes through :func:`connector.exports.csv_document`: text from the ledger can
never be read as a formula, and amounts are plain decimals (a deduction is a negative
number, ``-500.00``, that a spreadsheet adds up). In the décompte, the ``total`` column of
the invoice, indemnity and deduction rows adds up to the total row of their currency;
interest periods and unclaimed documents are detail rows, outside that sum.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from connector.dossier.contents import Contents
from connector.dossier.cover import debt_label, entry_notes, exclusion_text
from connector.dossier.decompte import Decompte, DeductionKind
from connector.dossier.wording import Wording
from connector.exports import Cell, csv_document
from connector.money import Money

__all__ = ["decompte_csv", "payments_csv", "trail_csv"]

_DECOMPTE = (
    "col_section",
    "col_reference",
    "col_issued",
    "col_due",
    "col_from",
    "col_to",
    "col_days",
    "col_rate",
    "col_basis",
    "col_amount",
    "col_paid",
    "col_principal",
    "col_interest",
    "col_indemnity",
    "col_deduction",
    "col_total",
    "col_currency",
    "col_note",
)


def _row(**cells: Cell) -> list[Cell]:
    return [cells.get(name[4:]) for name in _DECOMPTE]


def decompte_csv(decompte: Decompte, words: Wording) -> bytes:
    header = [
        words.say("interest_column", decompte.b2c) if k == "col_interest" else words[k]
        for k in _DECOMPTE
    ]
    return csv_document(header, _decompte_rows(decompte, words))


def _decompte_rows(decompte: Decompte, words: Wording) -> Iterator[Sequence[Cell]]:
    basis = 365 if decompte.day_count == "actual/365" else None
    for entry in decompte.lines:
        debt = entry.debt
        label = debt_label(words, debt)
        total = entry.total
        same = total is not None
        yield _row(
            section=words["section_invoice"],
            reference=label,
            issued=debt.issued_on,
            due=debt.due_on,
            amount=debt.amount,
            paid=debt.paid,
            principal=entry.principal,
            interest=entry.interest,
            indemnity=entry.indemnity if same else None,
            total=total if same else entry.principal + entry.interest_figure,
            currency=debt.open.currency,
            note=" ".join(entry_notes(entry, decompte, words, periods=False)),
        )
        for p in entry.periods:
            yield _row(
                section=words["section_period"],
                reference=label,
                **{"from": p.start, "to": p.end},
                days=p.days,
                rate=p.rate,
                basis=basis,
                principal=p.principal,
                interest=p.amount,
                currency=p.amount.currency,
            )
        if not same and entry.indemnity.is_positive:
            yield _row(
                section=words["section_indemnity"],
                reference=label,
                indemnity=entry.indemnity,
                total=entry.indemnity,
                currency=entry.indemnity.currency,
            )
    for d in decompte.deductions:
        credit = d.kind is DeductionKind.CREDIT_NOTE
        yield _row(
            section=words["section_credit_note" if credit else "section_unapplied"],
            reference=d.reference,
            issued=d.on,
            deduction=-d.amount,
            total=-d.amount,
            currency=d.amount.currency,
        )
    for x in decompte.excluded:
        yield _row(
            section=words["section_not_claimed"],
            reference=debt_label(words, x.debt),
            issued=x.debt.issued_on,
            due=x.debt.due_on,
            amount=x.debt.amount,
            paid=x.debt.paid,
            principal=x.debt.open,
            currency=x.debt.open.currency,
            note=exclusion_text(words, x.reason, x.since, x.detail),
        )
    for currency in decompte.currencies:
        yield _row(
            section=words["section_total"],
            issued=decompte.as_of,
            principal=decompte.principal.get_or_zero(currency),
            interest=decompte.interest.get_or_zero(currency),
            indemnity=decompte.indemnities.get_or_zero(currency),
            deduction=-decompte.deducted.get_or_zero(currency),
            total=decompte.total.get_or_zero(currency),
            currency=currency,
            note=words.say("total_due", decompte.as_of),
        )


def payments_csv(contents: Contents, words: Wording) -> bytes:
    """One row per document a payment went to, and one for its unapplied part: the
    allocated and unapplied amounts of a payment's rows add up to the payment."""
    header = [
        words["col_received_on"],
        words["col_payment"],
        words["col_payment_amount"],
        words["col_currency"],
        words["col_allocated"],
        words["col_allocated_amount"],
        words["col_unapplied"],
    ]
    rows: list[list[Cell]] = []
    for p in sorted(contents.payments, key=lambda p: (p.received_on, p.ref.key)):
        head: list[Cell] = [p.received_on, p.ref.external_id, p.amount, p.amount.currency]
        for allocation in p.allocations:
            number = contents.number(allocation.receivable_ref.key)
            rows.append([*head, number, allocation.amount, None])
        if p.unapplied.is_positive or not p.allocations:
            rows.append([*head, None, None, p.unapplied])
    return csv_document(header, rows)


def trail_csv(contents: Contents, words: Wording) -> bytes:
    header = [words["col_when"], words["col_event"], words["col_invoices"], words["col_details"]]
    rows: list[list[Cell]] = [
        [
            event.at,
            words.event(event.kind.value),
            ", ".join(contents.number(key) for key in event.receivable_keys),
            "; ".join(f"{key}={_plain(value)}" for key, value in sorted(event.payload.items())),
        ]
        for event in contents.trail
    ]
    return csv_document(header, rows)


def _plain(value: object) -> str:
    if isinstance(value, Money):
        return str(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return str(value)
