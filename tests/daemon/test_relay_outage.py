"""`relance daemon` as a process, its SMTP relay down when the day's cycle starts: the phone
task goes out at once, the e-mails wait, and the daemon runs the cycle again minutes later
(here, after a second), when the relay, back up, takes them; not at the next slot a day away.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from connector.clock import SystemClock
from connector.daemon import TenantSchedule, next_due
from connector.model import Channel, Platform
from connector.store import ActionStatus, Store
from tests.cli.test_commands import CREDITOR
from tests.policies import always_open_policy
from tests.processes import free_port
from tests.smtp_server import BrokenRelay, SmtpServer

SCHEDULE = TenantSchedule("acme", "files", "0 9 * * *", "UTC")


def _ledger(folder: Path, today: str, due: str) -> None:
    """Two customers by e-mail, one only by phone: three actions due today."""
    folder.mkdir(parents=True)
    (folder / "customers.csv").write_text(
        "id,name,email,contact_name,phone\n"
        "C1,Client Un,ap1@un.example,AP,\n"
        "C2,Client Deux,ap2@deux.example,AP,\n"
        "C3,Client Trois,,Standard,+33 4 00 00 00 03\n",
        encoding="utf-8",
    )
    (folder / "invoices.csv").write_text(
        "id,number,customer_id,issued_on,due_on,total,open\n"
        + "".join(f"F{n},F-{n},C{n},{today},{due},500.00,500.00\n" for n in (1, 2, 3)),
        encoding="utf-8",
    )


def _outcome(store: Store) -> str | None:
    row = store.cycle_row("acme")
    return None if row is None else row.outcome


def _actions(store: Store) -> dict[Channel, list[ActionStatus]]:
    found: dict[Channel, list[ActionStatus]] = {}
    for action in store.actions("acme"):
        found.setdefault(action.channel, []).append(action.status)
    return found


def test_a_cycle_the_relay_missed_runs_again_minutes_later(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    _ledger(tmp_path / "ledger", str(now.date() - timedelta(days=40)),
            str(now.date() - timedelta(days=5)))  # fmt: skip
    down = BrokenRelay(stall=False).start()  # greets with 421 and hangs up
    port = down.port
    (tmp_path / "tenants").mkdir()
    (tmp_path / "relance.toml").write_text(
        'store_url = "sqlite:///r.sqlite"\noutbox_dir = "outbox"\ntenants_dir = "tenants"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\ntimeout = 5\n',
        encoding="utf-8",
    )
    policy = always_open_policy(tmp_path)
    (tmp_path / "tenants" / "acme.toml").write_text(
        f'slug = "acme"\nplatform = "files"\ntimezone = "UTC"\npolicy = "{policy}"\n'
        f'[schedule]\ncron = "0 9 * * *"\n[files]\ncsv_dir = "{tmp_path / "ledger"}"\n' + CREDITOR,
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    with Store.open(url, clock=SystemClock()) as store:
        store.ensure_tenant("acme", platform=Platform.FILES, timezone="UTC")
        store.claim_cycle("acme", "setup", timedelta(seconds=1))
        store.finish_cycle("acme", "setup", "done")
        with store.engine.begin() as conn:  # yesterday's slot was missed: due now
            conn.execute(text("UPDATE cycles SET finished_at = :t"), {"t": now - timedelta(days=2)})
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELANCE_")}
    log = (tmp_path / "daemon.log").open("wb")
    daemon = subprocess.Popen(
        [sys.executable, "-m", "connector", "daemon", "--port", str(free_port()),
         "--jitter", "0", "--poll-seconds", "1",
         "--retry-seconds", "1", "--retry-max-seconds", "2"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip
    relay: SmtpServer | None = None
    try:
        with Store.open(url, clock=SystemClock()) as store:
            deadline = time.monotonic() + 60
            while _outcome(store) != "partial":
                assert daemon.poll() is None, (tmp_path / "daemon.log").read_text()
                assert time.monotonic() < deadline, "the first cycle never ended"
                time.sleep(0.1)
            first = _actions(store)
            assert first[Channel.PHONE_TASK] == [ActionStatus.WRITTEN], "the task went at once"
            assert first[Channel.EMAIL] == [ActionStatus.PLANNED] * 2, "the e-mails wait"
            row = store.cycle_row("acme")
            assert row is not None and row.due_at is not None
            assert row.due_at < datetime.now(UTC) + timedelta(minutes=1), "minutes, not a day"

            down.stop()
            relay = SmtpServer(port=port).start()  # the relay is back, same address
            deadline = time.monotonic() + 60
            while _actions(store)[Channel.EMAIL] != [ActionStatus.SENT] * 2:
                assert daemon.poll() is None, (tmp_path / "daemon.log").read_text()
                assert time.monotonic() < deadline, f"e-mails never sent: {_actions(store)}"
                time.sleep(0.1)
            while _outcome(store) != "done":
                assert time.monotonic() < deadline, "the retried cycle never finished"
                time.sleep(0.1)
            row = store.cycle_row("acme")
            assert row is not None and row.finished_at is not None
            assert row.due_at == next_due(SCHEDULE, row.finished_at), "back to the schedule"
        assert len(relay.messages) == 2, "each e-mail once"
        assert _actions(store)[Channel.PHONE_TASK] == [ActionStatus.WRITTEN], "the task once"
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=60)
        log.close()
        down.stop()
        if relay is not None:
            relay.stop()
