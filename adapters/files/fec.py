"""The FEC (Fichier des Écritures Comptables, LPF art. A47 A-1) as a source of receivables.

What is read: lines on customer accounts (``CompteNum`` starting with 411, configurable),
the customer being ``CompAuxNum``/``CompAuxLib`` (the general account when there is no
auxiliary account). A line is open while it is not lettered (``EcritureLet`` empty) or was
lettered after the as-of date (``DateLet``). Lines are grouped by customer and
``PieceRef``: a debit is an invoice (its total is the piece's debit on the customer
account), open by its open lines, paid when all are lettered; a credit is a credit note,
or, when booked in a treasury journal, a payment, unapplied by its open lines. Partial
lettering is not inferred: an invoice partly paid shows as the invoice line open plus a
payment line open, which the planner nets.

The lettering says what each payment settled: its lettered credit goes to the invoices
lettered with it (same customer, same letter), oldest due date first, each up to its
lettered debit (:func:`connector.allocations.allocate_in_due_order`). A credit note
lettered with an invoice leaves no dated trace of its use (see :mod:`connector.asof`).

The FEC has no due date: it comes from an optional ``due_dates.csv`` (``number,due_on``),
else the piece date plus the tenant's payment terms; ``contacts.csv`` gives where to send
reminders (:mod:`.fec_extras`). Foreign currency from ``Idevise``/``Montantdevise`` when
both are set. How the file is read and checked (encodings, separators, amounts, dates,
balanced entries): :mod:`.fec_lines`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

from connector.allocations import Settled, allocate_in_due_order
from connector.errors import ImportFileError
from connector.model import (
    Allocation,
    Payment,
    Platform,
    Receivable,
    ReceivableKind,
    ReceivableStatus,
    SourceRef,
)
from connector.money import Money

from .csvformat import Ledger
from .fec_extras import contacts_by_account, customer, due_dates_by_number
from .fec_lines import FEC_COLUMNS, FecLine, read_fec_lines

__all__ = ["FEC_COLUMNS", "load_fec"]

TREASURY_PREFIXES = ("BQ", "BAN", "BNK", "CA", "TR")


@dataclass
class _Piece:
    customer: str
    number: str
    journal: str
    on: date
    currency: str = "EUR"
    total: Decimal = Decimal(0)  # debit of the whole piece on the customer account
    credit: Decimal = Decimal(0)  # credit of the whole piece on the customer account
    open: Decimal = Decimal(0)  # debit - credit of its unlettered lines
    lines: list[int] = field(default_factory=list)
    letters: dict[str, Decimal] = field(default_factory=dict)  # letter -> debit - credit


def _pieces(
    lines: list[FecLine], as_of: date | None
) -> tuple[dict[tuple[str, str], _Piece], dict[str, str]]:
    pieces: dict[tuple[str, str], _Piece] = {}
    names: dict[str, str] = {}
    for line in lines:
        names[line.customer] = line.customer_label
        debit, credit = line.debit, line.credit
        if line.foreign_amount is not None:
            value = line.foreign_amount
            debit, credit = (value, Decimal(0)) if debit > credit else (Decimal(0), value)
        piece = pieces.setdefault(
            (line.customer, line.piece),
            _Piece(line.customer, line.piece, line.journal, line.on, line.currency),
        )
        piece.total += debit
        piece.credit += credit
        lettered_on = line.lettered_on
        if not line.letter or (
            as_of is not None and lettered_on is not None and lettered_on > as_of
        ):
            piece.open += debit - credit
            piece.lines.append(line.line)
        else:
            piece.letters[line.letter] = piece.letters.get(line.letter, Decimal(0)) + debit - credit
    return pieces, names


def load_fec(
    path: Path,
    tenant: str,
    *,
    contacts: Path | None = None,
    due_dates: Path | None = None,
    as_of: date | None = None,
    payment_terms_days: int = 30,
    account_prefixes: tuple[str, ...] = ("411",),
    encoding: str | None = None,
) -> Ledger:
    """Open receivables of a FEC; the whole file is checked before anything is returned.

    ``encoding`` is the one the FEC (not its CSVs) is declared in; by default it is detected.
    """
    if not path.is_file():
        raise ImportFileError("file not found", path=path)

    @cache
    def ref(external_id: str) -> SourceRef:
        return SourceRef(platform=Platform.FILES, tenant=tenant, external_id=external_id)

    pieces, names = _pieces(read_fec_lines(path, account_prefixes, encoding=encoding), as_of)
    extra = {} if contacts is None else contacts_by_account(contacts, path, names)
    dues = (
        {}
        if due_dates is None
        else due_dates_by_number(due_dates, path, {number for _, number in pieces})
    )
    customers = {cid: customer(ref(cid), names[cid], extra.get(cid)) for cid in sorted(names)}

    def due_on(piece: _Piece) -> date:
        return dues.get(piece.number, piece.on + timedelta(days=payment_terms_days))

    allocations = _lettering(pieces, ref, due_on)
    receivables: list[Receivable] = []
    payments: list[Payment] = []
    for (cid, number), piece in sorted(pieces.items()):
        net = piece.total - piece.credit
        if net == 0 and piece.open == 0:
            continue
        if net < 0 and piece.journal.startswith(TREASURY_PREFIXES):
            amount = Money(-net, piece.currency)
            payments.append(
                Payment(
                    ref=ref(f"{cid}/{number}"),
                    customer_ref=ref(cid),
                    received_on=piece.on,
                    amount=amount,
                    unapplied=Money(min(max(-piece.open, Decimal(0)), -net), piece.currency),
                    allocations=allocations.get((cid, number), ()),
                )
            )
            continue
        receivables.append(_document(piece, ref, due_on(piece)))
    return Ledger(
        tuple(customers.values()),
        tuple(receivables),
        tuple(payments),
        undescribed=frozenset(names.keys() - extra.keys()),
    )


def _document(piece: _Piece, ref: Callable[[str], SourceRef], due_on: date) -> Receivable:
    """An invoice (debit) or credit note (credit): open, partly or wholly lettered."""
    invoice = piece.total - piece.credit > 0 if piece.open == 0 else piece.open > 0
    total = Money(max(piece.total if invoice else piece.credit, abs(piece.open)), piece.currency)
    left = Money(abs(piece.open), piece.currency)
    return Receivable(
        ref=ref(f"{piece.customer}/{piece.number}"),
        customer_ref=ref(piece.customer),
        kind=ReceivableKind.INVOICE if invoice else ReceivableKind.CREDIT_NOTE,
        number=piece.number,
        issued_on=piece.on,
        due_on=max(due_on, piece.on),
        currency=piece.currency,
        total=total,
        open_balance=left,
        status=ReceivableStatus.PAID
        if left.is_zero
        else ReceivableStatus.OPEN
        if left == total
        else ReceivableStatus.PARTIALLY_PAID,
    )


def _lettering(
    pieces: dict[tuple[str, str], _Piece],
    ref: Callable[[str], SourceRef],
    due_on: Callable[[_Piece], date],
) -> dict[tuple[str, str], tuple[Allocation, ...]]:
    """What each payment settled, from the lettering: a payment's lettered credit goes to the
    invoices lettered with it (same customer, same letter), oldest due date first, each up to
    its debit under that letter less what earlier payments of the group took."""
    groups: dict[tuple[str, str], list[_Piece]] = defaultdict(list)
    for piece in pieces.values():
        for letter in piece.letters:
            groups[(piece.customer, letter)].append(piece)
    found: dict[tuple[str, str], list[Allocation]] = defaultdict(list)
    number_of = {ref(f"{p.customer}/{p.number}").key: p.number for p in pieces.values()}
    for (_, letter), members in sorted(groups.items()):
        room = {p.number: p.letters[letter] for p in members if p.letters[letter] > 0}
        paying = [
            p for p in members if p.letters[letter] < 0 and p.journal.startswith(TREASURY_PREFIXES)
        ]
        for payment in sorted(paying, key=lambda p: (p.on, p.number)):
            invoices = [p for p in members if p.number in room]
            settled = [
                Settled(
                    ref(f"{p.customer}/{p.number}"), due_on(p), Money(room[p.number], p.currency)
                )
                for p in invoices
            ]
            applied = Money(-payment.letters[letter], payment.currency)
            for allocation in allocate_in_due_order(applied, settled):
                room[number_of[allocation.receivable_ref.key]] -= allocation.amount.amount
                found[(payment.customer, payment.number)].append(allocation)
    return {key: _merged(items) for key, items in found.items()}


def _merged(allocations: list[Allocation]) -> tuple[Allocation, ...]:
    """One allocation per document (a payment lettered with it under two letters)."""
    by_key: dict[str, Allocation] = {}
    for allocation in allocations:
        key = allocation.receivable_ref.key
        if key in by_key:
            allocation = Allocation(
                receivable_ref=allocation.receivable_ref,
                amount=by_key[key].amount + allocation.amount,
            )
        by_key[key] = allocation
    return tuple(by_key.values())
