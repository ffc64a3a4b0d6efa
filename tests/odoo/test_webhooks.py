"""Odoo automation-rule webhooks (a token in the URL), and one company of several."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from adapters.odoo.client import POLICY, OdooClient, classify
from adapters.odoo.source import OdooSource
from connector.clock import FrozenClock
from connector.errors import SourceRejected
from connector.http import HttpClient
from connector.intake import process_inbox, receive
from connector.model import Platform
from connector.oauth import TokenVault
from connector.source import Resource
from connector.store import Store
from connector.sync import sync
from tests.emulators.odoo import OdooEmulator, OdooState, seed


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock.on(date(2026, 3, 10))


@pytest.fixture
def state(clock: FrozenClock) -> OdooState:
    state = OdooState(clock)
    seed(state, customers=5, invoices=60, today=clock.now().date())
    return state


@pytest.fixture
def store(tmp_path: Path, clock: FrozenClock) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 's.sqlite'}", clock=clock) as store:
        store.ensure_tenant("acme", platform=Platform.ODOO)
        yield store


@pytest.fixture
def make(state: OdooState, store: Store, clock: FrozenClock) -> Iterator[object]:
    server = OdooEmulator(state).start()
    clients: list[HttpClient] = []

    def source(**kw: object) -> OdooSource:
        http = HttpClient(
            POLICY, base_url=server.url, tenant="acme", clock=clock, classify=classify
        )
        clients.append(http)
        client = OdooClient(http, database="acme", login="relance-bot", key="odoo-key-0123456789")
        vault = TokenVault(store, Fernet(Fernet.generate_key()))
        return OdooSource(client, "acme", clock, vault=vault, **kw)  # type: ignore[arg-type]

    yield source
    for http in clients:
        http.close()
    server.stop()


def test_a_rule_s_notification_leads_to_a_re_read(
    make: object, state: OdooState, store: Store, clock: FrozenClock
) -> None:
    source = make()  # type: ignore[operator]
    clock.advance(timedelta(hours=1))
    sync(store, "acme", source, clock=clock)
    sub = source.subscribe("https://relance.example.fr/webhooks/odoo/acme")
    token = sub.url.split("token=", 1)[1]
    target = next(
        m for m in state.records["account.move"].values()
        if m["state"] == "posted" and m["payment_state"] == "not_paid"
    )  # fmt: skip
    state.put("account.move", {**target, "payment_state": "paid", "amount_residual": 0.0})
    body = json.dumps(
        {
            "_action": "Relance(#12)",
            "_id": target["id"],
            "_model": "account.move",
            "payment_state": "paid",
            "write_date": "2026-03-10 10:00:00",
        }
    ).encode()
    with pytest.raises(SourceRejected):
        receive(store, "acme", source, {"X-Relance-Token": "guess"}, body)
    assert receive(store, "acme", source, {"X-Relance-Token": token}, body).new == 1
    assert receive(store, "acme", source, {"X-Relance-Token": token}, body).new == 0
    state.calls.clear()
    report = process_inbox(store, "acme", source, clock=clock)
    assert report.events == 1 and not report.full_sync
    reads = [("account.move", "search_read"), ("account.move.line", "search_read")]
    assert [c[1:] for c in state.calls] == reads  # that invoice (and its lines), nothing else
    assert not store.receivable("acme", f"odoo:acme:move:{target['id']}").is_open


def test_one_company_of_a_multi_company_database(make: object, state: OdooState) -> None:
    other = next(iter(state.records["account.move"].values()))
    state.put("account.move", {**other, "id": 77_777, "company_id": 2, "name": "INV/B/1"})
    (batch,) = make(company_id=1).pull(Resource.RECEIVABLES, None)  # type: ignore[operator]
    assert all(r.ref.external_id != "move:77777" for r in batch.receivables)
    (everything,) = make().pull(Resource.RECEIVABLES, None)  # type: ignore[operator]
    assert any(r.ref.external_id == "move:77777" for r in everything.receivables)


def test_a_new_rule_token_is_picked_up_by_a_running_receiver(
    make: object, state: OdooState, clock: FrozenClock
) -> None:
    receiver = make()  # type: ignore[operator]
    first = receiver.subscribe("https://relance.example.fr/webhooks/odoo/acme")
    token1 = first.url.split("token=", 1)[1]
    target = next(iter(state.records["account.move"].values()))
    body = json.dumps({"_id": target["id"], "_model": "account.move"}).encode()
    assert receiver.parse_webhook({"X-Relance-Token": token1}, body)
    # `relance webhooks subscribe` again, from another process: a new token in the vault
    other = OdooSource(receiver.client, "acme", clock, vault=receiver.vault)
    token2 = other.subscribe("https://relance.example.fr/webhooks/odoo/acme").url.split("=")[-1]
    assert token2 != token1
    assert receiver.parse_webhook({"X-Relance-Token": token2}, body), "found on a second look"
    with pytest.raises(SourceRejected):
        receiver.parse_webhook({"X-Relance-Token": token1}, body)  # the old rule's: no more
