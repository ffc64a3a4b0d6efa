"""Kill a run between the relay's acceptance and the commit: nothing is ever sent twice."""

from __future__ import annotations

import email
import email.policy
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from aiosmtpd.smtp import Envelope

from connector.store import ActionStatus, Store
from tests.smtp_server import SmtpServer

from .conftest import Run
from .test_commands import _setup


def _run(workdir: Path, holder: dict[str, subprocess.Popen[bytes]]) -> int:
    proc = subprocess.Popen(
        [sys.executable, "-m", "connector", "--json", "run", "--as-of", "2026-11-23"],
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    holder["proc"] = proc
    proc.communicate(timeout=120)
    return proc.returncode


def _actions(server: SmtpServer) -> Counter[str]:
    return Counter(
        email.message_from_bytes(m.data, policy=email.policy.default)["X-Relance-Action"]
        for m in server.messages
    )


def test_a_run_killed_after_the_relay_accepted_never_sends_twice(
    workdir: Path, relance: Run
) -> None:
    _setup(workdir, relance)
    holder: dict[str, subprocess.Popen[bytes]] = {}
    killed: list[str] = []

    def kill_on_first(envelope: Envelope) -> None:
        if not killed:  # the relay has the message; the client dies before its reply
            killed.append("yes")
            os.kill(holder["proc"].pid, signal.SIGKILL)

    server = SmtpServer(on_data=kill_on_first).start()
    try:
        with (workdir / "relance.toml").open("a", encoding="utf-8") as config:
            config.write(f'\n[smtp]\nhost = "127.0.0.1"\nport = {server.port}\nsecurity = "none"\n')
        assert _run(workdir, holder) == -signal.SIGKILL
        assert len(server.messages) == 1
        (first_key,) = _actions(server)

        assert _run(workdir, holder) == 10  # finished, but one action needs a person
        assert _run(workdir, holder) == 10
        counts = _actions(server)
        assert counts[first_key] == 1
        assert all(n == 1 for n in counts.values()), counts

        with Store.open(f"sqlite:///{workdir / 'relance.sqlite'}") as store:
            held = store.actions("lumen", status=ActionStatus.HELD)
            assert [h.key for h in held] == [first_key], [(h.key, h.error) for h in held]
            sent = store.actions("lumen", status=ActionStatus.SENT)
            assert {s.key for s in sent} == set(counts) - {first_key}
    finally:
        server.stop()
