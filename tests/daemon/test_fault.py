"""Three `relance daemon` replicas on one PostgreSQL store, one killed with SIGKILL at random
points and restarted: every due reminder reaches the SMTP server once, no tenant's cycle
runs on two replicas at once, and every tenant's cycle completes."""

from __future__ import annotations

import email
import email.policy
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from connector.clock import SystemClock
from connector.model import Platform, SourceRef
from connector.source import Event, EventKind
from connector.store import ActionStatus, Store
from tests.cli.test_commands import CREDITOR
from tests.policies import always_open_policy
from tests.processes import free_port
from tests.smtp_server import SmtpServer

TENANTS = int(os.environ.get("RELANCE_FAULT_TENANTS", "120"))


def _csv_ledger(folder: Path, tenant: str, today: date) -> None:
    """Two customers, each with one invoice three days overdue: two reminders due."""
    folder.mkdir(parents=True)
    due = today - timedelta(days=3)
    (folder / "customers.csv").write_text(
        "id,name,email,contact_name\n"
        + "".join(f"C{n},Client {n} of {tenant},ap{n}@{tenant}.example,AP\n" for n in (1, 2)),
        encoding="utf-8",
    )
    (folder / "invoices.csv").write_text(
        "id,number,customer_id,issued_on,due_on,total,open\n"
        + "".join(
            f"F{n},F-{tenant}-{n},C{n},{due - timedelta(days=30)},{due},500.00,500.00\n"
            for n in (1, 2)
        ),
        encoding="utf-8",
    )


def _event(tenant: str, n: int) -> Event:
    """A platform's notice that an invoice changed, as a stateless receiver stores it."""
    ref = SourceRef(platform=Platform.FILES, tenant=tenant, external_id=f"F{n % 2 + 1}")
    return Event(f"evt-{tenant}-{n}", EventKind.CHANGED, (ref,), datetime.now(UTC))


@pytest.fixture
def pg_url(pg_url: str) -> Iterator[str]:
    """The session's database, left with an empty schema for the tests that follow."""
    yield pg_url
    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


@pytest.mark.postgres
def test_three_replicas_one_killed_again_and_again(pg_url: str, tmp_path: Path) -> None:
    smtp = SmtpServer().start()
    slugs = [f"t{n:03d}" for n in range(TENANTS)]
    (tmp_path / "tenants").mkdir()
    (tmp_path / "relance.toml").write_text(
        f'store_url = "{pg_url}"\noutbox_dir = "outbox"\ntenants_dir = "tenants"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\nsecurity = "none"\n',
        encoding="utf-8",
    )
    today = datetime.now(UTC).date()
    policy = always_open_policy(tmp_path)  # CI runs at any hour, on any day
    week_ago = datetime.now(UTC) - timedelta(days=7)
    with Store.open(pg_url, clock=SystemClock()) as store:
        for slug in slugs:
            (tmp_path / "tenants" / f"{slug}.toml").write_text(
                f'slug = "{slug}"\nplatform = "files"\ntimezone = "UTC"\n'
                f'policy = "{policy}"\n[schedule]\ncron = "0 9 * * *"\n'
                f'[files]\ncsv_dir = "{tmp_path / "ledgers" / slug}"\n' + CREDITOR,
                encoding="utf-8",
            )
            store.ensure_tenant(slug, platform=Platform.FILES, timezone="UTC")
            _csv_ledger(tmp_path / "ledgers" / slug, slug, today)
            store.claim_cycle(slug, "setup", timedelta(seconds=1))
            store.finish_cycle(slug, "setup", "done")
        with store.engine.begin() as conn:  # every tenant missed yesterday's slot
            conn.execute(text("UPDATE cycles SET finished_at = :t"), {"t": week_ago})

    logs = tmp_path / "logs"
    logs.mkdir()
    procs: dict[str, subprocess.Popen[bytes]] = {}
    log_of: dict[str, str] = {}
    killed_at: dict[str, str] = {}  # log file -> when its process was killed
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELANCE_")}

    def start(name: str) -> None:
        path = logs / f"{name}.{time.monotonic_ns()}.log"
        log_of[name] = path.name
        with path.open("wb") as log:  # the child keeps its own copy of the descriptor
            procs[name] = subprocess.Popen(
                [
                    sys.executable, "-m", "connector", "daemon", "--port", str(free_port()),
                    "--jitter", "0", "--poll-seconds", "1", "--lease-seconds", "3",
                    "--max-concurrent", "3", "--inbox-seconds", "1",
                    "--inbox-lease-seconds", "3",
                ],
                cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=log,
            )  # fmt: skip

    events = [_event(slug, n) for n in range(2) for slug in slugs]

    def receive() -> None:  # webhook events arrive all through the chaos
        with Store.open(pg_url, clock=SystemClock()) as receiver:
            for first in range(0, len(events), 10):
                for event in events[first : first + 10]:
                    receiver.record_inbound(event.refs[0].tenant, "files", [event])
                time.sleep(0.15)

    for name in ("a", "b", "c"):
        start(name)
    chaos = random.Random(os.environ.get("RELANCE_FAULT_SEED", "7"))
    kills = 0
    deadline = time.monotonic() + 240
    receiver = threading.Thread(target=receive)
    receiver.start()
    try:
        for _ in range(3):  # kill the same replica at random points, three times
            time.sleep(chaos.uniform(1.0, 4.0))
            procs["a"].send_signal(signal.SIGKILL)
            procs["a"].wait(timeout=10)
            killed_at[log_of["a"]] = datetime.now(UTC).isoformat(timespec="milliseconds")
            kills += 1
            start("a")
        with Store.open(pg_url, clock=SystemClock()) as store:
            while True:
                with store.engine.connect() as conn:
                    behind = conn.execute(
                        text("SELECT count(*) FROM cycles WHERE finished_at < :t"),
                        {"t": week_ago + timedelta(hours=1)},
                    ).scalar_one()
                receiver.join(timeout=0)
                pending = store.inbox_depth()
                if behind == 0 and pending == 0 and not receiver.is_alive():
                    break
                assert time.monotonic() < deadline, (
                    f"{behind} tenant(s) never completed, {pending} event(s) never processed"
                )
                time.sleep(0.5)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs.values():
            proc.wait(timeout=60)
        smtp.stop()
        receiver.join(timeout=30)

    # no webhook event was lost: each one stored, claimed and acted on (a sync of its tenant)
    with Store.open(pg_url, clock=SystemClock()) as store, store.engine.connect() as conn:
        inbox = conn.execute(
            text("SELECT count(*), count(processed_at), count(error), count(claimed_by) FROM inbox")
        ).one()
    assert tuple(inbox) == (len(events), len(events), 0, 0), inbox

    # every reminder reached the relay once
    keys = Counter(
        email.message_from_bytes(m.data, policy=email.policy.default)["X-Relance-Action"]
        for m in smtp.messages
    )
    assert all(n == 1 for n in keys.values()), [k for k, n in keys.items() if n > 1]
    with Store.open(pg_url, clock=SystemClock()) as store:
        sent = {a.key for slug in slugs for a in store.actions(slug, status=ActionStatus.SENT)}
        held = {a.key for slug in slugs for a in store.actions(slug, status=ActionStatus.HELD)}
    assert len(sent) + len(held) == 2 * TENANTS, (len(sent), len(held))
    assert sent <= set(keys), "every action recorded as sent reached the relay"
    # held: killed between the relay's acceptance and the commit, never sent twice
    assert set(keys) <= sent | held
    assert len(held) <= kills

    # no tenant's cycle ran on two replicas at once (from the replicas' JSON logs)
    spans: dict[str, list[tuple[str, str, str | None]]] = {}
    for path in logs.iterdir():
        opened: dict[str, str] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.startswith("{"):
                continue
            entry = json.loads(line)
            message = entry["message"]
            if message.startswith("tenant=") and " cycle started" in message:
                opened[message.split()[0][7:]] = entry["ts"]
            elif message.startswith("tenant=") and " cycle finished " in message:
                slug = message.split()[0][7:]
                if slug in opened:
                    spans.setdefault(slug, []).append((path.name, opened.pop(slug), entry["ts"]))
        for slug, began in opened.items():  # killed mid-cycle: it ran until the kill
            spans.setdefault(slug, []).append((path.name, began, killed_at.get(path.name)))
    for slug, runs in spans.items():
        runs.sort(key=lambda r: r[1])
        for (_, _, end), (_, begin, _) in pairwise(runs):
            assert end is not None and end <= begin, f"{slug} overlapped: {runs}"
