"""How the creditor signs: its name and legal form, never the form twice."""

from __future__ import annotations

import pytest

from connector.model import Creditor


@pytest.mark.parametrize(
    ("name", "form", "signed"),
    [
        ("Atelier Lumen", "SAS", "Atelier Lumen SAS"),
        ("Atelier Dupont SAS", "SAS", "Atelier Dupont SAS"),  # Odoo keeps the form in the name
        ("Atelier Dupont sas", "SAS", "Atelier Dupont sas"),
        ("Lumen Ltd.", "Ltd", "Lumen Ltd."),
        ("Lumen", "", "Lumen"),
        ("SAS Lumen", "SAS", "SAS Lumen"),
        ("Sassy Lumen", "SAS", "Sassy Lumen SAS"),  # a word, not letters inside one
    ],
)
def test_the_legal_form_follows_the_name_once(name: str, form: str, signed: str) -> None:
    assert Creditor(name=name, legal_form=form).signed_name == signed
