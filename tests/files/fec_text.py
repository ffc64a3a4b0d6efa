"""FEC files for tests: balanced entries, written as software exports them."""

from __future__ import annotations

from pathlib import Path

from adapters.files.fec import FEC_COLUMNS

Line = dict[str, str]


def _line(n: int, journal: str, on: str, account: str, piece: str, **cells: str) -> Line:
    row = dict.fromkeys(FEC_COLUMNS, "")
    row.update(
        JournalCode=journal,
        JournalLib={"VE": "Ventes", "BQ": "Banque"}.get(journal, journal),
        EcritureNum=str(n),
        EcritureDate=on,
        CompteNum=account,
        CompteLib="Clients" if account.startswith("411") else "Contrepartie",
        PieceRef=piece,
        PieceDate=on,
        EcritureLib=f"Facture {piece}",
        Debit="0,00",
        Credit="0,00",
        ValidDate=on,
    )
    row.update(cells)
    return row


def sale(
    n: int, customer: str, piece: str, amount: str, *, on: str = "20260105", name: str = ""
) -> list[Line]:
    """An invoice: the customer debited, sales credited."""
    return [
        _line(
            n,
            "VE",
            on,
            "411000",
            piece,
            CompAuxNum=customer,
            CompAuxLib=name or customer,
            Debit=amount,
        ),
        _line(n, "VE", on, "706000", piece, Credit=amount),
    ]


def fec_file(
    path: Path, entries: list[list[Line]], *, encoding: str = "utf-8", separator: str = "\t"
) -> Path:
    lines = [separator.join(FEC_COLUMNS)]
    lines += [separator.join(row[c] for c in FEC_COLUMNS) for entry in entries for row in entry]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path
