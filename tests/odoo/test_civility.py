"""A person's title in Odoo (Madam, Mister) becomes the contact's civility, where Odoo has one.

Odoo removed ``res.partner.title`` in saas~18.1: an Odoo 19 server is never asked for it (the
emulator refuses the field there, as a real server does)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from adapters.odoo.client import POLICY, OdooClient, classify
from adapters.odoo.source import OdooSource
from connector.clock import FrozenClock
from connector.http import HttpClient
from connector.model import Civility, Customer
from connector.source import Resource
from tests.emulators.odoo import OdooEmulator, OdooState

KEY = "odoo-key-0123456789"
PEOPLE = {
    300: ("Claire Durand", "Madam"),
    301: ("Paul Morel", "Monsieur"),
    302: ("Anne Petit", "Doctor"),
    303: ("Léa Roux", None),
}


def customers(version: tuple[int, int]) -> dict[int, Customer]:
    clock = FrozenClock.on(date(2026, 3, 10))
    state = OdooState(clock, version=version)
    for n, title in enumerate(("Madam", "Monsieur", "Doctor"), start=1):
        state.put("res.partner.title", {"id": n, "name": title})
    titles = {"Madam": 1, "Monsieur": 2, "Doctor": 3}
    for pid, (name, title) in PEOPLE.items():
        state.put(
            "res.partner",
            {
                "id": pid,
                "name": name,
                "is_company": False,
                "parent_id": False,
                "email": f"p{pid}@example.fr",
                "country_code": "FR",
                "title": titles[title] if title and version < (19, 0) else False,
            },
        )
    server = OdooEmulator(state).start()
    http = HttpClient(POLICY, base_url=server.url, tenant="acme", clock=clock, classify=classify)
    try:
        source = OdooSource(
            OdooClient(http, database="acme", login="relance-bot", key=KEY), "acme", clock
        )
        found = [c for batch in source.pull(Resource.CUSTOMERS, None) for c in batch.customers]
    finally:
        http.close()
        server.stop()
    return {int(c.ref.external_id.split(":")[1]): c for c in found}


@pytest.fixture(scope="module")
def odoo17() -> Iterator[dict[int, Customer]]:
    yield customers((17, 0))


def test_a_title_gives_the_civility_of_a_person(odoo17: dict[int, Customer]) -> None:
    civility = {pid: odoo17[pid].contacts[0].civility for pid in PEOPLE}
    assert civility == {
        300: Civility.MADAME,
        301: Civility.MONSIEUR,
        302: None,  # Doctor says nothing of the gender: « Madame, Monsieur »
        303: None,
    }


def test_odoo_19_is_not_asked_for_a_field_it_no_longer_has() -> None:
    found = customers((19, 0))
    assert {found[pid].contacts[0].civility for pid in PEOPLE} == {None}
