"""The invoices of the file: the source's own PDF, or a statement rebuilt from the ledger.

A platform that keeps the invoice's PDF gives it (:meth:`Source.document`); a ledger read
from files (CSV, FEC) has none. Then relance prints an « état de la facture »: a sheet
headed, in a framed box, as a statement drawn from the creditor's accounting records and
not the original invoice, with the number, the dates, the amount, what was paid or
credited, the balance and the payments allocated to it. It never imitates an invoice.
"""

from __future__ import annotations

import logging

from connector.dossier.contents import Contents, allocated_to
from connector.dossier.cover import party_lines
from connector.dossier.sheet import Column, Line, Sheet
from connector.dossier.wording import Wording
from connector.errors import SourceError, Unsupported
from connector.model import Creditor, Receivable
from connector.source import Source

__all__ = ["rebuilt_invoice_pdf", "source_pdf"]

log = logging.getLogger(__name__)


def source_pdf(source: Source | None, receivable: Receivable) -> bytes | None:
    """The invoice's own PDF from its platform; None when it has none or cannot give it."""
    if source is None:
        return None
    try:
        data = source.document(receivable.ref)
    except Unsupported:
        return None
    except SourceError as exc:
        log.warning("invoice PDF of %s unavailable: %s", receivable.ref.key, exc.message)
        return None
    if not data.startswith(b"%PDF-"):
        log.warning("the source's document for %s is not a PDF: rebuilt", receivable.ref.key)
        return None
    return data


def rebuilt_invoice_pdf(
    receivable: Receivable, contents: Contents, words: Wording, creditor: Creditor
) -> bytes:
    title = f"{words['invoice_statement']} {receivable.number}"
    sheet = Sheet(words, creditor=creditor.name, title=title)
    sheet.boxed(words.say("rebuilt_header", creditor.name, contents.as_of))
    sheet.title_block(title)
    sheet.parties(party_lines(words, creditor, contents.customer))
    fields = [
        (words["invoice_number"], receivable.number),
        (words["issued_on"], words.date(receivable.issued_on)),
        (words["due_on"], words.date(receivable.due_on)),
        (words["invoice_total"], words.money(receivable.total)),
        (words["invoice_settled"], words.money(receivable.total - receivable.open_balance)),
        (words.say("balance_on", contents.as_of), words.money(receivable.open_balance)),
    ]
    if receivable.document_url:
        fields.append((words["online"], receivable.document_url))
    balance = 5
    sheet.ruled(
        [Column("", 45), Column("", 55, "RIGHT")],
        (Line(pair, bold=n == balance) for n, pair in enumerate(fields)),
        heading=False,
    )
    payments = [(p, allocated_to(p, receivable.ref)) for p in contents.payments]
    allocated = [(p, amount) for p, amount in payments if amount is not None]
    sheet.heading(words["allocated_payments"])
    if not allocated:
        sheet.paragraph(words["none"])
        return sheet.finish()
    sheet.ruled(
        [
            Column(words["col_date"], 20),
            Column(words["col_reference"], 35),
            Column(words["col_payment_amount"], 25, "RIGHT"),
            Column(words["col_allocated_here"], 25, "RIGHT"),
        ],
        (
            Line(
                [
                    words.date(p.received_on),
                    p.ref.external_id,
                    words.money(p.amount),
                    words.money(amount),
                ]
            )
            for p, amount in allocated
        ),
    )
    return sheet.finish()
