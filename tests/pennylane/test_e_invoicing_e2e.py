"""The French e-invoicing lifecycle drives the schedule, end to end: the approved platform
reports a status on an invoice (Pennylane's emulator), relance learns it (the changelog, or
the webhook where Pennylane's API has the event), stores it, plans, and sends — or not —
through a real SMTP server.

* ``in_dispute``: the invoice is held like a dispute, the PA's reason in the plan's notes;
* ``refused`` / ``rejected``: never chased; the customer is listed for a person, with why;
* ``collected``: paid; ``partially_collected``: held until the payment is matched, then the
  rest is chased;
* any other status (``accepted``, ``sent``…): chased as usual.
"""

from __future__ import annotations

import email
import email.policy
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import requests
import uvicorn
from cryptography.fernet import Fernet

from connector.cli import main
from connector.cli._context import AppState
from connector.cli.webhook_cmds import SERVE_ENV, receiver_app
from connector.clock import SystemClock
from connector.connect import connect_token
from connector.intake import process_inbox
from connector.model import HoldKind
from connector.oauth import TokenVault
from connector.store import Store
from tests.cli.test_commands import CREDITOR
from tests.emulators.pennylane import API_2026_04, API_LATER, PennylaneEmulator, PennylaneState
from tests.policies import always_open_policy
from tests.smtp_server import SmtpServer

from .test_mapping import invoice

HOOK = "https://relance.example.fr/webhooks/pennylane/acme"
CASES = {  # customer id: the e-invoicing status its late invoice gets, and the PA's reason
    1: None,
    2: ("accepted", None),
    3: ("in_dispute", "Remise commerciale non appliquée"),
    4: ("refused", "Destinataire inconnu à cette adresse"),
    5: ("rejected", "SIREN du destinataire invalide"),
    6: ("collected", None),
    7: ("partially_collected", None),
}


@dataclass
class World:
    state: PennylaneState
    smtp: SmtpServer
    today: date
    folder: Path

    def relance(self, *args: str, codes: tuple[int, ...] = (0,)) -> str:
        return _run(*args, codes=codes)

    def recipients(self) -> dict[str, str]:
        """Each message's recipient and its text, in the order sent."""
        found = {}
        for raw in self.smtp.messages:
            message = email.message_from_bytes(raw.data, policy=email.policy.default)
            body = message.get_body(("plain",))
            assert body is not None
            found[str(message["To"])] = body.get_content()
        return found


def _run(*args: str, codes: tuple[int, ...] = (0,)) -> str:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(args))
    assert code in codes, out.getvalue()[-2000:]
    return out.getvalue()


def _world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, webhook_api: str) -> Iterator[World]:
    today = datetime.now(UTC).date()  # real time: signatures are checked against it
    state = PennylaneState(SystemClock(), webhook_api=webhook_api)
    for cid in (*CASES, 8):
        state.put("customers", {"id": cid, "name": f"Client {cid}", "customer_type": "company",
                                "emails": [f"compta{cid}@exemple.fr"]}, "insert")  # fmt: skip
        state.put("customer_invoices", invoice(
            id=100 + cid, invoice_number=f"F-{cid}", customer={"id": cid, "url": "x"},
            date=str(today - timedelta(days=50)), deadline=str(today - timedelta(days=20)),
        ), "insert")  # fmt: skip
    # customer 8 owes two invoices, one of them disputed through e-invoicing
    state.put("customer_invoices", invoice(
        id=200, invoice_number="F-8-DISPUTED", customer={"id": 8, "url": "x"},
        date=str(today - timedelta(days=50)), deadline=str(today - timedelta(days=20)),
    ), "insert")  # fmt: skip
    emulator = PennylaneEmulator(state).start()
    smtp = SmtpServer().start()
    key = Fernet.generate_key()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RELANCE_SECRET_KEY", key.decode())
    (tmp_path / "relance.toml").write_text(
        'store_url = "sqlite:///r.sqlite"\ntenants_dir = "tenants"\noutbox_dir = "outbox"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\nsecurity = "none"\n',
        encoding="utf-8",
    )
    try:
        _run("init", "--tenant", "acme", "--platform", "pennylane")
        config = tmp_path / "tenants" / "acme.toml"
        body = config.read_text(encoding="utf-8").split("[creditor]")[0]
        config.write_text(
            body.replace(
                'platform = "pennylane"',
                f'platform = "pennylane"\napi_url = "{emulator.base_url}"\n'
                f'policy = "{always_open_policy(tmp_path)}"',
            )
            + CREDITOR,
            encoding="utf-8",
        )
        with Store.open("sqlite:///r.sqlite") as store:
            connect_token(TokenVault(store, Fernet(key)), "acme", "pennylane", "plt_test_token")
        _run("sync", "--tenant", "acme")  # before the PA reports anything
        yield World(state, smtp, today, tmp_path)
    finally:
        smtp.stop()
        emulator.shutdown()
        emulator.server_close()


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    yield from _world(tmp_path, monkeypatch, API_2026_04)


@pytest.fixture
def later(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    yield from _world(tmp_path, monkeypatch, API_LATER)


def _notes(folder: Path, day: date) -> list[str]:
    """What the planner noted about each customer (the dry run, in process)."""
    state = AppState(config=folder / "relance.toml")
    try:
        report = state.executor(state.tenant("acme"), with_source=False).dry_run(day)
        return [note for _, note in report.notes]
    finally:
        state.close()


def test_each_status_decides_what_the_debtor_receives_through_the_changelog(
    world: World,
) -> None:
    state = world.state
    for cid, case in CASES.items():
        if case is not None:
            assert state.set_e_invoicing(100 + cid, *case) == []  # this API has no such event
    state.set_e_invoicing(200, "in_dispute", "Prestation non conforme")
    state.calls.clear()
    world.relance("sync", "--tenant", "acme")
    assert state.requests_to("GET", "/changelogs/customer_invoices") >= 1  # how it learnt

    plan = json.loads(world.relance("--json", "plan", "--tenant", "acme", "--as-of",
                                    str(world.today)))  # fmt: skip
    blocked = {row["customer"]: row for row in plan["blocked"]}
    assert set(blocked) == {"customer:4", "customer:5"}
    assert blocked["customer:4"]["kind"] == "refused_invoice"
    assert "F-4" in blocked["customer:4"]["reason"]
    assert "Destinataire inconnu" in blocked["customer:4"]["reason"]
    assert "SIREN du destinataire invalide" in blocked["customer:5"]["reason"]
    notes = _notes(world.folder, world.today)
    assert any("F-3" in n and "Remise commerciale non appliquée" in n for n in notes)
    assert any("F-8-DISPUTED" in n and "Prestation non conforme" in n for n in notes)

    world.relance(
        "run", "--tenant", "acme", "--as-of", str(world.today), "--no-sync", codes=(10,)
    )  # 10: a person's move is needed (the refused invoices)
    sent = world.recipients()
    assert set(sent) == {"compta1@exemple.fr", "compta2@exemple.fr", "compta8@exemple.fr"}
    assert "F-8" in sent["compta8@exemple.fr"]
    assert "F-8-DISPUTED" not in sent["compta8@exemple.fr"]  # held: only the other one
    with Store.open("sqlite:///r.sqlite") as store:
        assert not store.receivable("acme", "pennylane:acme:invoice:106").is_open  # collected
        held = store.receivable("acme", "pennylane:acme:invoice:103").hold
        assert held is not None and held.kind is HoldKind.DISPUTED

    # the partly collected payment is matched in Pennylane: the rest is chased, that alone
    state.put("customer_invoices", {**state.invoices[107], "remaining_amount_with_tax": "450.00",
                                    "status": "partially_paid"})  # fmt: skip
    state.match(107, str(world.today), "750.00")
    world.relance("run", "--tenant", "acme", "--as-of", str(world.today), codes=(10,))
    sent = world.recipients()
    assert set(sent) == {"compta1@exemple.fr", "compta2@exemple.fr", "compta8@exemple.fr",
                         "compta7@exemple.fr"}  # fmt: skip
    assert "450" in sent["compta7@exemple.fr"] and "F-7" in sent["compta7@exemple.fr"]


def _receiver(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv(SERVE_ENV, json.dumps({"config": str(folder / "relance.toml")}))
    server = uvicorn.Server(uvicorn.Config(receiver_app(), host="127.0.0.1", port=0,
                                           log_level="warning", lifespan="off"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the receiver did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)


def test_a_status_change_arrives_by_webhook_where_the_api_has_the_event(
    later: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = later.relance("webhooks", "subscribe", "--tenant", "acme", "--url", HOOK)
    (sub,) = later.state.subscriptions.values()
    assert (
        sub["events"] == ["customer_invoice.e_invoicing_status_updated"] and str(sub["id"]) in out
    )
    deliveries = later.state.set_e_invoicing(103, "in_dispute", "Remise commerciale non appliquée")
    deliveries += later.state.set_e_invoicing(104, "refused", "Destinataire inconnu")
    assert len(deliveries) == 2
    receiver = _receiver(later.folder, monkeypatch)
    url = next(receiver)
    try:
        for headers, body in deliveries:
            answer = requests.post(f"{url}/webhooks/pennylane/acme", headers=headers,
                                   data=body, timeout=10)  # fmt: skip
            assert answer.status_code == 202, answer.text
            later.state.delivered(sub["id"], answer.status_code)
    finally:
        next(receiver, None)
    assert later.state.subscriptions[sub["id"]]["enabled"]

    later.state.calls.clear()
    app = AppState(config=later.folder / "relance.toml")
    try:  # what the daemon's inbox does: re-read what the events name, nothing else
        record = app.tenant("acme")
        source = app.source(app.tenant_config(record))
        assert source is not None
        report = process_inbox(app.store, "acme", source, clock=app.clock)
        assert report.events == 2
    finally:
        app.close()
    assert later.state.requests_to("GET", "/changelogs") == 0
    later.relance("run", "--tenant", "acme", "--as-of", str(later.today), "--no-sync", codes=(10,))
    sent = later.recipients()
    assert "compta3@exemple.fr" not in sent and "compta4@exemple.fr" not in sent
    assert {"compta1@exemple.fr", "compta2@exemple.fr", "compta5@exemple.fr"} <= set(sent)
