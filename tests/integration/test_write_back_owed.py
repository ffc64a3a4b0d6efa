"""Write-backs the platform did not take are owed, and tried again at every later run until
it has them: against the QuickBooks emulator on loopback, that refuses every write-back for a
run then takes them, and with a `relance run` process killed in the middle of one.

Each reminder leaves, per invoice it names, one note (an Attachable carrying the action's
fingerprint) and the step in the invoice's private note; trying again never adds a second.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from adapters.quickbooks.writeback import fingerprint
from connector.cli import main
from connector.clock import FrozenClock
from connector.oauth import Token, TokenVault
from connector.store import ActionStatus, EventType, Store
from tests.emulators.quickbooks import REALM, QuickBooksEmulator, QuickBooksState, seed
from tests.emulators.quickbooks.state import Fault
from tests.smtp_server import SmtpServer

DAY = date(2026, 3, 10)
STORE = "sqlite:///r.sqlite"


@dataclass
class Books:
    state: QuickBooksState
    server: QuickBooksEmulator
    relay: SmtpServer
    folder: Path
    env: dict[str, str]

    def relance(self, *args: str) -> int:
        """`relance ARGS` in a process of its own, in the tenant's folder."""
        done = subprocess.run(
            [sys.executable, "-m", "connector", *args],
            cwd=self.folder, env=self.env, capture_output=True, timeout=300,
        )  # fmt: skip
        return done.returncode

    def notes(self) -> Counter[tuple[str, str]]:
        """(invoice id, action fingerprint) -> notes carrying it."""
        found: Counter[tuple[str, str]] = Counter()
        for note in self.state.data[REALM]["Attachable"].values():
            invoice = note["AttachableRef"][0]["EntityRef"]["value"]
            for mark in note["Note"].split("[rl:")[1:]:
                found[(invoice, mark.split("]")[0])] += 1
        return found


@pytest.fixture
def books(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Books]:
    state = QuickBooksState(FrozenClock.on(DAY))
    seed(state, customers=4, invoices=12, today=DAY)
    server = QuickBooksEmulator(state).start()
    relay = SmtpServer().start()
    key = Fernet.generate_key()
    variables = {
        "RELANCE_SECRET_KEY": key.decode(),
        "RELANCE_QUICKBOOKS__CLIENT_ID": "relance-qbo",
        "RELANCE_QUICKBOOKS__CLIENT_SECRET": "qbo-secret",
        "RELANCE_QUICKBOOKS__TOKEN_URL": server.token_url,
    }
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "relance.toml").write_text(
        f'store_url = "{STORE}"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {relay.port}\nsecurity = "none"\n',
        encoding="utf-8",
    )
    try:
        assert main(["init", "--tenant", "acme", "--platform", "quickbooks"]) == 0
        config = tmp_path / "config" / "tenants" / "acme.toml"
        text = config.read_text(encoding="utf-8").replace(
            'platform = "quickbooks"', f'platform = "quickbooks"\napi_url = "{server.base_url}"'
        )
        config.write_text(
            text.replace('email = ""  ', 'email = "ar@cooper.example"', 1), encoding="utf-8"
        )
        pair = state.issue_pair()
        with Store.open(STORE) as store:  # what `relance connect` leaves
            TokenVault(store, Fernet(key)).save(
                "acme",
                "quickbooks",
                Token(pair["access_token"], pair["refresh_token"],
                      state.clock.now() + timedelta(hours=1), {"realmId": REALM}),
            )  # fmt: skip
        env = {k: v for k, v in os.environ.items() if not k.startswith("RELANCE_")}
        yield Books(state, server, relay, tmp_path, {**env, **variables})
    finally:
        server.stop()
        relay.stop()


def _sent(store: Store) -> list[str]:
    return [a.key for a in store.actions("acme", status=ActionStatus.SENT)]


def _written_back(store: Store) -> set[str]:
    return {
        str(e.payload["action"])
        for e in store.history("acme")
        if e.kind is EventType.WRITTEN_BACK and "written" in e.payload
    }


def _run(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    capsys.readouterr()
    assert main(["--json", "run", "--as-of", DAY.isoformat()]) in (0, 10)
    summary: dict[str, object] = json.loads(capsys.readouterr().out)[0]
    return summary


def test_write_backs_the_platform_refused_are_taken_at_the_next_run(
    books: Books, capsys: pytest.CaptureFixture[str]
) -> None:
    refusing = Fault("POST", "/batch", 503, {"Fault": {"Error": [{"code": "0"}]}}, times=10**6)
    books.state.faults.append(refusing)
    first = _run(capsys)
    with Store.open(STORE) as store:
        sent = _sent(store)
    assert sent and books.notes() == Counter(), "reminders sent, QuickBooks took nothing"

    refusing.times = 0  # QuickBooks is back
    second = _run(capsys)
    marks = {fingerprint(key) for key in sent}
    assert {mark for _, mark in books.notes()} == marks, "the next run wrote them back"
    assert set(books.notes().values()) == {1}, "one note per invoice and reminder"
    with Store.open(STORE) as store:
        assert _written_back(store) == set(sent)
        assert sorted(_sent(store)) == sorted(sent), "nothing sent twice"
        assert store.owed_write_backs("acme") == []
    assert (first["write_backs_pending"], second["write_backs_pending"]) == (len(sent), 0)

    _run(capsys)  # and a third run adds nothing
    assert set(books.notes().values()) == {1}


def test_what_is_owed_is_recorded_with_each_attempt(
    books: Books, capsys: pytest.CaptureFixture[str]
) -> None:
    books.state.faults.append(Fault("POST", "/batch", 503, {}, times=10**6))
    _run(capsys)
    _run(capsys)
    with Store.open(STORE) as store:
        owed = store.owed_write_backs("acme")
        assert sorted(o.action_key for o in owed) == sorted(_sent(store))
    assert all(o.attempts == 2 and "503" in (o.last_error or "") for o in owed)
    assert all(o.done_on == DAY for o in owed)


@pytest.mark.parametrize("killed_at", [1, 2], ids=["reading", "writing"])
def test_a_run_killed_in_the_middle_of_a_write_back_leaves_it_owed(
    books: Books, killed_at: int
) -> None:
    """The first write-back reads the invoices (batch 1), then writes (batch 2); the run is
    killed as one of them reaches QuickBooks: at the read nothing is written, at the write
    QuickBooks applies it but relance never hears. The next run finishes it, once."""
    batches = 0
    runs: list[subprocess.Popen[bytes]] = []

    def kill(method: str, path: str) -> None:
        nonlocal batches
        if method == "POST" and path == "/batch":
            batches += 1
            if batches == killed_at:
                os.kill(runs[-1].pid, signal.SIGKILL)

    books.state.before = kill
    first = subprocess.Popen(
        [sys.executable, "-m", "connector", "run", "--as-of", DAY.isoformat()],
        cwd=books.folder, env=books.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    runs.append(first)
    assert runs[-1].wait(timeout=300) == -signal.SIGKILL
    books.state.before = None
    with Store.open(STORE) as store:
        (cut,) = _sent(store)  # the first reminder went out, then its write-back was cut
        assert _written_back(store) == set()
    landed = books.notes()

    assert books.relance("run", "--as-of", DAY.isoformat()) in (0, 10)
    with Store.open(STORE) as store:
        sent = _sent(store)
        assert cut in _written_back(store), "the write-back cut by the kill was finished"
        assert _written_back(store) == set(sent)
        assert store.owed_write_backs("acme") == []
    notes = books.notes()
    assert {mark for _, mark in notes} == {fingerprint(key) for key in sent}
    assert set(notes.values()) == {1}, "the note that landed before the kill is not doubled"
    if killed_at == 2:
        assert landed, "the write landed before the kill"
