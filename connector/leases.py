"""Who holds a lease, and keeping one while work runs.

A lease owner reads ``role@host:pid/pidns`` (``daemon@web-2:4242/4026531836``). When the
host and the PID namespace are this process's own, the process table says for sure whether
the holder still lives: a daemon restarted on the same machine after a crash, or a
``relance run`` started again after a kill, takes back what the dead process held at once
instead of waiting for the lease to run out. Anywhere else (another machine, another
container, a system without ``/proc``), only the lease's expiry decides.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connector.store import Store

__all__ = ["INBOX_LEASE", "gone_local_owner", "keep_lease", "process_owner"]

log = logging.getLogger(__name__)

# how long a claimed webhook event is left to its claimer: a replica that died, or a
# platform that failed, hands the event to the next claim after this long
INBOX_LEASE = timedelta(minutes=2)

_OWNER = re.compile(r"^(?P<role>[\w-]+)@(?P<host>[^:]+):(?P<pid>\d+)/(?P<ns>\d+|-)$")


def _pid_namespace() -> str:
    try:
        found = re.search(r"\d+", os.readlink(Path("/proc/self/ns/pid")))
    except OSError:
        return "-"
    return found.group() if found else "-"


def process_owner(role: str) -> str:
    """This process, as a lease owner."""
    return f"{role}@{socket.gethostname()}:{os.getpid()}/{_pid_namespace()}"


def gone_local_owner(owner: str) -> bool:
    """Whether ``owner`` is a process of this machine and PID namespace that no longer
    runs. False whenever that cannot be known for sure."""
    found = _OWNER.match(owner)
    if found is None or found["ns"] == "-" or found["ns"] != _pid_namespace():
        return False
    if found["host"] != socket.gethostname():
        return False
    pid = int(found["pid"])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it runs, as another user
    return False


def keep_lease(
    store: Store, slug: str, owner: str, lease: timedelta, lost: threading.Event
) -> threading.Event:
    """Renew the tenant's lease every third of it until the returned event is set: a long
    cycle keeps its tenant; a killed process stops renewing, and the lease runs out. If
    the lease was taken over meanwhile, ``lost`` is set (the cycle should stop)."""
    done = threading.Event()
    every = lease.total_seconds() / 3

    def renew() -> None:
        while not done.wait(every):
            if not store.renew_cycle(slug, owner, lease):
                log.warning("tenant=%s lease lost while the cycle runs: stopping it", slug)
                lost.set()
                return

    threading.Thread(target=renew, name=f"lease-{slug}", daemon=True).start()
    return done
