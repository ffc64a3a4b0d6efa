"""customers.csv: who the letters are addressed to (contact_civility, contact_family_name)."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.files import load_csv_ledger
from connector.errors import ImportFileError
from connector.model import Civility

HEADER = "id,name,email,contact_name,contact_civility,contact_family_name\n"
INVOICES = "number,customer_id,issued_on,due_on,total,open\n"


def _load(tmp_path: Path, rows: str) -> dict[str, tuple[Civility | None, str, str]]:
    (tmp_path / "customers.csv").write_text(HEADER + rows, encoding="utf-8")
    (tmp_path / "invoices.csv").write_text(INVOICES, encoding="utf-8")
    ledger = load_csv_ledger(tmp_path, "t")
    return {
        c.ref.external_id: (c.contacts[0].civility, c.contacts[0].name, c.contacts[0].family_name)
        for c in ledger.customers
    }


def test_civility_and_family_name_are_read(tmp_path: Path) -> None:
    found = _load(
        tmp_path,
        "C1,Dupont SARL,a@x.fr,Claire Durand,mme,Durand\n"
        "C2,Jean Moreau,b@x.fr,Jean Moreau,M.,Moreau\n"
        "C3,Famille Petit,c@x.fr,,m_mme,Petit\n"
        "C4,Garage Roux,d@x.fr,,,\n",
    )
    assert found == {
        "C1": (Civility.MADAME, "Claire Durand", "Durand"),
        "C2": (Civility.MONSIEUR, "Jean Moreau", "Moreau"),
        "C3": (Civility.COUPLE, "", "Petit"),
        "C4": (None, "", ""),  # unknown: « Madame, Monsieur, »
    }


def test_an_unknown_civility_names_the_line_and_what_is_allowed(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError) as error:
        _load(tmp_path, "C1,Dupont SARL,a@x.fr,Claire Durand,Dr,Durand\n")
    message = str(error.value)
    assert "customers.csv" in message and "line 2" in message and "contact_civility" in message
    assert "mme (Madame), m (Monsieur) or m_mme" in message
