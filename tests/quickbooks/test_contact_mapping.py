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
