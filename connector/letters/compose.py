"""From a letter's facts and its step's words to the :class:`Letter` the layout prints.

The step's template (rendered with the facts as ``letter``) gives the sentences: a formal
notice exports ``opening``, ``commitments``, ``charges``, ``charges_note``, ``demand``,
``consequence``, ``legal`` and ``closing``; any other step its ``intro`` and ``outro``, as
for an e-mail. The frame's template (``letter.j2``) gives every other word; figures are
written by :mod:`connector.formats`. The order of the blocks is the order a French
business letter follows: what is owed, what the law adds, the total, how and by when to
pay, what follows, the closing formula.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from connector import formats
from connector.letters.charges import Charges
from connector.letters.document import (
    Align,
    Block,
    Column,
    Letter,
    Letterhead,
    Paragraph,
    Row,
    Table,
)
from connector.letters.facts import LetterFacts
from connector.letters.items import Item
from connector.letters.words import frame
from connector.model import Creditor, StepKind
from connector.money import Money

__all__ = ["compose", "letterhead", "with_annexes"]

log = logging.getLogger(__name__)

L, R = Align.LEFT, Align.RIGHT


def _lines(text: object) -> tuple[str, ...]:
    return tuple(line.strip() for line in str(text).splitlines() if line.strip())


def _paragraphs(text: object, *, opens_table: bool = False) -> list[Paragraph]:
    """Blocks of text separated by blank lines; the last one stays with a table it opens."""
    blocks = [b.strip() for b in str(text).strip().split("\n\n") if b.strip()]
    return [
        Paragraph(block, keep_with_next=opens_table and n == len(blocks) - 1)
        for n, block in enumerate(blocks)
    ]


def letterhead(creditor: Creditor, language: str) -> Letterhead:
    """The creditor as its letters present it: name, legal form and capital, address and
    contact details at the top, its legal mentions in every footer, its logo if any."""
    words = frame(language)
    logo = Path(creditor.logo) if creditor.logo else None
    if logo is not None and not logo.is_file():
        log.warning("the creditor's logo file is missing: the letter is printed without it")
        logo = None
    return Letterhead(
        name=" ".join(creditor.name.split()),
        lines=tuple(
            formats.typography(line, language) for line in _lines(words.letterhead(creditor))
        ),
        footer=formats.typography(str(words.footer(creditor)).strip(), language),
        logo=logo,
    )


def _money(value: Money | None, language: str) -> str:
    return "" if value is None else formats.money(value, language)


def _currency(facts: LetterFacts, currency: str) -> str:
    """The currency named beside a total only when the letter has several."""
    currencies = {*facts.balance, *(s.currency for s in facts.sums)}
    return currency if len(currencies) > 1 else ""


def _statement(facts: LetterFacts, words: Any) -> Table:
    lang = facts.language
    widths = (42, 14, 14, 16, 15, 16, 13)
    aligns = (L, R, R, R, R, R, R)
    columns = tuple(
        Column(h, w, a) for h, w, a in zip(words.invoice_headings, widths, aligns, strict=True)
    )
    rows = [_item_row(item, lang) for item in (*facts.items, *facts.credits)]
    rows.extend(
        Row(
            (
                str(words.balance_label(_currency(facts, c))),
                "",
                "",
                "",
                "",
                _money(total, lang),
                "",
            ),
            strong=True,
        )
        for c, total in facts.balance.items()
    )
    return Table(columns, tuple(rows))


def _item_row(item: Item, language: str) -> Row:
    def short(day: object) -> str:
        return formats.short_date(day, language) if day is not None else ""  # type: ignore[arg-type]

    return Row(
        (
            item.label,
            short(item.issued_on),
            short(item.due_on),
            _money(item.amount, language),
            _money(item.paid, language) if item.paid is not None and item.paid.is_positive else "",
            _money(item.balance, language),
            item.late,
        )
    )


def _later(facts: LetterFacts, words: Any) -> Table:
    lang = facts.language
    columns = tuple(
        Column(h, w, a)
        for h, w, a in zip(words.later_headings, (64, 18, 18), (L, R, R), strict=True)
    )
    rows = tuple(
        Row(
            (
                i.label,
                formats.short_date(i.due_on, lang) if i.due_on else "",
                _money(i.balance, lang),
            )
        )
        for i in facts.later
    )
    return Table(columns, rows, width=0.75)


def _charge_rows(charge: Charges, language: str, words: Any) -> list[Row]:
    fee = _money(charge.indemnity, language)
    if not charge.periods:
        return [Row((charge.label, "", "", "", "", _money(charge.interest, language), fee))]
    rows = []
    for n, p in enumerate(charge.periods):
        rows.append(
            Row(
                (
                    charge.label if n == 0 else "",
                    str(words.period(p.start, p.end)),
                    formats.number(p.days, language),
                    formats.percent(p.rate, language),
                    _money(p.principal, language),
                    _money(p.amount, language),
                    fee if n == 0 else "",
                )
            )
        )
    return rows


def _charges(facts: LetterFacts, words: Any, note: str) -> Table:
    lang = facts.language
    if not facts.interest_known:  # the indemnity alone: no figure for the interest
        columns = tuple(
            Column(h, w, a)
            for h, w, a in zip(words.indemnity_headings, (60, 20, 20), (L, R, R), strict=True)
        )
        rows = [
            Row(
                (
                    c.label,
                    formats.short_date(c.due_on, lang) if c.due_on else "",
                    _money(c.indemnity, lang),
                )
            )
            for c in facts.charges
        ]
        rows += [
            Row(
                (
                    str(words.charges_label(_currency(facts, s.currency))),
                    "",
                    _money(s.indemnity, lang),
                ),
                strong=True,
            )
            for s in facts.sums
            if s.indemnity.is_positive
        ]
        return Table(columns, tuple(rows), note=note)
    widths = (30, 37, 11, 15, 19, 18, 18)
    aligns = (L, L, R, R, R, R, R)
    columns = tuple(
        Column(h, w, a) for h, w, a in zip(words.charge_headings, widths, aligns, strict=True)
    )
    rows = [row for charge in facts.charges for row in _charge_rows(charge, lang, words)]
    for s in facts.sums:
        if s.indemnity.is_positive or (s.interest is not None and s.interest.is_positive):
            label = str(words.charges_label(_currency(facts, s.currency)))
            fees = _money(s.indemnity, lang) if s.indemnity.is_positive else ""
            cells = (label, "", "", "", "", _money(s.interest, lang), fees)
            rows.append(Row(cells, strong=True))
    if not facts.has_indemnity:  # no column for what is not claimed
        columns = columns[:-1]
        rows = [replace(row, cells=row.cells[:-1]) for row in rows]
    return Table(columns, tuple(rows), note=note)


def _sums(facts: LetterFacts, words: Any) -> Table | None:
    """Principal, indemnities, interest and the total due, per currency."""
    lang = facts.language
    rows: list[Row] = []
    for s in facts.sums:
        if not s.indemnity.is_positive and s.interest is None:
            continue
        cur = _currency(facts, s.currency)
        rows.append(Row((str(words.principal_label(cur)), _money(s.principal, lang))))
        if s.indemnity.is_positive:
            count = facts.indemnities(s.currency)
            label = words.indemnity_label(count, facts.indemnity_units, cur)
            rows.append(Row((str(label), _money(s.indemnity, lang))))
        if s.interest is not None:
            rows.append(Row((str(words.interest_label(facts.day, cur)), _money(s.interest, lang))))
        rows.append(Row((str(words.total_label(cur)), _money(s.total, lang)), strong=True))
    if not rows:
        return None
    return Table((Column("", 76, L), Column("", 24, R)), tuple(rows), width=0.8)


def _payment(facts: LetterFacts, words: Any) -> Table | None:
    creditor = facts.creditor
    rows: list[Row] = []
    if creditor.iban:
        rows.append(
            Row((str(words.transfer_label()), str(words.transfer(creditor.iban, creditor.bic))))
        )
        rows.append(Row((words.holder_label, " ".join(creditor.name.split()))))
    several = len(facts.links) > 1
    rows.extend(
        Row((words.link_label if n == 0 else "", str(words.link(label, url, several))))
        for n, (label, url) in enumerate(facts.links)
    )
    if not rows:
        return None
    rows.append(Row((words.reference_label, facts.reference)))
    return Table((Column("", 32, L), Column("", 68, L)), tuple(rows), ruled=False)


def _notice_body(facts: LetterFacts, parts: Mapping[str, object], words: Any) -> list[Block]:
    body: list[Block] = [*_paragraphs(parts["opening"], opens_table=True), _statement(facts, words)]
    if facts.later:
        body.append(_later(facts, words))
    body += _paragraphs(parts["commitments"])
    body += _paragraphs(parts["charges"], opens_table=bool(facts.charges))
    if facts.charges:
        body.append(_charges(facts, words, str(parts["charges_note"]).strip()))
    sums = _sums(facts, words)
    if sums is not None:
        body.append(sums)
    payment = _payment(facts, words)
    body += _paragraphs(parts["demand"], opens_table=payment is not None)
    if payment is not None:
        body.append(payment)
    for name in ("consequence", "legal", "closing"):
        body += _paragraphs(parts[name])
    return body


def _reminder_body(facts: LetterFacts, parts: Mapping[str, object], words: Any) -> list[Block]:
    body: list[Block] = [*_paragraphs(parts["intro"], opens_table=True), _statement(facts, words)]
    if facts.later:
        body.append(_later(facts, words))
    payment = _payment(facts, words)
    if payment is not None:
        body.append(payment)
    body += _paragraphs(parts["outro"])
    return body


def _typeset(letter: Letter) -> Letter:
    """The letter in its language's typography: in French, a no-break space before « : ; ! ? »
    and inside « guillemets », so that a sign never starts a line (its letterhead is set so
    by :func:`letterhead`)."""

    def text(value: str) -> str:
        return formats.typography(value, letter.language)

    def block(value: Block) -> Block:
        if isinstance(value, Paragraph):
            return replace(value, text=text(value.text))
        return replace(
            value,
            columns=tuple(replace(c, heading=text(c.heading)) for c in value.columns),
            rows=tuple(replace(r, cells=tuple(map(text, r.cells))) for r in value.rows),
            note=text(value.note),
        )

    return replace(
        letter,
        recipient=tuple(map(text, letter.recipient)),
        notes=tuple(map(text, letter.notes)),
        dateline=text(letter.dateline),
        subject=text(letter.subject),
        salutation=text(letter.salutation),
        body=tuple(block(b) for b in letter.body),
        signature=tuple(map(text, letter.signature)),
        running_header=text(letter.running_header),
        annexes=text(letter.annexes),
    )


def compose(facts: LetterFacts, parts: Mapping[str, object]) -> Letter:
    """The letter of ``facts`` with the sentences its step's template exported."""
    words = frame(facts.language)
    subject = " ".join(str(parts["subject"]).split())
    notes = [str(words.reference(facts.reference)).strip()]
    if facts.registered:
        notes = [words.registered, str(words.tracking(facts.tracking_number)).strip(), *notes]
    if facts.step is StepKind.NOTICE:
        body = _notice_body(facts, parts, words)
    else:
        body = _reminder_body(facts, parts, words)
    creditor = facts.creditor
    signature = tuple(
        line
        for line in (
            " ".join(creditor.signatory.split()) or words.default_signatory,
            " ".join(creditor.signatory_title.split()),
            " ".join(creditor.name.split()),
        )
        if line
    )
    head = letterhead(creditor, facts.language)
    letter = Letter(
        language=facts.language,
        title=subject,
        letterhead=head,
        recipient=_lines(words.recipient(facts.recipient)),
        notes=tuple(notes),
        strong_notes=1 if facts.registered else 0,
        dateline=formats.place_and_date(facts.city, facts.day, facts.language),
        subject=str(words.subject(subject)).strip(),
        salutation=facts.salutation.opening,
        body=tuple(body),
        signature=signature,
        page_words=words.page_words,
        running_header=str(words.running(head.name, subject, facts.reference)).strip(),
    )
    return _typeset(letter)


def with_annexes(letter: Letter, numbers: Sequence[str]) -> Letter:
    """The letter listing, as its enclosures, copies of the invoices ``numbers``."""
    if not numbers:
        return replace(letter, annexes="")
    words = str(frame(letter.language).annexes(list(numbers))).strip()
    return replace(letter, annexes=formats.typography(words, letter.language))
