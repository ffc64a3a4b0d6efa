"""`relance sync` then `relance plan` on an Odoo tenant, configured as a user would."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from connector.cli import main
from connector.clock import FrozenClock
from connector.connect import connect_token
from connector.oauth import TokenVault
from connector.store import Store
from tests.emulators.odoo import OdooEmulator, OdooState, seed


@pytest.fixture
def server() -> Iterator[OdooEmulator]:
    clock = FrozenClock.on(date(2026, 3, 10))
    state = OdooState(clock, version=(17, 0))
    seed(state, customers=4, invoices=40, today=clock.now().date())
    server = OdooEmulator(state).start()
    yield server
    server.stop()


def _tenant(server: OdooEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An Odoo tenant set up as a user would: relance init, the tenant file, the API key."""
    monkeypatch.chdir(tmp_path)
    key = Fernet.generate_key()
    monkeypatch.setenv("RELANCE_SECRET_KEY", key.decode())
    (tmp_path / "relance.toml").write_text('store_url = "sqlite:///r.sqlite"\n', encoding="utf-8")
    assert main(["init", "--tenant", "acme", "--platform", "odoo"]) == 0
    config = tmp_path / "config" / "tenants" / "acme.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            'platform = "odoo"',
            f'platform = "odoo"\napi_url = "{server.url}"\n\n'
            '[odoo]\ndatabase = "acme"\nlogin = "relance-bot"\n',
        ),
        encoding="utf-8",
    )
    text = config.read_text(encoding="utf-8")
    # [odoo] must come after the top-level keys: move the table to the end of the file
    head, _, rest = text.partition("\n[odoo]\n")
    table, _, tail = rest.partition("\n\n")
    config.write_text(f"{head}\n{tail}\n\n[odoo]\n{table}\n", encoding="utf-8")
    with Store.open("sqlite:///r.sqlite") as store:  # as `relance connect odoo --token` does
        connect_token(TokenVault(store, Fernet(key)), "acme", "odoo", "odoo-key-0123456789")


def test_sync_and_plan_an_odoo_tenant(
    server: OdooEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _tenant(server, tmp_path, monkeypatch)
    capsys.readouterr()
    assert main(["--json", "sync", "--tenant", "acme"]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert '"receivables":' in out
    assert main(["--json", "plan", "--as-of", "2026-03-10"]) == 0
    assert "INV/2026/" in capsys.readouterr().out


def test_a_tenant_on_a_two_company_database_is_asked_which_company(
    server: OdooEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server.state.put("res.company", {"id": 2, "name": "Filiale Lyon SARL"})
    _tenant(server, tmp_path, monkeypatch)
    capsys.readouterr()
    assert main(["sync", "--tenant", "acme"]) != 0
    err = capsys.readouterr().err
    assert "1 (Atelier Dupont SAS), 2 (Filiale Lyon SARL)" in " ".join(err.split())
    assert "company_id" in err
    config = tmp_path / "config" / "tenants" / "acme.toml"
    config.write_text(config.read_text(encoding="utf-8") + "company_id = 1\n", encoding="utf-8")
    assert main(["--json", "sync", "--tenant", "acme"]) == 0, capsys.readouterr().err
