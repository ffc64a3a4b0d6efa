"""contacts.csv beside a FEC: a file that matches no customer of the FEC is refused, and the
addresses relance holds are never erased by an import that does not describe a customer."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.store import Store
from tests.cli.conftest import Run

from .fec_text import fec_file, sale

CONTACTS = (
    "account,name,email,address,postal_code,city\n"
    "CDUPONT,Boulangerie Dupont SARL,compta@dupont.example.fr,1 rue du Four,69001,Lyon\n"
    "CMARTIN,Garage Martin,garage@martin.example.fr,2 quai Perrache,69002,Lyon\n"
)


@pytest.fixture
def tenant(workdir: Path, relance: Run) -> Path:
    code, _, err = relance("init", "--tenant", "acme", "--name", "Acme")
    assert code == 0, err
    fec_file(
        workdir / "FEC.txt",
        [sale(1, "CDUPONT", "F-1", "100,00"), sale(2, "CMARTIN", "F-2", "200,00")],
    )
    (workdir / "contacts.csv").write_text(CONTACTS, encoding="utf-8")
    code, _, err = relance("import", "FEC.txt", "--contacts", "contacts.csv")
    assert code == 0, err
    return workdir


def _details(workdir: Path) -> dict[str, tuple[str, tuple[str, ...], str]]:
    with Store.open(f"sqlite:///{workdir / 'relance.sqlite'}") as store:
        found = {}
        for key in store.customer_names("acme"):
            c = store.customer("acme", key)
            city = c.address.city if c.address else ""
            found[c.ref.external_id] = (c.name, tuple(e.email or "" for e in c.contacts), city)
    return found


STORED = {
    "CDUPONT": ("Boulangerie Dupont SARL", ("compta@dupont.example.fr",), "Lyon"),
    "CMARTIN": ("Garage Martin", ("garage@martin.example.fr",), "Lyon"),
}


def test_contacts_whose_accounts_match_nothing_are_refused_and_erase_nothing(
    tenant: Path, relance: Run
) -> None:
    assert _details(tenant) == STORED
    (tenant / "other.csv").write_text(
        CONTACTS.replace("CDUPONT", "411DUPONT").replace("CMARTIN", "411MARTIN"),
        encoding="utf-8",
    )
    code, _, err = relance("import", "FEC.txt", "--contacts", "other.csv")
    assert code == 5
    assert (
        "other.csv, line 2: none of its 2 accounts (411DUPONT, 411MARTIN) is a customer of "
        "FEC.txt (CDUPONT, CMARTIN)" in err
    )
    assert "the account column holds the FEC's CompAuxNum" in err
    assert _details(tenant) == STORED


def test_a_fec_imported_without_its_contacts_keeps_the_stored_ones(
    tenant: Path, relance: Run
) -> None:
    code, _, err = relance("import", "FEC.txt")
    assert code == 0, err
    assert _details(tenant) == STORED


def test_a_contact_the_file_describes_anew_is_replaced(tenant: Path, relance: Run) -> None:
    (tenant / "contacts.csv").write_text(
        "account;name;email;address;postal_code;city\r\n"
        "CDUPONT;Boulangerie Dupont SARL;paie@dupont.example.fr;1 rue du Four;69001;"
        "Villeurbanne\r\n",
        encoding="cp1252",
    )
    code, _, err = relance("import", "FEC.txt", "--contacts", "contacts.csv")
    assert code == 0, err
    assert _details(tenant) == {
        "CDUPONT": ("Boulangerie Dupont SARL", ("paie@dupont.example.fr",), "Villeurbanne"),
        "CMARTIN": STORED["CMARTIN"],  # not in the file: kept
    }


def test_a_bad_contact_line_is_named(tenant: Path, relance: Run) -> None:
    (tenant / "contacts.csv").write_text(
        CONTACTS.replace("garage@martin.example.fr", "garage martin"), encoding="utf-8"
    )
    code, _, err = relance("import", "FEC.txt", "--contacts", "contacts.csv")
    assert code == 5
    assert "contacts.csv, line 3, column 'email': 'garage martin' is not an email address" in err
    assert _details(tenant) == STORED


def test_due_dates_that_name_no_piece_of_the_fec_are_refused(tenant: Path, relance: Run) -> None:
    (tenant / "due.csv").write_text("number;due_on\r\nFA-1;2026-03-01\r\n", encoding="utf-8")
    code, _, err = relance("import", "FEC.txt", "--due-dates", "due.csv")
    assert code == 5
    assert "due.csv, line 2: none of its 1 numbers (FA-1) is a piece (PieceRef) of FEC.txt" in err
    (tenant / "due.csv").write_text("number;due_on\r\nF-1;2026-03-01\r\n", encoding="utf-8")
    code, _, err = relance("--json", "import", "FEC.txt", "--due-dates", "due.csv")
    assert code == 0, err
    with Store.open(f"sqlite:///{tenant / 'relance.sqlite'}") as store:
        due = {r.number: r.due_on.isoformat() for r in store.open_receivables("acme")}
    assert due["F-1"] == "2026-03-01"
