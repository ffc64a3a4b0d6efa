"""Webhook intake: signed Pennylane deliveries verified and stored durably by the receiver.

    python benchmarks/webhook_intake.py                      # SQLite (WAL), then PostgreSQL
    python benchmarks/webhook_intake.py --store sqlite --seconds 5

The receiver runs in its own process (uvicorn, one worker) on loopback. The load comes from
this process in two phases:

* a fixed offered load (``--rate``, default 500 deliveries a second), paced whatever the
  answers, with p50 and p99 latency;
* then as fast as ``--connections`` keep-alive connections go, for the throughput.

Every delivery is distinct (its own event id) and must be answered 202. The inbox count is
checked at the end. PostgreSQL: ``RELANCE_TEST_PG_URL`` or the local server; the benchmark
uses, then drops, a database of its own.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SECRET = "whsec_bench_0123456789abcdef"
PG_URL = os.environ.get(
    "RELANCE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def serve(url: str, port: int) -> None:
    """The receiver process: one Pennylane tenant whose source only verifies deliveries."""
    import uvicorn

    from adapters.pennylane.client import POLICY, PennylaneClient
    from adapters.pennylane.source import PennylaneSource
    from connector.clock import SystemClock
    from connector.http import HttpClient
    from connector.model import Platform
    from connector.receiver import create_app
    from connector.store import Store

    clock = SystemClock()
    store = Store.open(url, clock=clock)
    store.ensure_tenant("acme", platform=Platform.PENNYLANE)
    http = HttpClient(POLICY, base_url="http://127.0.0.1:9", tenant="acme", clock=clock)
    source = PennylaneSource(PennylaneClient(http), "acme", clock, webhook_secret=SECRET)
    app = create_app(store, {"acme": source}.get)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def delivery(n: int) -> tuple[dict[str, str], bytes]:
    now = int(time.time())
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
    return {"Content-Type": "application/json", "X-Pennylane-Signature": f"t={now},v1={mac}"}, body


class Load:
    def __init__(self, base: str) -> None:
        self.url = f"{base}/webhooks/pennylane/acme"
        self.next = 0
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors = 0

    def take(self) -> int:
        with self.lock:
            self.next += 1
            return self.next

    def one(self, session: requests.Session) -> None:
        headers, body = delivery(self.take())
        started = time.perf_counter()
        answer = session.post(self.url, headers=headers, data=body, timeout=10)
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latencies.append(elapsed)
            if answer.status_code != 202:
                self.errors += 1


def paced(load: Load, rate: int, seconds: float, workers: int = 32) -> float:
    """``rate`` deliveries a second for ``seconds``; returns the wall time."""
    total = int(rate * seconds)
    start = time.perf_counter()
    due = iter(range(total))
    lock = threading.Lock()

    def worker() -> None:
        with requests.Session() as session:
            while True:
                with lock:
                    n = next(due, None)
                if n is None:
                    return
                wait = start + n / rate - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                load.one(session)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start


def flat_out(load: Load, connections: int, seconds: float) -> tuple[int, float]:
    stop = time.perf_counter() + seconds
    counts = [0] * connections

    def worker(i: int) -> None:
        with requests.Session() as session:
            while time.perf_counter() < stop:
                load.one(session)
                counts[i] += 1

    start = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts), time.perf_counter() - start


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def run(label: str, url: str, args: argparse.Namespace) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", url, "--port", str(port)],
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{base}/healthz", timeout=1)
                break
            except requests.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"receiver did not start: {proc.communicate()[1].decode()[-500:]}")
                time.sleep(0.1)
        load = Load(base)
        wall = paced(load, args.rate, args.seconds)
        lat = load.latencies
        print(
            f"{label}: offered {args.rate}/s for {args.seconds:.0f} s: {len(lat)} stored in "
            f"{wall:.1f} s, p50 {pct(lat, 0.5):.1f} ms, p99 {pct(lat, 0.99):.1f} ms, "
            f"{load.errors} not 202"
        )
        load.latencies, before = [], load.errors
        done, wall = flat_out(load, args.connections, args.seconds)
        lat = load.latencies
        print(
            f"{label}: flat out over {args.connections} connections: {done / wall:.0f} "
            f"verified events/s, p50 {pct(lat, 0.5):.1f} ms, p99 {pct(lat, 0.99):.1f} ms, "
            f"{load.errors - before} not 202; median {statistics.median(lat) * 1000:.1f} ms"
        )
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    from connector.clock import SystemClock
    from connector.store import Store

    with Store.open(url, clock=SystemClock()) as store:
        held = store.inbox_depth()
    print(f"{label}: the inbox holds {held} events for {load.next} distinct deliveries sent")
    if held != load.next:
        sys.exit(f"{label}: {load.next - held} deliveries answered 202 were not stored")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--serve")
    parser.add_argument("--port", type=int)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve, args.port)
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
