"""The cover sheets: the décompte (what is owed, and how it is computed) and the bordereau
de pièces (the numbered list of every document in the file)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from connector import formats
from connector.dossier.decompte import (
    ClaimedLine,
    Debt,
    Decompte,
    DeductionKind,
    Exclusion,
)
from connector.dossier.sheet import Column, Line, Note, Sheet
from connector.dossier.wording import Wording
from connector.letters.words import frame as letter_frame
from connector.model import Creditor, Customer, LegalKind, PostalAddress
from connector.money import Totals
from connector.planner import ItemKind

__all__ = ["Piece", "bordereau_pdf", "decompte_pdf", "party_lines"]


@dataclass(frozen=True, slots=True)
class Piece:
    """One document of the file: its number, what it is, its name in the archive."""

    number: int
    title: str
    name: str


def _address(address: PostalAddress | None) -> list[str]:
    if address is None:
        return []
    lines = [*address.lines, f"{address.postal_code} {address.city}".strip()]
    if address.country != "FR":
        lines.append(address.country)
    return [line for line in lines if line]


def party_lines(
    words: Wording, creditor: Creditor, customer: Customer
) -> list[tuple[str, list[str]]]:
    """The creditor's and the debtor's identity blocks: name, SIREN, VAT, address."""
    debtor_address = customer.address or next(
        (c.address for c in customer.contacts if c.address), None
    )
    frame = letter_frame(words.language)  # the letters' own words for the legal mentions
    creditor_lines = [creditor.name]
    creditor_lines += [line for line in (str(frame.legal_form(creditor)).strip(),) if line]
    registration = str(frame.registration(creditor)).strip()
    creditor_lines.append(registration or words.say("field", words["siren"], words["not_given"]))
    if creditor.vat_id:
        creditor_lines.append(words.say("field", words["vat"], creditor.vat_id))
    debtor_lines = [customer.name]
    if customer.registration_id or customer.legal_kind is LegalKind.B2B:  # a consumer has none
        registration = customer.registration_id or words["not_given"]
        debtor_lines.append(words.say("field", words["siren"], registration))
    return [
        (words["creditor"], creditor_lines + _address(creditor.address)),
        (words["debtor"], debtor_lines + _address(debtor_address)),
    ]


def decompte_pdf(
    decompte: Decompte, words: Wording, creditor: Creditor, customer: Customer
) -> bytes:
    sheet = Sheet(words, creditor=creditor.name, title=words["decompte"])
    sheet.title_block(words["decompte"], words.say("as_of_title", decompte.as_of))
    sheet.parties(party_lines(words, creditor, customer))
    b2c = decompte.b2c
    columns = [
        Column(words["col_invoice"], 17),
        Column(words["col_issued"], 15.5),
        Column(words["col_due"], 15.5),
        Column(words["col_amount"], 17, "RIGHT"),
        Column(words["col_paid"], 15, "RIGHT"),
        Column(words["col_principal"], 17, "RIGHT"),
        Column(words.say("interest_column", b2c), 14, "RIGHT"),
        *([] if b2c else [Column(words["col_indemnity"], 14.5, "RIGHT")]),
        Column(words["col_total"], 17, "RIGHT"),
    ]
    sheet.heading(words["claimed"])
    if decompte.lines:
        sheet.ruled(columns, _invoice_rows(decompte, words))
    else:
        sheet.paragraph(words["none"])
    if decompte.deductions:
        sheet.heading(words["deductions"])
        sheet.ruled(
            [
                Column(words["col_reference"], 100),
                Column(words["col_deduction"], 25, "RIGHT"),
            ],
            (
                Line([_deduction_label(words, d.kind, d.reference, d.on), words.money(-d.amount)])
                for d in decompte.deductions
            ),
        )
    sheet.heading(words["summary"])
    sheet.ruled(
        [Column("", 100), *(Column(c, 25, "RIGHT") for c in decompte.currencies)],
        _summary_rows(decompte, words),
    )
    if decompte.excluded:
        sheet.heading(words["not_claimed"])
        sheet.ruled(
            [
                Column(words["col_invoice"], 17),
                Column(words["col_issued"], 15.5),
                Column(words["col_due"], 15.5),
                Column(words["col_principal"], 17, "RIGHT"),
                Column(words["col_reason"], 50),
            ],
            (
                Line(
                    [
                        debt_label(words, x.debt),
                        words.date(x.debt.issued_on),
                        words.date(x.debt.due_on),
                        words.money(x.debt.open),
                        exclusion_text(words, x.reason, x.since, x.detail),
                    ]
                )
                for x in decompte.excluded
            ),
        )
    sheet.keep(60)  # the grounds and the signature on one page
    sheet.heading(words["grounds"])
    sheet.paragraph(
        words.say(
            "grounds",
            decompte.jurisdiction,
            b2c,
            decompte.day_count,
            decompte.contract_rate,
            list(decompte.legal_basis),
        )
    )
    sheet.signature(
        formats.place_and_date(
            creditor.address.city if creditor.address else "", decompte.as_of, words.language
        ),
        [creditor.signatory, creditor.signatory_title, creditor.name],
    )
    return sheet.finish()


def exclusion_text(words: Wording, reason: Exclusion, since: date, detail: str) -> str:
    if reason is Exclusion.NOT_DUE:
        return words.say("not_due", since)
    return words.say("disputed", since, detail)


def _deduction_label(words: Wording, kind: DeductionKind, reference: str, on: date) -> str:
    if kind is DeductionKind.CREDIT_NOTE:
        return words.say("credit_note", reference, on)
    return words.say("unapplied", reference, on)


def _basis_days(day_count: str) -> str:
    return "365" if day_count == "actual/365" else "365/366"


def debt_label(words: Wording, debt: Debt) -> str:
    """« F-0123 », « F-0123, échéance 1/2 », « Échéancier du 2 octobre 2026, échéance 2/4 »."""
    return words.say("debt", debt.kind.value, debt.number, debt.part, debt.parts, debt.issued_on)


def entry_notes(
    entry: ClaimedLine, decompte: Decompte, words: Wording, *, periods: bool = True
) -> list[str]:
    """What explains a line's figures, one sentence each: the invoices a plan is for and
    whose indemnities it carries, the formal notice a consumer's interest runs from, the
    periods, the rounding, a missing rate."""
    notes = []
    if entry.debt.kind is ItemKind.INSTALMENT:
        notes.append(words.say("covers", [r.number for r in entry.debt.receivables]))
        if entry.indemnity_for:
            notes.append(words.say("indemnity_for", list(entry.indemnity_for)))
    if entry.no_notice:
        notes.append(words.say("no_notice"))
    elif entry.interest_from is not None:
        notes.append(words.say("from_notice", entry.interest_from))
    basis = _basis_days(decompte.day_count)
    for p in entry.periods if periods else ():
        notes.append(
            words.say("period", p.start, p.end, p.days, p.rate, basis, p.principal, p.amount)
        )
    if not entry.rounding.is_zero:
        notes.append(words.say("rounding", entry.rounding))
    if entry.missing_from is not None:
        notes.append(
            words.say("missing_rate", entry.computed_until, entry.missing_from, decompte.b2c)
        )
    return notes


def _invoice_rows(decompte: Decompte, words: Wording) -> Iterator[Line | Note]:
    for entry in decompte.lines:
        debt = entry.debt
        interest = words.money(entry.interest_figure) if entry.computed else "—"
        total = entry.total
        yield Line(
            [
                debt_label(words, debt),
                words.date(debt.issued_on),
                words.date(debt.due_on),
                words.money(debt.amount),
                words.money(debt.paid),
                words.money(entry.principal),
                interest,
                *([] if decompte.b2c else [words.money(entry.indemnity)]),
                words.money(total) if total is not None else "—",
            ]
        )
        for note in entry_notes(entry, decompte, words):
            yield Note(note)


def _summary_rows(decompte: Decompte, words: Wording) -> Iterator[Line]:
    currencies = decompte.currencies

    def row(label: str, totals: Totals, *, sign: int = 1, bold: bool = False) -> Line:
        cells = [label]
        for currency in currencies:
            money = totals.get_or_zero(currency)
            cells.append(words.money(-money if sign < 0 else money))
        return Line(cells, bold=bold)

    yield row(words["total_principal"], decompte.principal)
    yield row(words.say("total_interest", decompte.b2c), decompte.interest)
    if not decompte.b2c:
        yield row(words["total_indemnity"], decompte.indemnities)
    if decompte.deductions:
        yield row(words["total_deductions"], decompte.deducted, sign=-1)
    yield row(words.say("total_due", decompte.as_of), decompte.total, bold=True)


def bordereau_pdf(
    pieces: Sequence[Piece],
    notes: Sequence[str],
    words: Wording,
    creditor: Creditor,
    customer: Customer,
    as_of: date,
) -> bytes:
    sheet = Sheet(words, creditor=creditor.name, title=words["bordereau"])
    sheet.title_block(
        words["bordereau"], words.say("dateline", creditor.name, customer.name, as_of)
    )
    sheet.parties(party_lines(words, creditor, customer))
    sheet.ruled(
        [
            Column(words["col_number"], 8, "RIGHT"),
            Column(words["col_piece"], 62),
            Column(words["col_file"], 40),
        ],
        (Line([str(p.number), p.title, p.name]) for p in pieces),
    )
    for note in notes:
        sheet.paragraph(note, grey=True)
    return sheet.finish()
