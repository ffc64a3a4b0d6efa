"""Webhook intake: signed Pennylane deliveries verified and stored durably by the receiver.

    python benchmarks/webhook_intake.py                      # SQLite (WAL), then PostgreSQL
    python benchmarks/webhook_intake.py --store sqlite --seconds 5 --workers 2

The receiver is the real ``relance serve`` (``--workers`` processes) in a folder of its own:
one Pennylane tenant whose webhook secret is in the store's token vault, as ``relance
webhooks subscribe`` leaves it, so every delivery is verified the way it is in production.
The load comes from ``benchmarks/loadgen.py`` in this process: requests built and signed
before each timed phase, written over keep-alive sockets from one epoll loop, so the
generator takes little of the machine's CPU. Two phases:

* a fixed offered load (``--rate``, default 500 deliveries a second), open loop: each
  delivery is due at its slot whatever the answers, and its latency counts from that slot
  (a backlog at the generator counts against the receiver), with p50 and p99;
* then as fast as ``--connections`` keep-alive connections go, for the throughput.

For each phase the CPU seconds used by the generator, by the receiver's processes and by
the PostgreSQL server are printed, with the machine's busy share. Every delivery is
distinct (its own event id) and must be answered 202; the inbox count is checked at the
end. PostgreSQL: ``RELANCE_TEST_PG_URL`` or the local server; the benchmark uses, then
drops, a database of its own.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import loadgen, procstat

SECRET = "whsec_bench_0123456789abcdef"  # a throwaway secret for the benchmark
PG_URL = os.environ.get(
    "RELANCE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
PATH = "/webhooks/pennylane/acme"


# --- the receiver ------------------------------------------------------------------------------
def prepare(workdir: Path, url: str, key: str) -> None:
    """A relance folder with one Pennylane tenant subscribed (its secret in the vault)."""
    from adapters.pennylane.source import WEBHOOK_KEY
    from connector.cli import main as relance
    from connector.clock import SystemClock
    from connector.oauth import Token, TokenVault
    from connector.store import Store

    (workdir / "relance.toml").write_text(
        f'store_url = "{url}"\noutbox_dir = "outbox"\ntenants_dir = "tenants"\n',
        encoding="utf-8",
    )
    here = Path.cwd()
    os.chdir(workdir)
    try:
        code = relance(["--store", url, "init", "--tenant", "acme", "--platform", "pennylane"])
    finally:
        os.chdir(here)
    if code != 0:
        sys.exit(f"relance init failed ({code})")
    from cryptography.fernet import Fernet

    with Store.open(url, clock=SystemClock()) as store:
        vault = TokenVault(store, Fernet(key.encode()))
        vault.save("acme", WEBHOOK_KEY, Token(SECRET, None, None, {"subscription_id": "1"}))


def start_receiver(workdir: Path, key: str, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    command = [sys.executable, "-m", "connector", "serve", "--port", str(port)]
    proc = subprocess.Popen(
        [*command, "--workers", str(workers)],
        cwd=workdir,
        env={**os.environ, "RELANCE_SECRET_KEY": key},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc, port
        except requests.ConnectionError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            sys.exit(f"receiver did not start: {proc.communicate()[1].decode()[-800:]}")
        time.sleep(0.1)


# --- deliveries, built and signed before the timed phase -----------------------------------------
class Deliveries:
    """Distinct signed deliveries, each a complete HTTP/1.1 request; counts what it built."""

    def __init__(self, port: int) -> None:
        self.port, self.built = port, 0

    def build(self, count: int) -> list[bytes]:
        now = int(time.time())
        out = []
        for n in range(self.built, self.built + count):
            body = json.dumps(
                {
                    "id": f"evt_bench_{n}",
                    "event": "customer_invoice.updated",
                    "retry_count": 0,
                    "created": now,
                    "data": {"context": {"company_id": 1}, "object": {"id": 1000 + n % 5000}},
                }
            ).encode()
            mac = hmac.new(SECRET.encode(), f"{now}.".encode() + body, hashlib.sha256).hexdigest()
            head = (
                f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                "Content-Type: application/json\r\nUser-Agent: relance-bench\r\n"
                f"X-Pennylane-Signature: t={now},v1={mac}\r\nContent-Length: {len(body)}\r\n\r\n"
            )
            out.append(head.encode() + body)
        self.built += count
        return out


# --- CPU accounting ----------------------------------------------------------------------------
def cpu_by_owner(receiver: int, postgres: bool) -> dict[str, float]:
    """CPU seconds so far of the receiver's process tree and (when the store is PostgreSQL)
    of every PostgreSQL process."""
    table = procstat.process_table()
    mine, found = {str(receiver)}, True
    while found:
        found = False
        for pid, (_, parent, _) in table.items():
            if pid not in mine and str(parent) in mine:
                mine.add(pid)
                found = True
    return {
        "receiver": sum(table[p][2] for p in mine if p in table),
        "postgres": sum(s[2] for s in table.values() if postgres and s[0] == "postgres"),
    }


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, all cores."""
    return procstat.machine_cpu()


def measured(
    receiver: int, postgres: bool, phase: Callable[[], loadgen.Result]
) -> tuple[loadgen.Result, dict[str, float]]:
    before, (busy0, total0) = cpu_by_owner(receiver, postgres), machine_busy()
    result = phase()
    after, (busy1, total1) = cpu_by_owner(receiver, postgres), machine_busy()
    cpu = {k: after[k] - before[k] for k in before}
    cpu["generator"] = result.cpu
    cpu["machine"] = busy1 - busy0
    cpu["cores"] = (total1 - total0) / result.wall if result.wall else 0.0
    return result, cpu


def cpu_line(cpu: dict[str, float], wall: float, stored: int) -> str:
    def share(seconds: float) -> str:
        return f"{seconds:.1f} s ({seconds / wall * 100:.0f} % of a core)"

    line = f"CPU: generator {share(cpu['generator'])}, receiver {share(cpu['receiver'])}"
    if cpu["postgres"]:
        line += f", PostgreSQL {share(cpu['postgres'])}"
    line += f"; machine busy {cpu['machine'] / (cpu['cores'] * wall) * 100:.0f} %"
    spent = cpu["receiver"] + cpu["postgres"]
    line += f"\n    {spent / max(stored, 1) * 1000:.2f} ms of CPU per delivery (receiver"
    line += " + PostgreSQL)" if cpu["postgres"] else ")"
    others = cpu["machine"] - cpu["generator"] - cpu["receiver"] - cpu["postgres"]
    if others > 0.15 * wall:  # the kernel's loopback work stays below this
        line += f"\n    NOT CLEAN: other processes used {share(others)} meanwhile"
    return line


def ms(values: list[float], q: float) -> float:
    return loadgen.percentile(values, q) * 1000


def check(label: str, result: loadgen.Result) -> int:
    refused = result.sent - result.statuses[202]
    if refused:
        print(f"{label}: {refused} deliveries not answered 202: {dict(result.statuses)}")
    return refused


# --- the run ----------------------------------------------------------------------------------
def quiet_check() -> None:
    busy0, total0 = machine_busy()
    time.sleep(1.0)
    busy1, total1 = machine_busy()
    if (busy1 - busy0) / (total1 - total0) > 0.1:
        print(
            f"warning: the machine is {(busy1 - busy0) / (total1 - total0) * 100:.0f} % busy "
            "before the benchmark starts: the figures will be low"
        )


def phases(
    label: str, proc: subprocess.Popen[bytes], port: int, postgres: bool, args: argparse.Namespace
) -> int:
    """Warm-up, paced, flat out; returns how many deliveries were sent."""
    deliveries = Deliveries(port)

    def load(count: int, connections: int, rate: float | None = None) -> loadgen.Result:
        requests = deliveries.build(count)  # built and signed before the timed loop starts
        return loadgen.run(
            "127.0.0.1", port, requests, connections=connections, seconds=args.seconds, rate=rate
        )

    warm = loadgen.run("127.0.0.1", port, deliveries.build(200), connections=8, seconds=1.0)
    refused = check(f"{label} warm-up", warm)
    paced, cpu = measured(
        proc.pid,
        postgres,
        lambda: load(int(args.rate * args.seconds), args.paced_connections, args.rate),
    )
    refused += check(label, paced)
    print(
        f"{label}: offered {args.rate}/s for {args.seconds:.0f} s (open loop, latency from each "
        f"delivery's slot): {paced.answered} answered in {paced.wall:.1f} s, "
        f"p50 {ms(paced.latencies, 0.5):.1f} ms, p99 {ms(paced.latencies, 0.99):.1f} ms, "
        f"max {max(paced.latencies) * 1000:.1f} ms; generator late by p99 "
        f"{ms(paced.lateness, 0.99):.1f} ms\n    {cpu_line(cpu, paced.wall, paced.statuses[202])}"
    )
    flat, cpu = measured(
        proc.pid, postgres, lambda: load(int(args.seconds * 6000), args.connections)
    )
    refused += check(label, flat)
    print(
        f"{label}: flat out over {args.connections} connections: "
        f"{flat.statuses[202] / flat.wall:.0f} verified events/s stored "
        f"({flat.sent} in {flat.wall:.1f} s{', ran out' if flat.exhausted else ''}), "
        f"p50 {ms(flat.latencies, 0.5):.1f} ms, p99 {ms(flat.latencies, 0.99):.1f} ms"
        f"\n    {cpu_line(cpu, flat.wall, flat.statuses[202])}"
    )
    if refused:
        sys.exit(f"{label}: {refused} deliveries not answered 202")
    return warm.sent + paced.sent + flat.sent


def run(label: str, url: str, args: argparse.Namespace) -> None:
    from cryptography.fernet import Fernet

    from connector.clock import SystemClock
    from connector.store import Store

    key = Fernet.generate_key().decode()
    label = f"{label}, {args.workers} worker(s)"
    with tempfile.TemporaryDirectory() as tmp:
        prepare(Path(tmp), url, key)
        proc, port = start_receiver(Path(tmp), key, args.workers)
        try:
            quiet_check()
            sent = phases(label, proc, port, url.startswith("postgresql"), args)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    with Store.open(url, clock=SystemClock()) as store:
        held = store.inbox_depth()
    print(f"{label}: the inbox holds {held} events for {sent} distinct deliveries sent")
    if held != sent:
        sys.exit(f"{label}: {sent - held} deliveries answered 202 were not stored")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=16, help="flat-out phase")
    parser.add_argument("--paced-connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=1, help="relance serve --workers")
    args = parser.parse_args()
    if args.store in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            run("SQLite (WAL)", f"sqlite:///{Path(tmp) / 'intake.sqlite'}", args)
    if args.store in ("postgresql", "both"):
        import sqlalchemy

        admin = sqlalchemy.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        name = f"relance_bench_intake_{os.getpid()}"
        with admin.connect() as conn:
            conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
        try:
            run("PostgreSQL", PG_URL.rsplit("/", 1)[0] + f"/{name}", args)
        finally:
            with admin.connect() as conn:
                conn.execute(sqlalchemy.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
