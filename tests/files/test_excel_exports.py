"""CSV ledgers as spreadsheets save them: `;` and decimal commas, Windows-1252 or a BOM,
cells on several lines. Each is imported through the `relance` command."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from connector.store import Store
from connector.store.ledger import ref_from_key
from tests.cli.conftest import Run, as_json

CUSTOMERS = "id,name,email\nC1,Dupont SARL,compta@dupont.example.fr\n"


def _tenant(relance: Run) -> None:
    code, _out, err = relance("init", "--tenant", "acme", "--name", "Acme")
    assert code == 0, err


def _ledger(workdir: Path, customers: bytes, invoices: bytes) -> Path:
    folder = workdir / "ledger"
    folder.mkdir()
    (folder / "customers.csv").write_bytes(customers)
    (folder / "invoices.csv").write_bytes(invoices)
    return folder


def _stored(workdir: Path) -> tuple[dict[str, str], dict[str, tuple[Decimal, Decimal]]]:
    with Store.open(f"sqlite:///{workdir / 'relance.sqlite'}") as store:
        names = {
            ref_from_key(key).external_id: name
            for key, name in store.customer_names("acme").items()
        }
        documents = {
            r.number: (r.total.amount, r.open_balance.amount)
            for r in store.open_receivables("acme")
        }
    return names, documents


def test_a_line_break_inside_a_quoted_cell_is_kept(workdir: Path, relance: Run) -> None:
    _tenant(relance)
    _ledger(
        workdir,
        'id,name,email\nC1,"Hôtel du Lac\nSAS",compta@lac.example.fr\n'
        "C2,Garage Martin,garage@martin.example.fr\n".encode(),
        b"number,customer_id,issued_on,due_on,total,open\n"
        b"F-1,C1,2026-01-05,2026-02-04,100.00,100.00\n",
    )
    code, _out, err = relance("--json", "import", "ledger")
    assert code == 0, err
    names, _ = _stored(workdir)
    assert names == {"C1": "Hôtel du Lac\nSAS", "C2": "Garage Martin"}


def test_a_line_after_a_two_line_cell_is_named_by_its_own_line(workdir: Path, relance: Run) -> None:
    _tenant(relance)
    _ledger(
        workdir,
        'id,name,email\nC1,"Hôtel du Lac\nSAS",compta@lac.example.fr\n'
        "C2,Garage Martin,not-an-address\n".encode(),
        b"number,customer_id,issued_on,due_on,total,open\n",
    )
    code, _, err = relance("import", "ledger")
    assert code == 5
    assert "customers.csv, line 4, column 'email'" in err  # the line an editor shows


def test_a_french_excel_export_is_read(workdir: Path, relance: Run) -> None:
    """« CSV (séparateur: point-virgule) »: Windows-1252, `;`, decimal commas, CRLF."""
    _tenant(relance)
    customers = "id;name;email\r\nC1;Société Générale d’Éclairage;compta@sge.example.fr\r\n"
    invoices = (
        "number;customer_id;issued_on;due_on;total;open\r\n"
        "F-1;C1;2026-01-05;2026-02-04;1 200,50;1 200,50\r\n"
        "F-2;C1;2026-01-10;2026-02-09;99,90;40\r\n"
        ";;;;;\r\n"
    )
    _ledger(workdir, customers.encode("cp1252"), invoices.encode("cp1252"))
    code, out, err = relance("--json", "import", "ledger")
    assert code == 0, err
    assert as_json(out)["imported"]["receivables"] == 2
    names, documents = _stored(workdir)
    assert names == {"C1": "Société Générale d’Éclairage"}
    assert documents == {
        "F-1": (Decimal("1200.50"), Decimal("1200.50")),
        "F-2": (Decimal("99.90"), Decimal("40")),
    }


def test_utf8_with_a_byte_order_mark_and_semicolons_is_read(workdir: Path, relance: Run) -> None:
    _tenant(relance)
    _ledger(
        workdir,
        "\ufeffid;name;email\nC1;Boulangerie Élise;a@b.example.fr\n".encode(),
        "\ufeffnumber;customer_id;issued_on;due_on;total;open\n"
        "F-1;C1;2026-01-05;2026-02-04;300,00;300,00\n".encode(),
    )
    code, _, err = relance("import", "ledger")
    assert code == 0, err
    names, documents = _stored(workdir)
    assert names == {"C1": "Boulangerie Élise"}
    assert documents == {"F-1": (Decimal("300.00"), Decimal("300.00"))}


def test_a_file_mixing_two_encodings_is_refused_with_its_line(workdir: Path, relance: Run) -> None:
    _tenant(relance)
    customers = (
        "id,name,email\nC1,Boulangerie Élise,a@b.example.fr\n".encode()
        + "C2,Crêperie Yvon,c@d.example.fr\n".encode("cp1252")
    )
    _ledger(workdir, customers, b"number,customer_id,issued_on,due_on,total,open\n")
    code, _, err = relance("import", "ledger")
    assert code == 5
    assert "customers.csv, line 3: mixes encodings: line 2 is UTF-8, line 3 is not" in err
    assert "export the whole file again in one encoding" in err
    names, _ = _stored(workdir)
    assert names == {}  # nothing stored


def test_a_decimal_comma_between_commas_is_named_exactly(workdir: Path, relance: Run) -> None:
    _tenant(relance)
    _ledger(
        workdir,
        CUSTOMERS.encode(),
        b"number,customer_id,issued_on,due_on,total,open\n"
        b"F-1,C1,2026-01-05,2026-02-04,1200,50,1200,50\n",
    )
    code, _, err = relance("import", "ledger")
    assert code == 5
    assert "invoices.csv, line 2: more cells than header columns (8 for 6, comma-separated)" in err
    assert "with a decimal comma, separate the columns with ;" in err


def test_an_amount_with_a_comma_and_a_point_is_named_exactly(workdir: Path, relance: Run) -> None:
    _tenant(relance)
    _ledger(
        workdir,
        CUSTOMERS.encode(),
        b"number;customer_id;issued_on;due_on;total;open\n"
        b"F-1;C1;2026-01-05;2026-02-04;1.200,50;1.200,50\n",
    )
    code, _, err = relance("import", "ledger")
    assert code == 5
    assert (
        "invoices.csv, line 2, column 'total': '1.200,50' has both a comma and a point: "
        "write 1250.50 or 1250,50" in err
    )


def test_a_date_excel_rewrote_says_how_to_keep_it(workdir: Path, relance: Run) -> None:
    _tenant(relance)
    _ledger(
        workdir,
        CUSTOMERS.encode(),
        b"number;customer_id;issued_on;due_on;total;open\nF-1;C1;05/01/2026;2026-02-04;10;10\n",
    )
    code, _, err = relance("import", "ledger")
    assert code == 5
    assert "invoices.csv, line 2, column 'issued_on': '05/01/2026' is not a date" in err
    assert "format the column as AAAA-MM-JJ" in err
