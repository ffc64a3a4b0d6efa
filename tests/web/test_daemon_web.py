"""`relance daemon --web-port`: the web app beside the daemon, on a port of its own, over the
daemon's store; the webhook port does not serve it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.processes import free_port
from tests.web.site import copy_demo


def test_the_daemon_serves_the_web_app_on_its_own_port(demo_template: Path, tmp_path: Path) -> None:
    folder = copy_demo(demo_template, tmp_path / "site")
    webhooks, web = free_port(), free_port()
    log = tmp_path / "daemon.log"
    with log.open("wb") as output:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "connector", "--config", str(folder / "relance.toml"),
             "daemon", "--port", str(webhooks), "--web-port", str(web), "--text-logs"],
            stdout=output, stderr=subprocess.STDOUT, cwd=folder,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                login = requests.get(f"http://127.0.0.1:{web}/login", timeout=2)
                break
            except requests.ConnectionError:
                assert daemon.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        assert login.status_code == 200 and 'name="login_token"' in login.text
        assert requests.get(f"http://127.0.0.1:{webhooks}/healthz", timeout=5).status_code == 200
        # the webhook port knows nothing of the web app
        assert requests.get(f"http://127.0.0.1:{webhooks}/login", timeout=5).status_code == 404
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)


def test_the_web_app_refuses_the_webhook_port(demo_template: Path, tmp_path: Path) -> None:
    folder = copy_demo(demo_template, tmp_path / "site")
    port = free_port()
    done = subprocess.run(
        [sys.executable, "-m", "connector", "--config", str(folder / "relance.toml"), "daemon",
         "--port", str(port), "--web-port", str(port)],
        capture_output=True, text=True, timeout=60, check=False, cwd=folder,
    )  # fmt: skip
    assert done.returncode == 3 and "a port of its own" in done.stderr
