"""Fan-out: 1,000 Pennylane tenants run by one ``relance daemon``, then by three replicas on
the same PostgreSQL store: completed cycles per minute for each, and the ratio.

    python benchmarks/fanout.py
    python benchmarks/fanout.py --tenants 200 --seconds 300      # a quicker look

What runs (each phase from scratch: a new database, a new emulator process, the same data):

* ``benchmarks/fanout_world.py`` in its own process: the Pennylane emulator with one company
  per tenant (its own API token, so its own 25 requests / 5 s) and an SMTP server. Each
  tenant's first cycle pulls 3 customers and 5 invoices, sends 2 reminder e-mails over SMTP
  and writes both back (step categories on 3 invoices, a line in 2 customers' notes).
* A relance folder: ``relance.toml`` (the store on PostgreSQL, the SMTP relay), the French
  policy with a send window open all day, every day (so the figures do not depend on the
  hour or the weekday), and one Pennylane tenant file per tenant with ``api_url`` at its
  company in the emulator; the tenants and their API tokens are put in the store as
  ``relance init`` / ``relance connect --token`` leave them (the store's tenant and
  token-vault API, no cycle method).
* Every tenant's ``[schedule]`` is one daily slot, the same minute for all (``M H * * *``
  in UTC, ``--lead`` seconds ahead or more), so all tenants fall due at that instant and each
  runs exactly once. ``relance daemon --jitter 0`` is started once (phase 1) or three times
  (phase 2) on that folder, each replica with ``--max-concurrent``.

Measured, from the replicas' JSON logs: from the slot to the last ``cycle finished`` line,
or until ``--seconds`` after the slot if not every tenant finished by then. cycles/minute =
cycles finished / that time; the 10 %-90 % rate leaves out the ramp and the tail. CPU
seconds of the emulator process, of the replicas and of PostgreSQL over the same time come
from /proc, with the machine's busy share: all of them share this machine's cores.

Checked at the end of each phase: no tenant's cycle ran on two replicas at once (the spans
between ``cycle started`` and ``cycle finished``, across replicas), every tenant has exactly
one finished cycle (the store's ``cycles`` table agrees), every reminder reached the SMTP
server once and was written back once. Nothing asserts on time.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import procstat  # noqa: E402
from tests.cli.test_commands import CREDITOR as CREDITOR_BLOCK  # noqa: E402
from tests.policies import always_open_policy  # noqa: E402

PG_URL = os.environ.get(
    "RELANCE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
CREDITOR = CREDITOR_BLOCK + '\n[pennylane]\ncategory_group = "Relances"\n'


# --- the platforms' process ---------------------------------------------------------------------
class World:
    """benchmarks/fanout_world.py in its own process: emulator ports and counts."""

    def __init__(self, tenants: int) -> None:
        world = ROOT / "benchmarks" / "fanout_world.py"
        self.proc = subprocess.Popen(
            [sys.executable, str(world), "--companies", str(tenants)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None and self.proc.stdin is not None
        self._in, self._out = self.proc.stdin, self.proc.stdout
        ready = json.loads(self._out.readline())
        self.port, self.smtp_port = int(ready["port"]), int(ready["smtp_port"])

    def company_url(self, slug: str) -> str:
        return f"http://127.0.0.1:{self.port}/companies/{slug}/api/external/v2"

    def stats(self) -> dict[str, int]:
        self._in.write("stats\n")
        self._in.flush()
        return dict(json.loads(self._out.readline()))

    def close(self) -> None:
        self._in.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# --- the relance folder -------------------------------------------------------------------------
def slugs_for(tenants: int) -> list[str]:
    return [f"t{n:04d}" for n in range(tenants)]


def prepare(workdir: Path, url: str, world: World, slugs: list[str], key: str) -> None:
    """relance.toml, an every-day policy, and the tenants with their tokens in the store."""
    from cryptography.fernet import Fernet

    from benchmarks.fanout_world import token_of
    from connector.clock import SystemClock
    from connector.connect import connect_token
    from connector.model import Platform
    from connector.oauth import TokenVault
    from connector.store import Store

    (workdir / "tenants").mkdir()
    (workdir / "relance.toml").write_text(
        f'store_url = "{url}"\noutbox_dir = "outbox"\ntenants_dir = "tenants"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {world.smtp_port}\nsecurity = "none"\n',
        encoding="utf-8",
    )
    always_open_policy(workdir).rename(workdir / "policy.toml")
    with Store.open(url, clock=SystemClock()) as store:
        vault = TokenVault(store, Fernet(key.encode()))
        for slug in slugs:
            store.ensure_tenant(slug, platform=Platform.PENNYLANE, name=f"Tenant {slug}")
            connect_token(vault, slug, "pennylane", token_of(slug))


def write_tenants(workdir: Path, world: World, slugs: list[str], slot: datetime) -> None:
    for slug in slugs:
        (workdir / "tenants" / f"{slug}.toml").write_text(
            f'slug = "{slug}"\nplatform = "pennylane"\napi_url = "{world.company_url(slug)}"\n'
            f'timezone = "UTC"\npolicy = "{workdir / "policy.toml"}"\n'
            f'[schedule]\ncron = "{slot.minute} {slot.hour} * * *"\n' + CREDITOR,
            encoding="utf-8",
        )


def next_slot(lead: float) -> datetime:
    """The first whole minute at least ``lead`` seconds from now (UTC)."""
    at = datetime.now(UTC) + timedelta(seconds=lead)
    return at.replace(second=0, microsecond=0) + timedelta(minutes=1)


# --- the replicas and their logs ------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Replica:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path
    offset: int = 0
    pending: bytes = b""


def start_replica(workdir: Path, name: str, key: str, args: argparse.Namespace) -> Replica:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELANCE_")}
    env["RELANCE_SECRET_KEY"] = key
    log = workdir / f"daemon-{name}.log"
    with log.open("wb") as err:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "connector", "daemon", "--port", str(_free_port()),
                "--jitter", "0", "--poll-seconds", str(args.poll_seconds),
                "--lease-seconds", "600", "--max-concurrent", str(args.max_concurrent),
                "--json-logs",
            ],
            cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=err,
        )  # fmt: skip
    return Replica(name, proc, log)


@dataclass
class Events:
    """What the replicas' logs said, in order of reading."""

    ready: dict[str, datetime] = field(default_factory=dict)  # replica -> "daemon started"
    started: list[tuple[str, str, datetime]] = field(default_factory=list)  # replica, slug, ts
    finished: list[tuple[str, str, datetime, str]] = field(default_factory=list)  # + outcome
    problems: Counter[str] = field(default_factory=Counter)  # warnings, errors, other lines
    samples: list[str] = field(default_factory=list)

    def read(self, replica: Replica) -> None:
        with replica.log.open("rb") as f:
            f.seek(replica.offset)
            chunk = f.read()
        replica.offset += len(chunk)
        *lines, replica.pending = (replica.pending + chunk).split(b"\n")
        for raw in lines:
            self._line(replica.name, raw.decode("utf-8", "replace"))

    def _line(self, name: str, line: str) -> None:
        if not line.startswith("{"):
            if line.strip():
                self._problem("not JSON", f"{name}: {line}")
            return
        entry = json.loads(line)
        message, level = str(entry.get("message", "")), str(entry.get("level", ""))
        ts = datetime.fromisoformat(str(entry["ts"]))
        words = message.split()
        slug = words[0].removeprefix("tenant=") if words and words[0].startswith("tenant=") else ""
        if message.startswith("daemon started"):
            self.ready[name] = ts
        elif slug and " cycle started" in message:
            self.started.append((name, slug, ts))
        elif slug and " cycle finished " in message:
            outcome = message.split("outcome=", 1)[1].split()[0].rstrip(":")
            self.finished.append((name, slug, ts, outcome))
        if level in ("warning", "error", "critical"):
            self._problem(level, f"{name}: {message[:300]}")

    def _problem(self, kind: str, sample: str) -> None:
        self.problems[kind] += 1
        if len(self.samples) < 5:
            self.samples.append(sample)


# --- CPU accounting ----------------------------------------------------------------------------
def cpu_now(world: int, replicas: list[int], database: str) -> dict[str, float]:
    """CPU seconds so far: the emulator process, the replicas, PostgreSQL (the backends of
    this benchmark's database, and the rest), this driver, and the whole machine."""
    table = procstat.process_table()
    busy, total = procstat.machine_cpu()
    postgres = {pid: s[2] for pid, s in table.items() if s[0] == "postgres"}
    ours = {pid for pid in postgres if f" {database} " in procstat.cmdline(pid)}
    return {
        "emulator+smtp": table.get(str(world), ("", 0, 0.0))[2],
        "relance": sum(table.get(str(p), ("", 0, 0.0))[2] for p in replicas),
        "postgres": sum(v for pid, v in postgres.items() if pid in ours),
        "postgres_other": sum(v for pid, v in postgres.items() if pid not in ours),
        "driver": table.get(str(os.getpid()), ("", 0, 0.0))[2],
        "machine": busy,
        "machine_total": total,
    }


# --- one phase ----------------------------------------------------------------------------------
@dataclass
class Phase:
    replicas: int
    tenants: int
    slot: datetime
    first_start: datetime  # the first "cycle started" line, on any replica
    measured: float  # seconds from the first start to the last finish (or the window's end)
    complete: bool
    events: Events
    cpu: dict[str, float]  # CPU seconds over cpu["wall"] seconds, from the first start
    world: dict[str, int]
    store_finished: int | None
    failures: list[str] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(1 for *_, outcome in self.events.finished if outcome == "done")

    @property
    def per_minute(self) -> float:
        return self.done / self.measured * 60 if self.measured else 0.0

    def steady_per_minute(self) -> float | None:
        """Cycles a minute between the 10th and the 90th percent of the tenants finished."""
        times = sorted(ts for *_, ts, outcome in self.events.finished if outcome == "done")
        low, high = int(0.1 * self.tenants), int(0.9 * self.tenants)
        if len(times) <= high or high - low < 2:
            return None
        span = (times[high] - times[low]).total_seconds()
        return (high - low) / span * 60 if span > 0 else None


def create_database(name: str) -> str:
    import sqlalchemy

    admin = sqlalchemy.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_database(name: str) -> None:
    import sqlalchemy

    admin = sqlalchemy.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def transactions(url: str) -> int:
    """Transactions committed or rolled back in the database so far (pg_stat_database)."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as conn:
            query = sqlalchemy.text(
                "SELECT xact_commit + xact_rollback FROM pg_stat_database"
                " WHERE datname = current_database()"
            )
            return int(conn.execute(query).scalar_one())
    finally:
        engine.dispose()


def store_finished(url: str, since: datetime) -> int | None:
    """Tenants whose last cycle in the store finished at or after ``since`` (a plain read of
    ``cycles``; None if that table has no ``finished_at`` column any more)."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as conn:
            columns = {c["name"] for c in sqlalchemy.inspect(conn).get_columns("cycles")}
            if "finished_at" not in columns:
                return None
            query = sqlalchemy.text("SELECT count(*) FROM cycles WHERE finished_at >= :t")
            return int(conn.execute(query, {"t": since}).scalar_one())
    finally:
        engine.dispose()


def run_phase(replicas: int, args: argparse.Namespace, workroot: Path) -> Phase:
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    name = f"relance_bench_fanout_{os.getpid()}"
    url = create_database(name)
    workdir = workroot / f"replicas-{replicas}"
    workdir.mkdir()
    slugs = slugs_for(args.tenants)
    world = World(args.tenants)
    procs: list[Replica] = []
    try:
        prepare(workdir, url, world, slugs, key)
        slot = next_slot(args.lead)
        write_tenants(workdir, world, slugs, slot)
        print(
            f"  {replicas} replica(s): {args.tenants} tenants due at {slot:%H:%M:%S} UTC",
            flush=True,
        )
        procs = [start_replica(workdir, chr(ord("a") + n), key, args) for n in range(replicas)]
        return _measure(replicas, args, procs, world, url, slot)
    finally:
        for replica in procs:
            if replica.proc.poll() is None:
                replica.proc.kill()
        world.close()
        drop_database(name)


def _measure(
    replicas: int,
    args: argparse.Namespace,
    procs: list[Replica],
    world: World,
    url: str,
    slot: datetime,
) -> Phase:
    """Follow the logs from the slot until every tenant finished or the window closed."""
    events = Events()
    pids, database = [r.proc.pid for r in procs], url.rsplit("/", 1)[1]
    before: dict[str, float] | None = None
    sampled, xacts = 0.0, 0
    deadline = slot + timedelta(seconds=args.seconds + 60)  # if nothing ever starts
    finished: set[str] = set()
    while True:
        for replica in procs:
            events.read(replica)
            if replica.proc.poll() is not None:
                raise SystemExit(
                    f"replica {replica.name} exited ({replica.proc.returncode}); "
                    f"its log:\n{replica.log.read_text(errors='replace')[-3000:]}"
                )
        now = datetime.now(UTC)
        if now >= slot and len(events.ready) < len(procs):
            late = sorted({r.name for r in procs} - set(events.ready))
            raise SystemExit(f"replica(s) {late} not started by the slot: use a larger --lead")
        if before is None and events.started:
            before, sampled = cpu_now(world.proc.pid, pids, database), time.monotonic()
            xacts = transactions(url)
            deadline = min(ts for *_, ts in events.started) + timedelta(seconds=args.seconds)
        finished.update(slug for _, slug, *_ in events.finished)
        if len(finished) >= args.tenants or now >= deadline:
            break
        time.sleep(0.25)
    if before is None:
        raise SystemExit(f"no cycle started within {args.seconds + 60:.0f} s of the slot")
    after = cpu_now(world.proc.pid, pids, database)
    cpu = {k: after[k] - before[k] for k in before}
    cpu["wall"] = time.monotonic() - sampled
    first = min(ts for *_, ts in events.started)
    complete = len(finished) >= args.tenants
    last = max((ts for *_, ts, _ in events.finished), default=deadline)
    failures = stop_replicas(procs, events)
    time.sleep(1)  # the backends' statistics reach pg_stat_database within a second
    cpu["transactions"] = transactions(url) - xacts - 1  # less this function's own
    phase = Phase(
        replicas=replicas,
        tenants=args.tenants,
        slot=slot,
        first_start=first,
        measured=((last if complete else deadline) - first).total_seconds(),
        complete=complete,
        events=events,
        cpu=cpu,
        world=world.stats(),
        store_finished=store_finished(url, slot),
    )
    phase.failures = failures + check(phase)
    return phase


def stop_replicas(procs: list[Replica], events: Events) -> list[str]:
    """SIGTERM: the cycles in flight finish, nothing new starts; the last log lines read."""
    failures = []
    for replica in procs:
        replica.proc.send_signal(signal.SIGTERM)
    for replica in procs:
        try:
            replica.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            failures.append(f"replica {replica.name} did not stop within 120 s of SIGTERM")
            replica.proc.kill()
            replica.proc.wait()
        events.read(replica)
    return failures


# --- correctness --------------------------------------------------------------------------------
def check(phase: Phase) -> list[str]:
    problems: list[str] = []
    events = phase.events
    spans: dict[str, list[tuple[datetime, datetime | None, str]]] = {}
    open_: dict[tuple[str, str], datetime] = {}
    ordered = sorted(
        [(ts, 0, name, slug, "") for name, slug, ts in events.started]
        + [(ts, 1, name, slug, outcome) for name, slug, ts, outcome in events.finished]
    )
    for ts, kind, name, slug, _ in ordered:
        if kind == 0:
            open_[name, slug] = ts
        elif (name, slug) in open_:
            spans.setdefault(slug, []).append((open_.pop((name, slug)), ts, name))
        else:
            problems.append(f"{slug}: finished on {name} without a start")
    for (name, slug), began in open_.items():
        spans.setdefault(slug, []).append((began, None, name))
    for slug, runs in spans.items():
        runs.sort(key=lambda r: r[0])
        for (_, end, a), (begin, _, b) in pairwise(runs):
            if end is None or end > begin:
                problems.append(f"{slug}: ran on {a} and {b} at once")
    per_tenant = Counter(slug for _, slug, *_ in events.finished)
    twice = [s for s, n in per_tenant.items() if n > 1]
    if twice:
        problems.append(f"{len(twice)} tenant(s) finished the slot more than once: {twice[:5]}")
    if phase.complete and len(per_tenant) != phase.tenants:
        problems.append(f"{phase.tenants - len(per_tenant)} tenant(s) never finished a cycle")
    if phase.store_finished is not None and phase.store_finished != len(per_tenant):
        problems.append(
            f"the store has {phase.store_finished} finished cycles, the logs {len(per_tenant)}"
        )
    failed = sum(1 for *_, outcome in events.finished if outcome != "done")
    if failed:
        problems.append(f"{failed} cycle(s) finished otherwise than done")
    from benchmarks.fanout_world import EMAILS_PER_COMPANY, INVOICES_TAGGED_PER_COMPANY

    world, done = phase.world, phase.done
    if world["mails_twice"] or world["note_lines_twice"]:
        problems.append(
            f"{world['mails_twice']} reminder(s) mailed twice, "
            f"{world['note_lines_twice']} written back twice"
        )
    for what, got, per in (
        ("e-mails received", world["mails"], EMAILS_PER_COMPANY),
        ("lines in customers' notes", world["note_lines"], EMAILS_PER_COMPANY),
        ("invoices tagged", world["invoices_tagged"], INVOICES_TAGGED_PER_COMPANY),
    ):
        if phase.complete and got != per * done:
            problems.append(f"{what}: {got}, expected {per * done} for {done} cycles")
    return problems


# --- the printout -------------------------------------------------------------------------------
def report(phase: Phase) -> None:
    cpu, wall = phase.cpu, phase.measured
    label = "1 daemon" if phase.replicas == 1 else f"{phase.replicas} replicas"
    steady = phase.steady_per_minute()
    ends = f"all {phase.tenants} finished" if phase.complete else "the window closed"
    per_replica = Counter(name for name, *_ in phase.events.finished)
    print(
        f"{label}: {phase.done} cycles in {wall:.1f} s from the first start ({ends}): "
        f"{phase.per_minute:.0f} cycles/min"
        + (f"; {steady:.0f} cycles/min from 10 % to 90 % done" if steady else "")
    )
    print(
        f"    first cycle started {(phase.first_start - phase.slot).total_seconds():.1f} s "
        "after the slot (the claim poll); cycles per replica: "
        + ", ".join(f"{k} {v}" for k, v in sorted(per_replica.items()))
    )

    def share(seconds: float) -> str:
        return f"{seconds:.0f} s ({seconds / cpu['wall'] * 100:.0f} % of a core)"

    cores = cpu["machine_total"] / cpu["wall"]
    known = ("relance", "emulator+smtp", "postgres", "postgres_other", "driver")
    others = cpu["machine"] - sum(cpu[k] for k in known) + cpu["postgres_other"]
    print(
        f"    CPU over {cpu['wall']:.0f} s: relance {share(cpu['relance'])} "
        f"({cpu['relance'] / (phase.done or 1) * 1000:.0f} ms a cycle), emulator+SMTP "
        f"{share(cpu['emulator+smtp'])}, PostgreSQL for this database "
        f"{share(cpu['postgres'])}, this driver {share(cpu['driver'])}, everything else on "
        f"the machine {share(max(others, 0.0))}; machine busy "
        f"{cpu['machine'] / cpu['machine_total'] * 100:.0f} % of {cores:.0f} cores"
    )
    world = phase.world
    done = phase.done or 1
    print(
        f"    platform: {world['requests']} API requests ({world['requests'] / done:.1f} a "
        f"cycle), {world['throttled']} answered 429; {world['mails']} e-mails received; "
        f"store: {cpu['transactions'] / done:.0f} PostgreSQL transactions a cycle"
    )
    if phase.events.problems:
        print(f"    log lines: {dict(phase.events.problems)}; e.g. {phase.events.samples[:3]}")
    verdict = "; ".join(phase.failures) or (
        "no tenant ran on two replicas at once; every tenant finished its slot once "
        f"(store: {phase.store_finished}); every reminder mailed and written back once"
    )
    print(f"    checks: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--replicas", type=int, default=3, help="replicas of phase 2")
    parser.add_argument(
        "--seconds", type=float, default=600, help="cap on a phase, from its first cycle"
    )
    parser.add_argument("--max-concurrent", type=int, default=4, help="per replica")
    parser.add_argument("--lead", type=float, default=40, help="seconds to start the replicas")
    parser.add_argument("--poll-seconds", type=int, default=2, help="relance daemon --poll-seconds")
    args = parser.parse_args()
    print(
        f"fan-out: {args.tenants} Pennylane tenants all due at one slot, each runs once; "
        f"--max-concurrent {args.max_concurrent} per replica; emulator, SMTP, PostgreSQL and "
        f"the replicas share this machine's {os.cpu_count()} cores",
        flush=True,
    )
    phases: list[Phase] = []
    with tempfile.TemporaryDirectory(prefix="relance-fanout-") as tmp:
        for replicas in (1, args.replicas):
            phases.append(run_phase(replicas, args, Path(tmp)))
            report(phases[-1])
    one, many = phases
    if one.per_minute:
        print(
            f"{many.replicas} replicas / 1 daemon: {many.per_minute / one.per_minute:.2f}x "
            f"cycles/min (load average now {os.getloadavg()[0]:.1f})"
        )
    if any(p.failures for p in phases):
        sys.exit("fan-out: a check failed (see above)")


if __name__ == "__main__":
    main()
