"""relance run as a process by a test: a port for it, and waiting until it answers."""

from __future__ import annotations

import socket
import subprocess
import time

import requests


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(proc: subprocess.Popen[bytes], url: str, seconds: float = 60) -> None:
    """Until ``url`` answers 200; fails with the process's error output if it exits first."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        if proc.poll() is not None:
            raise AssertionError(f"{url}: the process exited: {proc.communicate()[1].decode()}")
        assert time.monotonic() < deadline, f"{url} did not come up in {seconds:.0f} s"
        time.sleep(0.1)
