"""A QuickBooks customer's Title and FamilyName address the letter: "Dear Ms Durand,"."""

from __future__ import annotations

import pytest

from adapters.quickbooks.mapping import Directory, customer_from_wire
from adapters.quickbooks.wire import QCustomer
from connector.model import Civility


@pytest.mark.parametrize(
    ("title", "civility"),
    [("Mrs.", Civility.MADAME), ("Ms", Civility.MADAME), ("Mr.", Civility.MONSIEUR),
     ("Mr & Mrs", Civility.COUPLE), ("Dr.", None), (None, None)],
)  # fmt: skip
def test_the_title_gives_the_civility_and_the_family_name_is_kept(
    title: str | None, civility: Civility | None
) -> None:
    wire = QCustomer.model_validate(
        {
            "Id": "7",
            "DisplayName": "Claire Durand",
            "Title": title,
            "GivenName": "Claire",
            "FamilyName": "Durand",
            "PrimaryEmailAddr": {"Address": "claire@example.fr"},
            "PrimaryPhone": {"FreeFormNumber": "+33 6 00 00 00 00"},
        }
    )
    customer = customer_from_wire(wire, Directory(tenant="t"))
    assert {c.civility for c in customer.contacts} == {civility}
    assert {(c.name, c.family_name) for c in customer.contacts} == {("Claire Durand", "Durand")}


@pytest.mark.parametrize(
    ("written", "country"),
    [("FRA", "FR"), ("GBR", "GB"), ("CAN", "CA"), ("DEU", "DE"), ("USA", "US"),
     ("BEL", "BE"), ("CHE", "CH"), ("France", "FR"), ("United Kingdom", "GB"),
     ("Germany", "DE"), ("Deutschland", "DE"), ("Canada", "CA"), ("Switzerland", "CH"),
     ("Belgique", "BE"), ("United States", "US"), ("Côte d’Ivoire", "CI"), ("fra", "FR"),
     (" Netherlands ", "NL"), ("Atlantis", "ES"), ("", "ES")],
)  # fmt: skip
def test_the_country_is_read_as_intuit_writes_it(written: str, country: str) -> None:
    """ISO alpha-3 or the full name (Intuit's address type); unknown: the tenant's country."""
    wire = QCustomer.model_validate(
        {
            "Id": "8",
            "DisplayName": "Maison Lefèvre",
            "BillAddr": {"Line1": "1 rue X", "City": "Somewhere", "Country": written},
        }
    )
    customer = customer_from_wire(wire, Directory(tenant="t", country="ES"))
    assert customer.country == country
    assert customer.address is not None and customer.address.country == country
