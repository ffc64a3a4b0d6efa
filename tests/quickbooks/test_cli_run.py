"""`relance run` on a QuickBooks tenant: sync, plan, send through an SMTP relay, write back."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from connector.cli import main
from connector.oauth import Token, TokenVault
from connector.store import EventType, Store
from tests.emulators.quickbooks import REALM, QuickBooksEmulator, QuickBooksState, seed
from tests.smtp_server import SmtpServer


def test_a_quickbooks_tenant_runs_end_to_end(
    qb_server: QuickBooksEmulator,
    qb_state: QuickBooksState,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    seed(qb_state, customers=6, invoices=25, today=qb_state.clock.now().date())
    monkeypatch.chdir(tmp_path)
    key = Fernet.generate_key()
    for name, value in {
        "RELANCE_SECRET_KEY": key.decode(),
        "RELANCE_QUICKBOOKS__CLIENT_ID": "relance-qbo",
        "RELANCE_QUICKBOOKS__CLIENT_SECRET": "qbo-secret",
        "RELANCE_QUICKBOOKS__TOKEN_URL": qb_server.token_url,
    }.items():
        monkeypatch.setenv(name, value)
    smtp = SmtpServer().start()  # only what a relay took is written back as sent
    request.addfinalizer(smtp.stop)
    (tmp_path / "relance.toml").write_text(
        'store_url = "sqlite:///r.sqlite"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\nsecurity = "none"\n',
        encoding="utf-8",
    )
    assert main(["init", "--tenant", "acme", "--platform", "quickbooks"]) == 0
    config = tmp_path / "config" / "tenants" / "acme.toml"
    text = config.read_text(encoding="utf-8").replace(
        'platform = "quickbooks"', f'platform = "quickbooks"\napi_url = "{qb_server.base_url}"'
    )
    config.write_text(
        text.replace('email = ""  ', 'email = "ar@cooper.example"', 1), encoding="utf-8"
    )
    pair = qb_state.issue_pair()
    with Store.open("sqlite:///r.sqlite") as store:  # what `relance connect` leaves
        TokenVault(store, Fernet(key)).save(
            "acme",
            "quickbooks",
            Token(
                pair["access_token"],
                pair["refresh_token"],
                qb_state.clock.now() + timedelta(hours=1),
                {"realmId": REALM},
            ),
        )
    capsys.readouterr()
    code = main(["--json", "run", "--as-of", "2026-03-10"])
    out = capsys.readouterr().out
    assert code in (0, 10), out
    summary = json.loads(out)[0]
    assert summary["by_status"].get("sent", 0) > 0
    assert len(smtp.messages) == summary["by_status"]["sent"]
    notes = qb_state.data[REALM]["Attachable"]
    assert notes and all("relance" in n["Note"] for n in notes.values())
    with Store.open("sqlite:///r.sqlite") as store:
        written = [
            e
            for e in store.history("acme")
            if e.kind is EventType.WRITTEN_BACK and "written" in e.payload
        ]
    assert written
