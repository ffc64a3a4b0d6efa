"""The daemon end to end, as a process: Pennylane (the emulator) says an invoice was paid,
the daemon's receiver stores the delivery, its inbox re-reads that invoice, and the next
cycle reminds the customer of the other invoice only, through a real SMTP server."""

from __future__ import annotations

import email
import email.policy
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet
from sqlalchemy import text

from connector.cli import main
from connector.clock import SystemClock
from connector.connect import connect_token
from connector.oauth import TokenVault
from connector.store import Store
from tests.cli.test_commands import CREDITOR
from tests.emulators.pennylane import PennylaneEmulator, PennylaneState
from tests.policies import always_open_policy
from tests.processes import free_port, wait_until_up
from tests.smtp_server import SmtpServer

from .test_mapping import invoice


def _until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_a_paid_webhook_spares_that_invoice_from_the_next_reminder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    today = datetime.now(UTC).date()
    state = PennylaneState(SystemClock())  # real time: the daemon checks signature ages
    state.put(
        "customers",
        {"id": 77, "name": "Hôtel des Célestins", "customer_type": "company",
         "emails": ["compta@celestins.example.fr"]},
        "insert",
    )  # fmt: skip
    for invoice_id, number in ((4021, "F-PAID"), (4022, "F-DUE")):
        state.put(
            "customer_invoices",
            invoice(id=invoice_id, invoice_number=number, label=f"Facture {number}",
                    date=str(today - timedelta(days=40)), deadline=str(today - timedelta(days=10))),
            "insert",
        )  # fmt: skip
    emulator = PennylaneEmulator(state)
    emulator.start()
    smtp = SmtpServer().start()
    key = Fernet.generate_key()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RELANCE_SECRET_KEY", key.decode())
    (tmp_path / "relance.toml").write_text(
        'store_url = "sqlite:///r.sqlite"\ntenants_dir = "tenants"\noutbox_dir = "outbox"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\nsecurity = "none"\n',
        encoding="utf-8",
    )
    proc: subprocess.Popen[bytes] | None = None
    try:
        assert main(["init", "--tenant", "acme", "--platform", "pennylane"]) == 0
        config = tmp_path / "tenants" / "acme.toml"
        body = config.read_text(encoding="utf-8").split("[creditor]")[0]
        config.write_text(
            body.replace(
                'platform = "pennylane"',
                f'platform = "pennylane"\napi_url = "{emulator.base_url}"\n'
                f'policy = "{always_open_policy(tmp_path)}"',  # CI runs at any hour
            )
            + '[schedule]\ncron = "0 9 1 1 *"\ntimezone = "UTC"\n'  # not due by itself
            + CREDITOR,
            encoding="utf-8",
        )
        with Store.open("sqlite:///r.sqlite") as store:
            connect_token(TokenVault(store, Fernet(key)), "acme", "pennylane", "plt_test_token")
        hook = "https://relance.example.fr/webhooks/pennylane/acme"
        assert main(["webhooks", "subscribe", "--tenant", "acme", "--url", hook]) == 0
        assert main(["sync", "--tenant", "acme"]) == 0
        (sub_id,) = state.subscriptions

        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "connector", "daemon", "--port", str(port), "--jitter", "0",
             "--poll-seconds", "1", "--inbox-seconds", "1"],
            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"

        wait_until_up(proc, f"{base}/readyz")
        paid = {**state.invoices[4021], "remaining_amount_with_tax": "0.00", "status": "paid"}
        state.put("customer_invoices", paid)
        state.calls.clear()
        headers, delivery = state.signed_delivery(sub_id, "customer_invoice.created", {"id": 4021})
        answer = requests.post(
            f"{base}/webhooks/pennylane/acme", headers=headers, data=delivery, timeout=10
        )
        assert answer.status_code == 202, answer.text

        with Store.open("sqlite:///r.sqlite") as store:
            _until(
                lambda: not store.receivable("acme", "pennylane:acme:invoice:4021").is_open,
                20,
                "the inbox to re-read the paid invoice",
            )
            # the event is marked done just after the re-read's own commit
            _until(lambda: store.inbox_depth() == 0, 10, "the event to be marked processed")
            assert state.requests_to("GET", "/changelogs") == 0, "targeted"
            assert state.requests_to("GET", "/customer_invoices") >= 1
            with store.engine.begin() as conn:  # the tenant's next slot comes now
                conn.execute(text("UPDATE cycles SET due_at = :t"), {"t": datetime.now(UTC)})
            _until(lambda: len(smtp.messages) >= 1, 30, "the cycle's reminder")
            time.sleep(1.0)
        (message,) = [
            email.message_from_bytes(m.data, policy=email.policy.default) for m in smtp.messages
        ]
        assert message["To"] == "compta@celestins.example.fr"
        letter = message.get_body(("plain",))
        assert letter is not None
        content = letter.get_content()
        assert "F-DUE" in content and "F-PAID" not in content
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=30)
            assert proc.returncode == 0, err.decode()[-2000:]
        smtp.stop()
        emulator.shutdown()
        emulator.server_close()
