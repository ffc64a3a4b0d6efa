"""`relance daemon` as a process: health, readiness, the receiver, and a clean SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import requests

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
        assert unknown.status_code == 404
        files = requests.post(f"{base}/webhooks/files/lumen", data=b"{}", timeout=5)
        assert files.status_code == 404  # a file tenant has no source to verify deliveries
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err.decode()
    assert b"relance daemon: 1 tenant(s)" in out
    lines = [json.loads(line) for line in err.decode().splitlines() if line.startswith("{")]
    messages = [line["message"] for line in lines]
    assert any(m.startswith("daemon started") for m in messages)
    assert any(m.startswith("daemon stopped") for m in messages), "stopped cleanly, and said so"
    assert all({"ts", "level", "logger", "message"} <= set(line) for line in lines)
