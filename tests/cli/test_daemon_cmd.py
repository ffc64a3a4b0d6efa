"""`relance daemon` as a process: health, readiness, the receiver, and a clean SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
import requests

from connector.store import Store
from tests.processes import free_port, wait_until_up

from .conftest import Run
from .test_commands import _setup


def test_the_daemon_serves_health_and_stops_cleanly_on_sigterm(workdir: Path, relance: Run) -> None:
    _setup(workdir, relance)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "connector", "daemon", "--port", str(port), "--jitter", "0"],
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(proc, f"{base}/healthz")
        assert requests.get(f"{base}/healthz", timeout=5).json() == {"status": "ok"}
        assert requests.get(f"{base}/readyz", timeout=5).json() == {"status": "ready"}
        metrics = requests.get(f"{base}/metrics", timeout=5).text
        assert "relance_inbox_depth 0.0" in metrics and "relance_cycles_total" in metrics
        unknown = requests.post(f"{base}/webhooks/pennylane/nobody", data=b"{}", timeout=5)
        files = requests.post(f"{base}/webhooks/files/lumen", data=b"{}", timeout=5)
        # a file tenant has no source to verify deliveries; an anonymous caller is not told
        assert unknown.status_code == files.status_code == 401
        assert unknown.json() == files.json()
        with socket.create_connection(("127.0.0.1", port), timeout=5) as garbage:
            garbage.sendall(b"NOT HTTP AT ALL\r\n\r\n")  # uvicorn itself logs a warning
            assert garbage.recv(100).startswith(b"HTTP/1.1 400")
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err.decode()
    assert b"relance daemon: 1 tenant(s)" in out
    lines = [json.loads(line) for line in err.decode().splitlines() if line.strip()]
    messages = [line["message"] for line in lines]  # every line JSON, uvicorn's too
    assert any(line["logger"].startswith("uvicorn") for line in lines)
    assert any(m.startswith("daemon started") for m in messages)
    assert any(m.startswith("daemon stopped") for m in messages), "stopped cleanly, and said so"
    assert all({"ts", "level", "logger", "message"} <= set(line) for line in lines)


def test_a_tenant_added_while_the_daemon_runs_is_served_and_a_broken_file_reported(
    workdir: Path, relance: Run
) -> None:
    _setup(workdir, relance)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "connector", "daemon", "--port", str(port), "--jitter", "0",
         "--reload-seconds", "1", "--no-metrics"],
        cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        wait_until_up(proc, f"http://127.0.0.1:{port}/readyz")
        code, out, _ = relance("init", "--tenant", "nouveau", "--name", "Nouveau")
        assert code == 0, out
        lumen = workdir / "tenants" / "lumen.toml"
        lumen.write_text(lumen.read_text(encoding="utf-8") + "\nnot toml at all [[[\n")
        deadline = time.monotonic() + 30
        with Store.open(f"sqlite:///{workdir / 'relance.sqlite'}") as store:
            while "nouveau" not in store.cycle_rows():
                assert proc.poll() is None, proc.communicate()[1].decode()
                assert time.monotonic() < deadline, "the new tenant was not picked up"
                time.sleep(0.2)
            assert store.cycle_rows()["nouveau"].due_at is not None, "on its schedule"
        assert requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200
        assert requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).status_code == 404
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err.decode()[-2000:]
    messages = [
        json.loads(line)["message"] for line in err.decode().splitlines() if line.startswith("{")
    ]
    assert any("tenants reloaded: added ['nouveau']" in m for m in messages), messages
    assert any(m.startswith("tenant=lumen configuration not loaded") for m in messages)


def test_metrics_on_a_port_of_their_own_and_no_docs(workdir: Path, relance: Run) -> None:
    _setup(workdir, relance)
    port, ops_port = free_port(), free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "connector", "daemon", "--port", str(port), "--jitter", "0",
         "--ops-port", str(ops_port), "--no-docs"],
        cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    base, ops = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{ops_port}"
    try:
        wait_until_up(proc, f"{base}/readyz")
        wait_until_up(proc, f"{ops}/healthz")
        assert "relance_inbox_depth 0.0" in requests.get(f"{ops}/metrics", timeout=5).text
        for path in ("/metrics", "/docs", "/redoc", "/openapi.json"):
            assert requests.get(f"{base}{path}", timeout=5).status_code == 404, path
        for path in ("/docs", "/openapi.json"):
            assert requests.get(f"{ops}{path}", timeout=5).status_code == 404, path
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert f"ops listener on http://127.0.0.1:{ops_port}" in " ".join(out.decode().split())


def test_the_daemon_warns_when_the_rate_tables_leave_todays_notices_without_a_figure(
    workdir: Path, relance: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shipped tables end on 30 June 2026: from then on, a French tenant's notice finds
    neither the ECB rate of its half-year nor the legal rate. The daemon says so at start
    (then once a day), in its log and in /metrics; `relance status` says it too."""
    _setup(workdir, relance)
    port = free_port()
    env = {**os.environ, "RELANCE_RATES_DIR": str(workdir / "rates")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "connector", "daemon", "--port", str(port), "--jitter", "0"],
        cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    today = date.today()
    assert today > date(2026, 6, 30), "this test reads the shipped tables as of today"
    try:
        wait_until_up(proc, f"{base}/readyz")
        deadline = time.monotonic() + 20
        while 'relance_rate_table_gaps{table="ecb_mro"} 1.0' not in (
            metrics := requests.get(f"{base}/metrics", timeout=5).text
        ):
            assert time.monotonic() < deadline, metrics[-1500:]
            time.sleep(0.2)
        assert 'relance_rate_table_days_covered{table="ecb_mro"} 0.0' in metrics
        assert 'relance_rate_table_days_covered{table="fr_legal_rate"} 0.0' in metrics
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err.decode()[-2000:]
    warnings = [
        line
        for line in (json.loads(x) for x in err.decode().splitlines() if x.startswith("{"))
        if line["level"] == "warning" and "rate table" in line["message"]
    ]
    assert {w["message"].split(" (")[0] for w in warnings} == {
        "tenant=lumen rate table ecb_mro",
        "tenant=lumen rate table fr_legal_rate",
    }
    assert all("relance rates update" in w["message"] for w in warnings)
    monkeypatch.setenv("RELANCE_RATES_DIR", str(workdir / "rates"))
    code, out, _ = relance("status", "--as-of", today.isoformat(), "--json")
    assert code in (0, 10)
    rates = json.loads(out)["rate_tables"]
    assert rates["covered"] is False
    assert {g["table"] for g in rates["gaps"]} == {"ecb_mro", "fr_legal_rate"}
    assert all(g["first_day_without"] == today.isoformat() for g in rates["gaps"])
