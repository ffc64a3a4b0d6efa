"""A cheap HTTP/1.1 load generator: pre-built requests over keep-alive sockets, one epoll loop.

The requests are complete byte strings built (and signed) before the timed phase, so the
timed loop only writes bytes, reads the status line and ``Content-Length``, and takes the
time. Each connection carries one request at a time (no pipelining).

Two modes:

* paced (``rate``): open loop. Request ``i`` is due at ``start + i / rate`` whatever the
  answers; when no connection is free it waits in a backlog. Its latency is counted from the
  time it was *due*, not from when it was written, so a slow receiver cannot hide behind a
  generator that waits for it (no coordinated omission);
* flat out (``rate=None``): every connection sends its next request as soon as the previous
  one is answered; latency from the write.

The CPU time of the generator itself (this process, during the timed loop only) comes with
the result, from ``resource.getrusage``.
"""

from __future__ import annotations

import errno
import resource
import select
import socket
import time
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["Result", "percentile", "run"]


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # seconds, one per answer
    lateness: list[float] = field(default_factory=list)  # paced: write time - due time
    statuses: Counter[int] = field(default_factory=Counter)
    sent: int = 0
    wall: float = 0.0
    cpu: float = 0.0  # user + system seconds of the generator during the timed loop
    exhausted: bool = False  # flat out: ran out of pre-built requests before the deadline

    @property
    def answered(self) -> int:
        return sum(self.statuses.values())


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class _Conn:
    __slots__ = ("buf", "pending", "sock", "started")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""
        self.started = 0.0  # the due time (paced) or the write time (flat out)
        self.pending = False


def _status_of(conn: _Conn) -> int | None:
    """The status once the whole answer is in the buffer (which is then consumed)."""
    head_end = conn.buf.find(b"\r\n\r\n")
    if head_end < 0:
        return None
    head = conn.buf[:head_end].lower()
    at = head.find(b"\r\ncontent-length:")
    if at < 0:
        raise RuntimeError("an answer without Content-Length (chunked answers are not read)")
    line_end = head.find(b"\r\n", at + 2)
    length = int(head[at + 17 : line_end if line_end >= 0 else len(head)])
    total = head_end + 4 + length
    if len(conn.buf) < total:
        return None
    status = int(conn.buf[9:12])
    conn.buf = conn.buf[total:]
    return status


def _connect(host: str, port: int, count: int) -> list[_Conn]:
    conns = []
    for _ in range(count):
        sock = socket.create_connection((host, port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        conns.append(_Conn(sock))
    return conns


def _write(conn: _Conn, request: bytes) -> None:
    sent = conn.sock.send(request)
    if sent != len(request):  # a few hundred bytes into an idle socket: never in practice
        conn.sock.setblocking(True)
        conn.sock.sendall(request[sent:])
        conn.sock.setblocking(False)


def run(
    host: str,
    port: int,
    requests: Sequence[bytes],
    *,
    connections: int,
    seconds: float,
    rate: float | None = None,
) -> Result:
    """Send ``requests`` (paced at ``rate`` a second, or flat out for ``seconds``); every
    request sent is waited for, up to 30 s after the last one."""
    conns = _connect(host, port, connections)
    by_fd = {c.sock.fileno(): c for c in conns}
    poller = select.epoll()
    for fd in by_fd:
        poller.register(fd, select.EPOLLIN)
    idle: deque[_Conn] = deque(conns)
    result = Result()
    total = len(requests) if rate is None else min(len(requests), int(rate * seconds))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    stop_at = start + seconds
    backlog = 0  # paced: index of the next request to write
    in_flight = 0
    clock = time.perf_counter
    try:
        while True:
            now = clock()
            if rate is not None:
                due = min(total, int((now - start) * rate) + 1)
                while backlog < due and idle:
                    conn = idle.popleft()
                    conn.started = start + backlog / rate
                    _write(conn, requests[backlog])
                    result.lateness.append(clock() - conn.started)
                    backlog += 1
                    in_flight += 1
                if backlog >= total and in_flight == 0:
                    break
                wait = (start + backlog / rate - clock()) if backlog < total and idle else 0.05
            else:
                while idle and result.sent < total and now < stop_at:
                    conn = idle.popleft()
                    conn.started = clock()
                    _write(conn, requests[result.sent])
                    result.sent += 1
                    in_flight += 1
                if in_flight == 0 and (now >= stop_at or result.sent >= total):
                    result.exhausted = result.sent >= total and now < stop_at
                    break
                wait = 0.05
            if now > stop_at + 30:
                raise RuntimeError(f"{in_flight} requests still unanswered 30 s after the end")
            for fd, _ in poller.poll(max(0.0, wait)):
                conn = by_fd[fd]
                try:
                    chunk = conn.sock.recv(65536)
                except OSError as exc:
                    if exc.errno == errno.EAGAIN:
                        continue
                    raise
                if not chunk:
                    raise RuntimeError("the receiver closed a keep-alive connection")
                conn.buf += chunk
                status = _status_of(conn)
                if status is None:
                    continue
                result.latencies.append(clock() - conn.started)
                result.statuses[status] += 1
                in_flight -= 1
                idle.append(conn)
    finally:
        result.wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_SELF)
        result.cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
        poller.close()
        for conn in conns:
            conn.sock.close()
    if rate is not None:
        result.sent = backlog
    return result
