from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from adapters.files import load_csv_ledger, sample_dir
from connector.errors import ImportFileError
from connector.money import Money
from connector.reports import BUCKETS, aged_balance


def _ledger(tmp_path: Path, invoices: str) -> Path:
    (tmp_path / "customers.csv").write_text(
        "id,name,kind,email\nC1,Dupont SARL,b2b,compta@dupont.example.fr\n", encoding="utf-8"
    )
    (tmp_path / "invoices.csv").write_text(invoices, encoding="utf-8")
    return tmp_path


HEADER = "number,customer_id,issued_on,due_on,total,open\n"


def test_a_valid_ledger_loads_with_exact_amounts(tmp_path: Path) -> None:
    ledger = load_csv_ledger(
        _ledger(tmp_path, HEADER + "F-1,C1,2026-01-05,2026-02-04,1200.10,200.05\n"), "t"
    )
    (invoice,) = ledger.receivables
    assert invoice.open_balance == Money.of("200.05", "EUR")
    assert invoice.status.value == "partially_paid"


@pytest.mark.parametrize(
    ("row", "where", "what"),
    [
        ("F-1,C1,2026-01-05,04/02/2026,100,100", "line 3, column 'due_on'", "is not a date"),
        ("F-1,C1,2026-01-05,2026-02-04,12O0,100", "line 3, column 'total'", "is not an amount"),
        ("F-1,C1,2026-01-05,2026-02-04,1,200,100", "line 3", "more cells than header"),
        (
            "F-1,C9,2026-01-05,2026-02-04,100,100",
            "line 3, column 'customer_id'",
            "not in customers.csv",
        ),
        (
            "F-1,C1,2026-01-05,2026-02-04,100,150",
            "line 3, column 'open'",
            "between 0 and the total",
        ),
        ("F-1,C1,2026-03-05,2026-02-04,100,100", "line 3", "before issue date"),
    ],
)
def test_a_bad_line_names_file_line_and_column(
    tmp_path: Path, row: str, where: str, what: str
) -> None:
    folder = _ledger(tmp_path, HEADER + "F-0,C1,2026-01-05,2026-02-04,10,10\n" + row + "\n")
    with pytest.raises(ImportFileError) as error:
        load_csv_ledger(folder, "t")
    message = str(error.value)
    assert "invoices.csv" in message and where in message
    assert what in message


def test_an_unknown_column_is_a_typo_error(tmp_path: Path) -> None:
    folder = _ledger(tmp_path, "number,customer_id,issued_on,due_on,total,open,amout\n")
    with pytest.raises(ImportFileError, match=r"unknown column.*amout"):
        load_csv_ledger(folder, "t")


def test_the_bundled_sample_has_a_realistic_spread(tmp_path: Path) -> None:
    shutil.copytree(sample_dir(), tmp_path / "sample")
    ledger = load_csv_ledger(tmp_path / "sample", "lumen")
    assert 35 <= len(ledger.customers) <= 45 and 280 <= len(ledger.receivables) <= 360
    aged = aged_balance(ledger.receivables, date(2026, 11, 23))
    eur = aged.by_currency["EUR"]
    assert all(eur[bucket].is_positive for bucket in BUCKETS), eur
    assert "CHF" in aged.by_currency  # a customer abroad, in its own currency
    kinds = {c.legal_kind.value for c in ledger.customers}
    assert kinds == {"b2b", "b2c"}
    assert any(p.unapplied.is_positive for p in ledger.payments)


def test_a_local_invoice_pdf_is_the_documents_source(tmp_path: Path) -> None:
    from adapters.files import FileSource
    from connector.errors import Unsupported
    from connector.settings import FilesSourceConfig

    folder = _ledger(
        tmp_path,
        "number,customer_id,issued_on,due_on,total,open,document_url\n"
        "F-1,C1,2026-01-05,2026-02-04,100,100,pdf/F-1.pdf\n"
        "F-2,C1,2026-01-05,2026-02-04,100,100,https://x.example/F-2.pdf\n",
    )
    (folder / "pdf").mkdir()
    (folder / "pdf" / "F-1.pdf").write_bytes(b"%PDF-1.4 invoice")
    source = FileSource("t", FilesSourceConfig(csv_dir=folder))
    f1, f2 = source.ledger().receivables
    assert source.document(f1.ref) == b"%PDF-1.4 invoice"
    with pytest.raises(Unsupported):
        source.document(f2.ref)


def test_an_invoice_split_by_its_terms_gives_its_instalments(tmp_path: Path) -> None:
    from datetime import date as day

    from connector.instalments import term_balances
    from connector.money import Money

    folder = _ledger(
        tmp_path,
        "number,customer_id,issued_on,due_on,total,open,instalments\n"
        "F-1,C1,2026-01-15,2026-03-16,1000.00,800.00,2026-01-15=300.00;2026-03-16=700.00\n",
    )
    (invoice,) = load_csv_ledger(folder, "t").receivables
    assert [(i.due_on, i.amount) for i in invoice.instalments] == [
        (day(2026, 1, 15), Money.of("300.00", "EUR")),
        (day(2026, 3, 16), Money.of("700.00", "EUR")),
    ]
    assert [p.open.amount for p in term_balances(invoice)] == [Money.of("100", "EUR").amount, 700]


PAID = (
    HEADER
    + "F-1,C1,2026-01-05,2026-02-04,300.00,0\n"
    + "F-2,C1,2026-01-10,2026-02-09,500.00,100.00\n"
    + "F-3,C1,2026-01-02,2026-02-01,200.00,0\n"
)


def _with_payment(tmp_path: Path, payment: str) -> Path:
    folder = _ledger(tmp_path, PAID)
    (folder / "payments.csv").write_text(
        "id,customer_id,received_on,amount,unapplied,invoices\n" + payment + "\n",
        encoding="utf-8",
    )
    return folder


def _allocated(folder: Path) -> dict[str, str]:
    (payment,) = load_csv_ledger(folder, "t").payments
    return {a.receivable_ref.external_id: str(a.amount.amount) for a in payment.allocations}


def test_a_payment_says_how_much_went_to_each_invoice(tmp_path: Path) -> None:
    folder = _with_payment(tmp_path, "P1,C1,2026-02-10,700.00,0,F-1:300.00;F-2:400")
    assert _allocated(folder) == {"F-1": "300.00", "F-2": "400"}


def test_invoices_without_an_amount_share_the_rest_in_due_date_order(tmp_path: Path) -> None:
    # 650 applied: F-2 has 200 stated; F-3 (due first) takes its paid 200, F-1 the 250 left
    folder = _with_payment(tmp_path, "P1,C1,2026-02-10,700.00,50.00,F-1;F-2:200;F-3")
    assert _allocated(folder) == {"F-2": "200", "F-3": "200.00", "F-1": "250.00"}
    # nothing stated: each invoice up to what is paid on it, the excess left unallocated
    folder = _with_payment(tmp_path, "P1,C1,2026-02-10,1200.00,0,F-2;F-1")
    assert _allocated(folder) == {"F-1": "300.00", "F-2": "400.00"}


@pytest.mark.parametrize(
    ("cell", "what"),
    [
        ("2026-01-15:300;2026-03-16=700", "is not an instalment like 2026-03-31=300.00"),
        ("2026-01-15=300;2026-03-16=600", "add up to 900"),
        ("2026-01-15=300;2026-03-01=700", "the invoice's due date is its last instalment's"),
    ],
)
def test_a_bad_instalment_cell_names_the_line_and_what_to_do(
    tmp_path: Path, cell: str, what: str
) -> None:
    folder = _ledger(
        tmp_path,
        "number,customer_id,issued_on,due_on,total,open,instalments\n"
        f"F-1,C1,2026-01-15,2026-03-16,1000.00,1000.00,{cell}\n",
    )
    with pytest.raises(ImportFileError) as error:
        load_csv_ledger(folder, "t")
    message = str(error.value)
    assert "invoices.csv, line 2" in message and what in message


@pytest.mark.parametrize(
    ("cell", "what"),
    [
        ("F-1:abc", "'abc' after 'F-1' is not an amount"),
        ("F-1:-5", "'-5' after 'F-1' is not an amount"),
        ("F-9:10", "invoice 'F-9' is not in invoices.csv"),
        ("F-1:10;F-1", "invoice 'F-1' is named twice"),
        ("F-1:300;F-2:450", "the amounts add up to 750, more than the 700.00 applied"),
    ],
)
def test_a_bad_allocation_names_the_invoices_cell(tmp_path: Path, cell: str, what: str) -> None:
    folder = _with_payment(tmp_path, f"P1,C1,2026-02-10,700.00,0,{cell}")
    with pytest.raises(ImportFileError) as error:
        load_csv_ledger(folder, "t")
    message = str(error.value)
    assert "payments.csv, line 2, column 'invoices'" in message and what in message
