"""`relance sync` and `relance plan` for a Pennylane tenant, against the loopback emulator."""

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
    server.start()
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


def test_webhook_subscriptions_from_the_command_line(
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
    with Store.open("sqlite:///r.sqlite") as store:
        connect_token(TokenVault(store, Fernet(key)), "acme", "pennylane", "plt_test_token")
    url = "https://relance.example.fr/webhooks/pennylane/acme"
    assert main(["webhooks", "subscribe", "--tenant", "acme", "--url", url]) == 0
    (sub_id,) = emulator.state.subscriptions
    out = capsys.readouterr().out
    assert f"subscription {sub_id}" in out
    assert emulator.state.subscriptions[sub_id]["secret"] not in out  # shown to no one
    assert main(["webhooks", "list", "--tenant", "acme"]) == 0
    assert url in capsys.readouterr().out

    # a delivery signed with that secret is accepted by the tenant's source; a forged one is not
    from connector.errors import SourceRejected
    from connector.settings import Settings, load_tenant_config
    from connector.sources import open_source

    headers, body = emulator.state.signed_delivery(sub_id, "customer_invoice.created", {"id": 4021})
    with Store.open("sqlite:///r.sqlite", clock=emulator.state.clock) as store:
        source = open_source(
            load_tenant_config(config), clock=emulator.state.clock, store=store, settings=Settings()
        )
        (event,) = source.parse_webhook(headers, body)
        assert event.refs[0].external_id == "invoice:4021"
        with pytest.raises(SourceRejected):
            source.parse_webhook(headers, body.replace(b"4021", b"4022"))

    assert main(["webhooks", "unsubscribe", "--tenant", "acme", str(sub_id)]) == 0
    assert not emulator.state.subscriptions


def test_a_webhook_url_must_be_https(
    emulator: PennylaneEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    key = Fernet.generate_key()
    monkeypatch.setenv("RELANCE_SECRET_KEY", key.decode())
    (tmp_path / "relance.toml").write_text('store_url = "sqlite:///r.sqlite"\n', encoding="utf-8")
    (tmp_path / "config" / "tenants").mkdir(parents=True)
    assert main(["init", "--tenant", "acme", "--platform", "pennylane"]) == 0
    config = tmp_path / "config" / "tenants" / "acme.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            'platform = "pennylane"', f'platform = "pennylane"\napi_url = "{emulator.base_url}"'
        ),
        encoding="utf-8",
    )
    with Store.open("sqlite:///r.sqlite") as store:
        connect_token(TokenVault(store, Fernet(key)), "acme", "pennylane", "plt_test_token")
    capsys.readouterr()
    code = main(["webhooks", "subscribe", "--tenant", "acme", "--url", "http://x.example/"])
    assert code == 4
    assert "HTTPS" in capsys.readouterr().err


def test_connect_says_which_company_and_which_permissions_are_missing(
    emulator: PennylaneEmulator, tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys

    from tests.emulators.pennylane import Grant

    emulator.state.tokens["plt_read_only_token"] = Grant(
        frozenset({"customer_invoices:readonly", "customers:readonly"})
    )
    env = {**os.environ, "RELANCE_SECRET_KEY": Fernet.generate_key().decode()}

    def relance(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "connector", *args],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=60,
            check=False,
        )

    assert relance("init", "--tenant", "acme", "--platform", "pennylane").returncode == 0
    config = tmp_path / "config" / "tenants" / "acme.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            'platform = "pennylane"', f'platform = "pennylane"\napi_url = "{emulator.base_url}"'
        ),
        encoding="utf-8",
    )
    done = relance(
        "connect", "pennylane", "--tenant", "acme", "--token", stdin="plt_read_only_token\n"
    )
    assert done.returncode == 0, done.stderr
    assert "reaches Atelier Dupont SAS (id 1)" in done.stdout
    assert "customers:all (the line in the customer's notes)" in done.stdout
    assert "plt_read_only_token" not in done.stdout + done.stderr


def test_a_run_by_hand_covers_the_webhook_events_waiting(
    emulator: PennylaneEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`relance serve` stores events; with a cron'd `relance run` and no daemon, the run's pull
    acts on them, so they do not pile up unprocessed."""
    from connector.intake import receive
    from connector.settings import Settings, load_tenant_config
    from connector.sources import open_source
    from tests.cli.test_commands import CREDITOR

    monkeypatch.chdir(tmp_path)
    key = Fernet.generate_key()
    monkeypatch.setenv("RELANCE_SECRET_KEY", key.decode())
    (tmp_path / "relance.toml").write_text(
        'store_url = "sqlite:///r.sqlite"\ntenants_dir = "tenants"\noutbox_dir = "outbox"\n',
        encoding="utf-8",
    )
    assert main(["init", "--tenant", "acme", "--platform", "pennylane"]) == 0
    config = tmp_path / "tenants" / "acme.toml"
    head = config.read_text(encoding="utf-8").split("[creditor]")[0]
    config.write_text(
        head.replace(
            'platform = "pennylane"', f'platform = "pennylane"\napi_url = "{emulator.base_url}"'
        )
        + CREDITOR,
        encoding="utf-8",
    )
    with Store.open("sqlite:///r.sqlite") as store:
        connect_token(TokenVault(store, Fernet(key)), "acme", "pennylane", "plt_test_token")
    assert main(["webhooks", "subscribe", "--tenant", "acme", "--url", "https://r.example/w"]) == 0
    (sub_id,) = emulator.state.subscriptions
    headers, body = emulator.state.signed_delivery(sub_id, "customer_invoice.created", {"id": 4021})
    with Store.open("sqlite:///r.sqlite", clock=emulator.state.clock) as store:
        source = open_source(
            load_tenant_config(config), clock=emulator.state.clock, store=store, settings=Settings()
        )
        assert receive(store, "acme", source, headers, body).new == 1
        assert store.inbox_depth("acme") == 1
    capsys.readouterr()
    assert main(["--json", "run", "--tenant", "acme", "--as-of", "2026-03-10"]) in (0, 10)
    with Store.open("sqlite:///r.sqlite") as store:
        assert store.inbox_depth("acme") == 0, "covered by the run's pull"
        assert store.receivable("acme", "pennylane:acme:invoice:4021").is_open
