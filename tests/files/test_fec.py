from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.files import load_fec
from connector.errors import ImportFileError
from connector.model import ReceivableKind
from connector.money import Money

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("name", ["fec_tab.txt", "fec_pipe_latin1.txt"])
def test_open_lines_of_customer_accounts_become_receivables(name: str) -> None:
    ledger = load_fec(DATA / name, "t", payment_terms_days=30)
    by_number = {r.number: r for r in ledger.receivables}
    assert set(by_number) == {"F-001", "AV-003", "F-004"}  # F-002 is lettered: paid
    assert by_number["F-001"].open_balance == Money.of("1200.00", "EUR")
    assert by_number["F-001"].due_on == date(2026, 2, 4)
    assert by_number["AV-003"].kind is ReceivableKind.CREDIT_NOTE
    assert by_number["F-004"].open_balance == Money.of("480.00", "CHF")
    (payment,) = ledger.payments
    assert payment.unapplied == Money.of("150.00", "EUR")
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
