from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.files import load_fec
from connector.errors import ImportFileError
from connector.model import ReceivableKind, ReceivableStatus
from connector.money import Money

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("name", ["fec_tab.txt", "fec_pipe_latin1.txt"])
def test_open_lines_of_customer_accounts_become_receivables(name: str) -> None:
    ledger = load_fec(DATA / name, "t", payment_terms_days=30)
    by_number = {r.number: r for r in ledger.receivables}
    assert {n for n, r in by_number.items() if r.is_open} == {"F-001", "AV-003", "F-004"}
    assert by_number["F-002"].status is ReceivableStatus.PAID  # lettered with VIR-17
    assert by_number["F-001"].open_balance == Money.of("1200.00", "EUR")
    assert by_number["F-001"].due_on == date(2026, 2, 4)
    assert by_number["AV-003"].kind is ReceivableKind.CREDIT_NOTE
    assert by_number["F-004"].open_balance == Money.of("480.00", "CHF")
    payments = {p.ref.external_id: p for p in ledger.payments}
    assert payments["CMARTIN/VIR-18"].unapplied == Money.of("150.00", "EUR")
    assert payments["CMARTIN/VIR-18"].allocations == ()
    (settled,) = payments["CDUPONT/VIR-17"].allocations  # the lettering AA
    assert settled.receivable_ref.external_id == "CDUPONT/F-002"
    assert settled.amount == Money.of("300.00", "EUR")
    assert payments["CDUPONT/VIR-17"].unapplied.is_zero
    assert {c.ref.external_id for c in ledger.customers} == {"CDUPONT", "CMARTIN"}


def test_contacts_and_due_dates_enrich_the_fec(tmp_path: Path) -> None:
    dues = tmp_path / "due.csv"
    dues.write_text("number,due_on\nF-001,2026-01-31\n", encoding="utf-8")
    ledger = load_fec(DATA / "fec_tab.txt", "t", contacts=DATA / "contacts.csv", due_dates=dues)
    dupont = next(c for c in ledger.customers if c.ref.external_id == "CDUPONT")
    assert dupont.name == "Boulangerie Dupont SARL"
    assert dupont.email_contacts[0].email == "compta@dupont.example.fr"
    assert next(r for r in ledger.receivables if r.number == "F-001").due_on == date(2026, 1, 31)


def test_lettered_after_the_as_of_date_is_still_open() -> None:
    ledger = load_fec(DATA / "fec_tab.txt", "t", as_of=date(2026, 1, 31))
    f2 = next(r for r in ledger.receivables if r.number == "F-002")
    assert f2.open_balance.amount == Decimal("300.00")


def test_a_bad_amount_names_file_line_and_column(tmp_path: Path) -> None:
    text = (DATA / "fec_tab.txt").read_text(encoding="utf-8").replace("1200,00", "12OO,00")
    bad = tmp_path / "FEC.txt"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ImportFileError) as error:
        load_fec(bad, "t")
    assert str(error.value).startswith(f"{bad}, line 2, column 'Debit': '12OO,00' is not an amount")


def test_a_file_that_is_not_a_fec_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("hello\tworld\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="not a FEC: missing column"):
        load_fec(bad, "t")


def test_the_lettering_says_what_each_payment_settled(tmp_path: Path) -> None:
    from connector.asof import receivables_as_of

    header = (DATA / "fec_tab.txt").read_text(encoding="utf-8").splitlines()[0]
    rows = [  # journal, date, piece, debit, credit, letter
        ("VE", "20260105", "F-10", "500,00", "0,00", "AB"),
        ("VE", "20260112", "F-11", "700,00", "0,00", "AB"),
        ("BQ", "20260210", "VIR-1", "0,00", "600,00", "AB"),
        ("BQ", "20260310", "VIR-2", "0,00", "600,00", "AB"),
    ]
    lines = [header]
    for n, (j, on, piece, debit, credit, letter) in enumerate(rows, start=1):
        lines.append(
            f"{j}\tJ\t{n}\t{on}\t411000\tClients\tCLEROY\tLeroy\t{piece}\t{on}\t{piece}"
            f"\t{debit}\t{credit}\t{letter}\t20260310\t{on}\t\t"
        )
        counterpart = "706000" if j == "VE" else "512000"  # the entry's other side
        lines.append(
            f"{j}\tJ\t{n}\t{on}\t{counterpart}\tContrepartie\t\t\t{piece}\t{on}\t{piece}"
            f"\t{credit}\t{debit}\t\t\t{on}\t\t"
        )
    fec = tmp_path / "FEC.txt"
    fec.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ledger = load_fec(fec, "t", payment_terms_days=30)
    settled = {
        p.ref.external_id: {
            a.receivable_ref.external_id: str(a.amount.amount) for a in p.allocations
        }
        for p in ledger.payments
    }
    # the first transfer pays F-10 (due first) in full, then part of F-11; the second the rest
    assert settled == {
        "CLEROY/VIR-1": {"CLEROY/F-10": "500.00", "CLEROY/F-11": "100.00"},
        "CLEROY/VIR-2": {"CLEROY/F-11": "600.00"},
    }
    assert all(not r.is_open for r in ledger.receivables)
    between = receivables_as_of(ledger.receivables, ledger.payments, date(2026, 3, 1))
    assert {r.number: str(r.open_balance.amount) for r in between} == {
        "F-10": "0",
        "F-11": "600.00",
    }
