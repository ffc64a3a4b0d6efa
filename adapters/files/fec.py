"""The FEC (Fichier des Écritures Comptables, LPF art. A47 A-1) as a source of receivables.

What is read: lines on customer accounts (``CompteNum`` starting with 411, configurable),
the customer being ``CompAuxNum``/``CompAuxLib`` (the general account when there is no
auxiliary account). A line is open while it is not lettered (``EcritureLet`` empty) or was
lettered after the as-of date (``DateLet``). Open lines are grouped by customer and
``PieceRef``: a debit balance is an invoice (its total is the piece's debit on the
customer account); a credit balance is a credit note, or, when booked in a treasury
journal, a payment not yet matched. Partial lettering is not inferred: an invoice partly
paid shows as the invoice line open plus a payment line open, which the planner nets.

The FEC has no due date: it comes from an optional ``due_dates.csv`` (``number,due_on``),
else the piece date plus the tenant's payment terms. Amounts with a comma or a point as
decimal separator; foreign currency from ``Idevise``/``Montantdevise`` when both are set.
Separators tab or pipe, encodings UTF-8 or Windows-1252/ISO-8859-15 are detected.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from connector.errors import ImportFileError
from connector.model import (
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
    open: Decimal = Decimal(0)  # debit - credit of its unlettered lines
    lines: list[int] = field(default_factory=list)


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
        lettered_on = _day(row.get("DateLet", ""), path, line, "DateLet")
        lettered = bool((row.get("EcritureLet") or "").strip())
        if not lettered or (as_of is not None and lettered_on is not None and lettered_on > as_of):
            piece.open += debit - credit
            piece.lines.append(line)
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
    receivables: list[Receivable] = []
    payments: list[Payment] = []
    by_customer: dict[str, int] = defaultdict(int)
    for (cid, number), piece in sorted(pieces.items()):
        if piece.open == 0:
            continue
        by_customer[cid] += 1
        amount = Money(abs(piece.open), piece.currency)
        if piece.open < 0 and piece.journal.startswith(TREASURY_PREFIXES):
            payments.append(
                Payment(
                    ref=ref(f"{cid}/{number}"),
                    customer_ref=ref(cid),
                    received_on=piece.on,
                    amount=amount,
                    unapplied=amount,
                )
            )
            continue
        kind = ReceivableKind.INVOICE if piece.open > 0 else ReceivableKind.CREDIT_NOTE
        total = Money(max(piece.total, abs(piece.open)), piece.currency)
        receivables.append(
            Receivable(
                ref=ref(f"{cid}/{number}"),
                customer_ref=ref(cid),
                kind=kind,
                number=number,
                issued_on=piece.on,
                due_on=dues.get(number, piece.on + timedelta(days=payment_terms_days)),
                currency=piece.currency,
                total=total,
                open_balance=amount,
                status=ReceivableStatus.OPEN
                if amount == total
                else ReceivableStatus.PARTIALLY_PAID,
            )
        )
    return Ledger(tuple(customers.values()), tuple(receivables), tuple(payments))
