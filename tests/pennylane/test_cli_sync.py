"""`relance sync` and `relance plan` for a Pennylane tenant, against the loopback emulator."""

from __future__ import annotations

import threading
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
from tests.emulators.pennylane import PennylaneEmulator, PennylaneState

from .test_mapping import invoice


@pytest.fixture
def emulator() -> Iterator[PennylaneEmulator]:
    state = PennylaneState(FrozenClock.on(date(2026, 3, 10)))
    state.put(
        "customers",
        {
            "id": 77,
            "name": "Hôtel des Célestins",
            "customer_type": "company",
            "emails": ["compta@celestins.example.fr"],
        },
        "insert",
    )
    state.put("customer_invoices", invoice(), "insert")
    server = PennylaneEmulator(state)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_sync_then_plan_a_pennylane_tenant(
    emulator: PennylaneEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    key = Fernet.generate_key()
    monkeypatch.setenv("RELANCE_SECRET_KEY", key.decode())
    (tmp_path / "relance.toml").write_text(
        'store_url = "sqlite:///r.sqlite"\ntenants_dir = "tenants"\n', encoding="utf-8"
    )
    assert main(["init", "--tenant", "acme", "--platform", "pennylane"]) == 0
    config = tmp_path / "tenants" / "acme.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            'platform = "pennylane"', f'platform = "pennylane"\napi_url = "{emulator.base_url}"'
        ),
        encoding="utf-8",
    )
    with Store.open("sqlite:///r.sqlite") as store:  # as `relance connect --token` does
        connect_token(TokenVault(store, Fernet(key)), "acme", "pennylane", "plt_test_token")
    capsys.readouterr()
    assert main(["--json", "sync", "--tenant", "acme"]) == 0
    assert '"receivables": 1' in capsys.readouterr().out
    assert main(["--json", "plan", "--as-of", "2026-03-10"]) == 0
    out = capsys.readouterr().out
    assert '"customer_name": "Hôtel des Célestins"' in out and "F20260042" in out
