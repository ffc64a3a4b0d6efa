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
else the piece date plus the tenant's payment terms. Amounts with a comma or a point as
decimal separator; foreign currency from ``Idevise``/``Montantdevise`` when both are set.
Separators tab or pipe, encodings UTF-8 or Windows-1252/ISO-8859-15 are detected.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from connector.allocations import Settled, allocate_in_due_order
from connector.errors import ImportFileError
from connector.model import (
    Allocation,
    Civility,
    Contact,
    Customer,
    LegalKind,
    Payment,
    Platform,
    PostalAddress,
    Receivable,
    ReceivableKind,
    ReceivableStatus,
    SourceRef,
)
from connector.money import Money, check_currency

from .csvformat import Ledger

__all__ = ["FEC_COLUMNS", "load_fec"]

FEC_COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
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


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252", "iso-8859-15"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError("neither UTF-8 nor Windows-1252", path=path)


def _amount(text: str, path: Path, line: int, column: str) -> Decimal:
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
    try:
        return Decimal(cleaned or "0")
    except InvalidOperation:
        raise ImportFileError(
            f"{text!r} is not an amount", path=path, line=line, column=column
        ) from None


def _day(text: str, path: Path, line: int, column: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y%m%d").date()  # noqa: DTZ007 - a calendar date
    except ValueError:
        raise ImportFileError(
            f"{text!r} is not a date YYYYMMDD", path=path, line=line, column=column
        ) from None


def _read(path: Path) -> list[tuple[int, dict[str, str]]]:
    text = _decode(path)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first else "|"
    reader = csv.DictReader(text.splitlines(), delimiter=delimiter)
    header = [h.strip() for h in reader.fieldnames or ()]
    missing = [c for c in FEC_COLUMNS[:16] if c not in header]
    if missing:
        raise ImportFileError(
            f"not a FEC: missing column(s) {', '.join(missing)}",
            path=path,
            line=1,
            hint="export the FEC (18 columns, tab or pipe separated)",
        )
    reader.fieldnames = header
    return [(n, row) for n, row in enumerate(reader, start=2)]


def _pieces(
    path: Path,
    rows: list[tuple[int, dict[str, str]]],
    prefixes: tuple[str, ...],
    as_of: date | None,
) -> tuple[dict[tuple[str, str], _Piece], dict[str, str]]:
    pieces: dict[tuple[str, str], _Piece] = {}
    names: dict[str, str] = {}
    for line, row in rows:
        account = (row.get("CompteNum") or "").strip()
        if not account.startswith(prefixes):
            continue
        customer = (row.get("CompAuxNum") or "").strip() or account
        names[customer] = (row.get("CompAuxLib") or row.get("CompteLib") or customer).strip()
        number = (row.get("PieceRef") or "").strip()
        if not number:
            raise ImportFileError(
                "is empty on a customer line", path=path, line=line, column="PieceRef"
            )
        debit = _amount(row.get("Debit", ""), path, line, "Debit")
        credit = _amount(row.get("Credit", ""), path, line, "Credit")
        on = _day(row.get("PieceDate", ""), path, line, "PieceDate") or _day(
            row.get("EcritureDate", ""), path, line, "EcritureDate"
        )
        if on is None:
            raise ImportFileError("no PieceDate nor EcritureDate", path=path, line=line)
        currency, foreign = (
            (row.get("Idevise") or "").strip(),
            (row.get("Montantdevise") or "").strip(),
        )
        if currency and foreign and currency != "EUR":
            try:
                check_currency(currency)
            except ValueError as exc:
                raise ImportFileError(str(exc), path=path, line=line, column="Idevise") from None
            value = abs(_amount(foreign, path, line, "Montantdevise"))
            debit, credit = (value, Decimal(0)) if debit > credit else (Decimal(0), value)
        else:
            currency = "EUR"
        piece = pieces.setdefault(
            (customer, number),
            _Piece(customer, number, (row.get("JournalCode") or "").strip().upper(), on, currency),
        )
        piece.total += debit
        piece.credit += credit
        lettered_on = _day(row.get("DateLet", ""), path, line, "DateLet")
        letter = (row.get("EcritureLet") or "").strip()
        if not letter or (as_of is not None and lettered_on is not None and lettered_on > as_of):
            piece.open += debit - credit
            piece.lines.append(line)
        else:
            piece.letters[letter] = piece.letters.get(letter, Decimal(0)) + debit - credit
    return pieces, names


def _contacts(path: Path | None, tenant: str) -> dict[str, dict[str, str]]:
    if path is None:
        return {}
    text = _decode(path)
    reader = csv.DictReader(text.splitlines())
    if "account" not in (reader.fieldnames or ()):
        raise ImportFileError("missing column 'account'", path=path, line=1)
    return {row["account"].strip(): row for row in reader}


def _due_dates(path: Path | None) -> dict[str, date]:
    if path is None:
        return {}
    result = {}
    reader = csv.DictReader(_decode(path).splitlines())
    for line, row in enumerate(reader, start=2):
        try:
            result[row["number"].strip()] = date.fromisoformat(row["due_on"].strip())
        except (KeyError, ValueError, AttributeError):
            raise ImportFileError(
                "expected columns number,due_on with an ISO date", path=path, line=line
            ) from None
    return result


def _customer(ref: SourceRef, name: str, extra: dict[str, str]) -> Customer:
    def get(key: str, default: str = "") -> str:
        return (extra.get(key) or "").strip() or default

    address = (
        PostalAddress(
            lines=(get("address"),),
            postal_code=get("postal_code"),
            city=get("city"),
            country=get("country", "FR"),
        )
        if get("address")
        else None
    )
    contacts = tuple(
        Contact(
            name=get("contact_name"),
            civility=Civility.from_title(get("contact_civility")),
            family_name=get("contact_family_name"),
            email=email.strip(),
            primary=i == 0,
            phone=get("phone") or None if i == 0 else None,
        )
        for i, email in enumerate(e for e in get("email").split(";") if e.strip())
    )
    return Customer(
        ref=ref,
        name=get("name", name),
        address=address,
        contacts=contacts,
        legal_kind=LegalKind.B2C if get("kind") == "b2c" else LegalKind.B2B,
        language=get("language", "fr"),
        country=get("country", "FR"),
        registration_id=get("registration_id") or None,
    )


def load_fec(
    path: Path,
    tenant: str,
    *,
    contacts: Path | None = None,
    due_dates: Path | None = None,
    as_of: date | None = None,
    payment_terms_days: int = 30,
    account_prefixes: tuple[str, ...] = ("411",),
) -> Ledger:
    """Open receivables of a FEC; the whole file is checked before anything is returned."""
    if not path.is_file():
        raise ImportFileError("file not found", path=path)

    def ref(external_id: str) -> SourceRef:
        return SourceRef(platform=Platform.FILES, tenant=tenant, external_id=external_id)

    pieces, names = _pieces(path, _read(path), account_prefixes, as_of)
    extra, dues = _contacts(contacts, tenant), _due_dates(due_dates)
    customers = {cid: _customer(ref(cid), names[cid], extra.get(cid, {})) for cid in sorted(names)}

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
    return Ledger(tuple(customers.values()), tuple(receivables), tuple(payments))


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
