"""OdooSource against the emulator, over JSON-2 (Odoo 19) and JSON-RPC (Odoo 17)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.odoo.client import POLICY, OdooClient, classify
from adapters.odoo.source import OdooSource
from connector.clock import FrozenClock
from connector.errors import AuthorizationLost, ConfigError
from connector.http import HttpClient
from connector.model import Platform, ReceivableKind, ReceivableStatus
from connector.source import Resource
from connector.store import Store
from connector.sync import sync
from tests.emulators.odoo import OdooEmulator, OdooState, invoice_move, seed

KEY = "odoo-key-0123456789"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock.on(date(2026, 3, 10))


@pytest.fixture(
    params=[((19, 0), False), ((17, 0), False), ((16, 0), True)],
    ids=["json2", "jsonrpc", "xmlrpc-only"],
)
def state(request: pytest.FixtureRequest, clock: FrozenClock) -> OdooState:
    version, blocked = request.param
    state = OdooState(clock, version=version, jsonrpc_blocked=blocked)
    seed(state, customers=12, invoices=1200, today=clock.now().date())
    return state


@pytest.fixture
def server(state: OdooState) -> Iterator[OdooEmulator]:
    server = OdooEmulator(state).start()
    yield server
    server.stop()


@pytest.fixture
def source(server: OdooEmulator, clock: FrozenClock) -> Iterator[OdooSource]:
    http = HttpClient(POLICY, base_url=server.url, tenant="acme", clock=clock, classify=classify)
    client = OdooClient(http, database="acme", login="relance-bot", key=KEY)
    yield OdooSource(client, "acme", clock)
    http.close()


@pytest.fixture
def store(tmp_path: Path, clock: FrozenClock) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 's.sqlite'}", clock=clock) as store:
        store.ensure_tenant("acme", platform=Platform.ODOO)
        yield store


def test_the_protocol_follows_the_server_version(source: OdooSource, state: OdooState) -> None:
    list(source.pull(Resource.CUSTOMERS, None))
    expected = "json2" if state.version >= (19, 0) else "jsonrpc"
    assert source.client.protocol == ("xmlrpc" if state.jsonrpc_blocked else expected)
    assert {c[0] for c in state.calls} == {source.client.protocol}


def test_a_full_sync_reads_open_invoices_of_commercial_partners(
    source: OdooSource, state: OdooState, store: Store, clock: FrozenClock
) -> None:
    report = sync(store, "acme", source, clock=clock)
    moves = state.records["account.move"].values()
    open_moves = [
        m for m in moves if m["state"] == "posted" and m["payment_state"] in ("not_paid", "partial")
    ]
    assert report.counts["receivables"] == len(open_moves)
    assert report.counts["customers"] == 12  # contacts are not customers
    refund = store.receivable("acme", "odoo:acme:move:29999")
    assert refund.kind is ReceivableKind.CREDIT_NOTE
    reads = [c for c in state.calls if c[1] == "account.move" and c[2] == "search_read"]
    assert len(reads) == math.ceil((len(open_moves) + 1) / 500)  # pages of 500, one short


def test_a_split_invoice_is_read_with_its_instalments(
    source: OdooSource, state: OdooState, store: Store, clock: FrozenClock
) -> None:
    """30 % at once, the balance at 60 days: each receivable line is an instalment with what
    is still open on it; invoice_date_due is the last one's date, as in Odoo."""
    sync(store, "acme", source, clock=clock)
    lines = [line for line in state.records["account.move.line"].values() if line.get("move_id")]
    by_move: dict[int, list[dict[str, object]]] = {}
    for line in lines:
        by_move.setdefault(int(line["move_id"]), []).append(line)
    for wanted in ("not_paid", "partial"):
        split = next(
            m
            for m in state.records["account.move"].values()
            if len(by_move.get(m["id"], ())) == 2
            and m["payment_state"] == wanted
            and m["state"] == "posted"
        )
        stored = store.receivable("acme", f"odoo:acme:move:{split['id']}")
        first, last = sorted(by_move[split["id"]], key=lambda line: str(line["date_maturity"]))
        assert stored.due_on.isoformat() == split["invoice_date_due"] == last["date_maturity"]
        assert [i.due_on.isoformat() for i in stored.instalments] == [
            first["date_maturity"],
            last["date_maturity"],
        ]
        assert [float(i.amount.amount) for i in stored.instalments] == [
            first["amount_currency"],
            last["amount_currency"],
        ]
        opens = [i.open_balance for i in stored.instalments]
        assert [float(o.amount) for o in opens if o is not None] == [
            first["amount_residual_currency"],
            last["amount_residual_currency"],
        ]
        assert sum(o.amount for o in opens if o is not None) == stored.open_balance.amount


def test_a_database_with_several_companies_needs_the_tenants_company(
    server: OdooEmulator, state: OdooState, clock: FrozenClock, store: Store
) -> None:
    """Without company_id, each invoice of a two-company database was listed twice and
    claimed in one letter mixing the two creditors: refused, listing the companies."""
    state.put("res.company", {"id": 2, "name": "Filiale Lyon SARL"})
    partner = next(p for p in state.records["res.partner"].values() if p.get("is_company"))
    other = invoice_move(state, 30_500, partner["id"], date(2026, 1, 5), 3000, 3000.0, 1, 2)
    state.put("account.move", {**other, "name": "FL/2026/00001"})
    http = HttpClient(POLICY, base_url=server.url, tenant="acme", clock=clock, classify=classify)
    client = OdooClient(http, database="acme", login="relance-bot", key=KEY)
    with pytest.raises(ConfigError) as refused:
        list(OdooSource(client, "acme", clock).pull(Resource.RECEIVABLES, None))
    assert "1 (Atelier Dupont SAS), 2 (Filiale Lyon SARL)" in refused.value.message
    assert refused.value.hint and "company_id" in refused.value.hint
    with pytest.raises(ConfigError):
        OdooSource(client, "acme", clock).check_connection()  # `relance connect` says it too
    with pytest.raises(ConfigError, match="does not reach"):
        OdooSource(client, "acme", clock, company_id=9).check_connection()

    mine = OdooSource(client, "acme", clock, company_id=1)
    assert mine.check_connection().account_name == "Atelier Dupont SAS"
    sync(store, "acme", mine, clock=clock)
    numbers = {r.number for r in store.open_receivables("acme")}
    assert "FL/2026/00001" not in numbers and numbers
    theirs = OdooSource(client, "acme", clock, company_id=2)
    (batch,) = theirs.pull(Resource.RECEIVABLES, None)
    assert [r.number for r in batch.receivables] == ["FL/2026/00001"]
    (targeted,) = [b for b in mine.read([batch.receivables[0].ref]) if b.receivables or b.deleted]
    assert not targeted.receivables, "a webhook naming another company's invoice reads nothing"
    http.close()


def test_an_incremental_sync_reads_what_changed_and_closes_what_was_paid(
    source: OdooSource, state: OdooState, store: Store, clock: FrozenClock
) -> None:
    clock.advance(timedelta(hours=1))  # the books were kept before relance came
    sync(store, "acme", source, clock=clock)
    target = next(
        m for m in state.records["account.move"].values() if m["payment_state"] == "not_paid"
        and m["state"] == "posted" and m["move_type"] == "out_invoice"
    )  # fmt: skip
    clock.advance(timedelta(hours=3))
    state.put("account.move", {**target, "payment_state": "in_payment", "amount_residual": 0.0})
    state.calls.clear()
    report = sync(store, "acme", source, clock=clock)
    assert report.counts["receivables"] == 1 and report.counts["closed"] == 1
    assert store.receivable("acme", f"odoo:acme:move:{target['id']}").status is (
        ReceivableStatus.PAID
    )


def test_a_bad_key_is_refused_with_what_to_do(server: OdooEmulator, clock: FrozenClock) -> None:
    http = HttpClient(POLICY, base_url=server.url, tenant="acme", clock=clock, classify=classify)
    client = OdooClient(http, database="acme", login="relance-bot", key="wrong-key-0000")
    with pytest.raises(AuthorizationLost, match="Odoo refused") as caught:
        list(OdooSource(client, "acme", clock).pull(Resource.CUSTOMERS, None))
    assert caught.value.hint and "relance connect odoo" in caught.value.hint
    http.close()


def test_payments_come_with_what_is_still_unapplied(
    source: OdooSource, state: OdooState, store: Store, clock: FrozenClock
) -> None:
    report = sync(store, "acme", source, clock=clock)
    payments = state.records["account.payment"].values()
    assert report.counts["payments"] == len(payments)
    over = next(
        p
        for p in payments
        if any(
            line.get("payment_id") == p["id"] and not line["reconciled"]
            for line in state.records["account.move.line"].values()
        )
    )
    partner = f"odoo:acme:partner:{over['partner_id']}"
    stored = next(
        p for p in store.payments("acme", partner) if p.ref.external_id == f"payment:{over['id']}"
    )
    assert str(stored.unapplied.amount) == "50.00"
    (invoice_id,) = over["reconciled_invoice_ids"]
    paid = Decimal(str(over["amount"])) - Decimal("50.00")  # what was matched, from Odoo's partials
    assert [(a.receivable_ref.external_id, a.amount.amount) for a in stored.allocations] == [
        (f"move:{invoice_id}", paid.quantize(Decimal("0.01")))
    ]


def test_an_invoice_paid_after_a_day_is_open_as_of_that_day(
    source: OdooSource, state: OdooState, store: Store, clock: FrozenClock
) -> None:
    """An invoice seen open, then paid: the store reopens it for a day before the payment."""
    sync(store, "acme", source, clock=clock)
    invoice = next(
        m
        for m in state.records["account.move"].values()
        if m["payment_state"] == "not_paid"
        and m["state"] == "posted"
        and m["move_type"] == "out_invoice"
    )
    clock.advance(timedelta(hours=1))
    today = clock.now().date()
    total = invoice["amount_total"]
    state.put("account.move", {**invoice, "payment_state": "paid", "amount_residual": 0.0})
    payment = state.put(
        "account.payment",
        {
            "name": "PBNK1/2026/99999",
            "date": today.isoformat(),
            "amount": total,
            "currency_id": 1,
            "partner_id": invoice["partner_id"],
            "partner_type": "customer",
            "state": "posted",
            "reconciled_invoice_ids": [invoice["id"]],
        },
    )
    line = next(
        x for x in state.records["account.move.line"].values() if x.get("move_id") == invoice["id"]
    )
    state.put("account.move.line", {**line, "reconciled": True, "amount_residual": 0.0})
    own = state.put("account.move.line", {"payment_id": payment["id"], "account_id": 1,
                                          "amount_residual": 0.0, "currency_id": 1,
                                          "reconciled": True})  # fmt: skip
    state.put("account.partial.reconcile", {"debit_move_id": line["id"],
                                            "credit_move_id": own["id"], "amount": total,
                                            "credit_amount_currency": total})  # fmt: skip
    sync(store, "acme", source, clock=clock)
    ref = f"odoo:acme:move:{invoice['id']}"
    assert store.receivable("acme", ref).status is ReceivableStatus.PAID
    yesterday = {
        r.ref.key: r for r in store.open_receivables("acme", as_of=today - timedelta(days=1))
    }
    assert yesterday[ref].open_balance.amount == Decimal(str(total)).quantize(Decimal("0.01"))
    assert ref not in {r.ref.key for r in store.open_receivables("acme", as_of=today)}


def test_a_payment_without_reconciliations_is_spread_in_due_date_order(
    source: OdooSource, state: OdooState, store: Store, clock: FrozenClock
) -> None:
    """An Odoo 19 payment "in process" names its invoices but has no partials to read."""
    partner = next(iter(state.records["res.partner"]))
    first, second = (
        state.put(
            "account.move",
            {
                "id": move_id,
                "name": f"INV/2026/{move_id}",
                "move_type": "out_invoice",
                "state": "posted",
                "payment_state": "partial",
                "invoice_date": "2026-01-05",
                "invoice_date_due": due,
                "amount_total": 1000.0,
                "amount_residual": residual,
                "currency_id": 1,
                "partner_id": partner,
                "commercial_partner_id": partner,
                "company_id": 1,
            },
        )
        for move_id, due, residual in ((31_001, "2026-02-20", 400.0), (31_002, "2026-02-04", 900.0))
    )
    state.put(
        "account.payment",
        {
            "id": 41_001,
            "name": "PBNK1/2026/41001",
            "date": "2026-03-01",
            "amount": 800.0,
            "currency_id": 1,
            "partner_id": partner,
            "partner_type": "customer",
            "state": "in_process",
            "reconciled_invoice_ids": [first["id"], second["id"]],
        },
    )
    sync(store, "acme", source, clock=clock)
    (stored,) = [
        p
        for p in store.payments("acme", f"odoo:acme:partner:{partner}")
        if p.ref.external_id == "payment:41001"
    ]
    # 800 applied: the invoice due first (4 Feb) had 100 paid, the other 600; 100 is left
    assert {a.receivable_ref.external_id: a.amount.amount for a in stored.allocations} == {
        "move:31002": Decimal("100.00"),
        "move:31001": Decimal("600.00"),
    }
