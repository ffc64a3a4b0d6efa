"""`relance serve` as a process: one or several receiver processes on one port."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet

from adapters.pennylane.source import WEBHOOK_KEY
from connector.clock import SystemClock
from connector.oauth import Token, TokenVault
from connector.store import Store
from tests.processes import free_port, wait_until_up
from tests.secrets_watch import watch

from .conftest import Run

SECRET = "whsec_serve_0123456789abcdef"


def _signed(event_id: str) -> tuple[dict[str, str], bytes]:
    now = int(time.time())
    body = json.dumps(
        {
            "id": event_id,
            "event": "customer_invoice.updated",
            "data": {"object": {"id": 42}},
        }
    ).encode()
    mac = hmac.new(SECRET.encode(), f"{now}.".encode() + body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Pennylane-Signature": f"t={now},v1={mac}"}, body


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_verifies_with_the_vault_secret_and_stores_each_delivery_once(
    workdir: Path, relance: Run, workers: int
) -> None:
    watch(SECRET)
    code, out, _ = relance("init", "--tenant", "acme", "--platform", "pennylane")
    assert code == 0, out
    key = Fernet.generate_key().decode()
    url = f"sqlite:///{workdir / 'relance.sqlite'}"
    with Store.open(url, clock=SystemClock()) as store:  # as `relance webhooks subscribe` leaves it
        TokenVault(store, Fernet(key.encode())).save(
            "acme", WEBHOOK_KEY, Token(SECRET, None, None, {"subscription_id": "1"})
        )
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "connector",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        cwd=workdir,
        env={**os.environ, "RELANCE_SECRET_KEY": key},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(proc, f"{base}/readyz")
        answers = []
        for n in range(20):  # fresh connections: with 2 workers, both take some
            headers, body = _signed(f"evt_serve_{n % 10}")
            answers.append(
                requests.post(f"{base}/webhooks/pennylane/acme", headers=headers, data=body)
            )
        forged = requests.post(
            f"{base}/webhooks/pennylane/acme",
            headers={**_signed("evt_forged")[0]},
            data=_signed("evt_other")[1],
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    # uvicorn re-raises the SIGTERM it handled once shut down; the supervisor of workers exits 0
    assert proc.returncode in (0, -signal.SIGTERM), err.decode()
    assert b"Application shutdown complete" in err  # the inbox writer was closed
    assert [a.status_code for a in answers] == [202] * 20
    assert sum(a.json()["new"] for a in answers) == 10  # each event id once, redeliveries not
    assert forged.status_code == 401
    with Store.open(url, clock=SystemClock()) as store:
        assert {e.event_id for e in store.pending_inbound("acme")} == {
            f"evt_serve_{n}" for n in range(10)
        }
    assert SECRET.encode() not in err


def test_serve_refuses_a_store_it_cannot_open_before_starting_workers(
    workdir: Path, relance: Run
) -> None:
    code, _, err = relance(
        "--store", "postgresql+nosuchdriver://x/y", "serve", "--port", "1", "--workers", "2"
    )
    assert code == 6, err
