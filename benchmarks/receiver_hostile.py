"""The receiver under hostile traffic: slow connections and half-sent bodies.

    python benchmarks/receiver_hostile.py                 # every phase, defaults below
    python benchmarks/receiver_hostile.py --slow-seconds 20 --phase slow

Each phase starts a fresh ``relance serve`` (one worker, SQLite) in a folder of its own with
one Pennylane tenant subscribed, as ``benchmarks/webhook_intake.py`` does, then:

* ``slow``: ``--slow`` connections that send the start of a request and then one more header
  byte every 2 s, and as many that send nothing at all; after ``--slow-seconds`` it prints how
  many of each the receiver still holds open;
* ``bodies``: ``--bodies`` requests announcing a 1 MiB body, each sending half of it and then
  nothing, to the real tenant with a well-formed (but wrong) signature header, then again
  to an unknown tenant without one; it prints the receiver's resident memory before and
  after (``VmRSS``, settled 3 s), how many were answered at once, and how many are still
  open ``--body-seconds`` later;
* after each phase it checks that a genuine signed delivery is still answered 202.

Figures only; nothing is asserted on time (the tests assert that connections get closed).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import select
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.webhook_intake import SECRET, prepare

BODY = 1024 * 1024


@contextmanager
def receiver(extra: list[str]) -> Iterator[tuple[int, int]]:
    """A fresh ``relance serve`` on SQLite: (its pid, its port)."""
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    with tempfile.TemporaryDirectory() as tmp:
        prepare(Path(tmp), f"sqlite:///{Path(tmp) / 'hostile.sqlite'}", key)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        proc = subprocess.Popen(
            [sys.executable, "-m", "connector", "serve", "--port", str(port), *extra],
            cwd=tmp,
            env={**os.environ, "RELANCE_SECRET_KEY": key},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=1).ok:
                        break
                except requests.ConnectionError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    sys.exit("the receiver did not start")
                time.sleep(0.1)
            yield proc.pid, port
            genuine(port)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def genuine(port: int) -> None:
    now = int(time.time())
    body = json.dumps(
        {"id": f"evt_{now}", "event": "customer_invoice.updated", "data": {"object": {"id": 1}}}
    ).encode()
    mac = hmac.new(SECRET.encode(), f"{now}.".encode() + body, hashlib.sha256).hexdigest()
    answer = requests.post(
        f"http://127.0.0.1:{port}/webhooks/pennylane/acme",
        data=body,
        headers={"X-Pennylane-Signature": f"t={now},v1={mac}"},
        timeout=30,
    )
    print(f"  a genuine delivery afterwards: {answer.status_code}")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def still_open(sockets: list[socket.socket]) -> int:
    """How many of ``sockets`` the server has not closed (what it sent is read and dropped)."""
    count = 0
    for sock in sockets:
        try:
            while True:
                readable, _, _ = select.select([sock], [], [], 0)
                if not readable:
                    count += 1
                    break
                if not sock.recv(65536):
                    break  # closed by the server
        except OSError:
            pass  # reset by the server
    return count


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    return sock


def slow_phase(args: argparse.Namespace) -> None:
    print(f"slow: {args.slow} trickling and {args.slow} silent connections")
    with receiver(args.serve) as (_, port):
        trickling = [connect(port) for _ in range(args.slow)]
        silent = [connect(port) for _ in range(args.slow)]
        for sock in trickling:
            sock.sendall(b"POST /webhooks/pennylane/acme HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        end = time.monotonic() + args.slow_seconds
        while time.monotonic() < end:
            time.sleep(2)
            for sock in trickling:
                with suppress(OSError):
                    sock.sendall(b"a")
        left = still_open(trickling), still_open(silent)
        print(
            f"  after {args.slow_seconds:.0f} s still open: "
            f"{left[0]}/{args.slow} trickling, {left[1]}/{args.slow} silent"
        )
        for sock in trickling + silent:
            sock.close()


def half_sent(port: int, path: str, headers: str, count: int) -> list[socket.socket]:
    sockets = []
    head = (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {BODY}\r\n{headers}\r\n"
    ).encode()
    for _ in range(count):
        sock = connect(port)
        sock.setblocking(False)
        try:
            sock.send(head)
            sent = 0
            chunk = b"x" * 65536
            while sent < BODY // 2:  # as much of half the body as the server takes now
                readable, writable, _ = select.select([sock], [sock], [], 0.5)
                if readable or not writable:
                    break  # answered (or not reading): stop sending
                sent += sock.send(chunk[: BODY // 2 - sent])
        except OSError:
            pass
        sockets.append(sock)
    return sockets


def bodies_phase(args: argparse.Namespace) -> None:
    now = int(time.time())
    cases = [
        ("real tenant, well-formed wrong signature", "/webhooks/pennylane/acme",
         f"X-Pennylane-Signature: t={now},v1={'0' * 64}\r\n"),
        ("unknown tenant, no signature", "/webhooks/pennylane/nobody", ""),
    ]  # fmt: skip
    for label, path, headers in cases:
        print(f"bodies: {args.bodies} half-sent 1 MiB bodies, {label}")
        with receiver(args.serve) as (pid, port):
            time.sleep(1)
            before = rss_kib(pid)
            sockets = half_sent(port, path, headers, args.bodies)
            time.sleep(3)
            grown = rss_kib(pid) - before
            closed_at_once = args.bodies - still_open(sockets)
            print(
                f"  RSS {before / 1024:.1f} MiB -> +{grown / 1024:.1f} MiB; "
                f"answered and closed at once: {closed_at_once}/{args.bodies}"
            )
            time.sleep(args.body_seconds)
            print(
                f"  after {args.body_seconds + 3:.0f} s still open: "
                f"{still_open(sockets)}/{args.bodies}"
            )
            for sock in sockets:
                sock.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--phase", choices=["slow", "bodies", "all"], default="all")
    parser.add_argument("--slow", type=int, default=40)
    parser.add_argument("--slow-seconds", type=float, default=45.0)
    parser.add_argument("--bodies", type=int, default=60)
    parser.add_argument("--body-seconds", type=float, default=45.0)
    parser.add_argument(
        "--serve", nargs=argparse.REMAINDER, default=[], help="more `relance serve` options"
    )
    args = parser.parse_args()
    if args.phase in ("slow", "all"):
        slow_phase(args)
    if args.phase in ("bodies", "all"):
        bodies_phase(args)


if __name__ == "__main__":
    main()
