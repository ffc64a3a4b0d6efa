"""Lease owners: a dead relance process of this machine is known for sure; nothing else is."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from connector.clock import SystemClock
from connector.daemon import Daemon, TenantSchedule
from connector.leases import gone_local_owner, process_owner
from connector.model import Platform, SourceRef
from connector.source import Event, EventKind
from connector.store import Store


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_only_a_gone_process_of_this_machine_and_namespace_counts_as_gone() -> None:
    mine = process_owner("daemon")
    role, rest = mine.split("@", 1)
    host_pid, namespace = rest.rsplit("/", 1)
    assert role == "daemon" and host_pid == f"{socket.gethostname()}:{os.getpid()}"
    dead = _dead_pid()
    assert gone_local_owner(f"run@{socket.gethostname()}:{dead}/{namespace}")
    assert not gone_local_owner(mine), "this very process"
    assert not gone_local_owner(f"daemon@another-host:{dead}/{namespace}"), "not ours to know"
    assert not gone_local_owner(f"daemon@{socket.gethostname()}:{dead}/1"), "another container"
    assert not gone_local_owner(f"daemon@{socket.gethostname()}:{dead}/-")
    assert not gone_local_owner("someone"), "an owner in another format: the lease decides"


def test_a_restarted_daemon_takes_back_what_its_dead_predecessor_held(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 's.sqlite'}", clock=SystemClock()) as store:
        for slug in ("acme", "bravo"):
            store.ensure_tenant(slug, platform=Platform.PENNYLANE)
        namespace = process_owner("x").rsplit("/", 1)[1]
        dead = f"daemon@{socket.gethostname()}:{_dead_pid()}/{namespace}"
        elsewhere = "daemon@another-host:4242/4026531836"
        assert store.claim_cycle("acme", dead, timedelta(minutes=30))
        assert store.claim_cycle("bravo", elsewhere, timedelta(minutes=30))
        ref = SourceRef(platform=Platform.PENNYLANE, tenant="acme", external_id="invoice:1")
        store.record_inbound("acme", "pennylane", [Event("e1", EventKind.PAID, (ref,),
                                                         datetime.now(UTC))])  # fmt: skip
        assert [e.event_id for e in store.claim_inbound(dead, timedelta(minutes=2))] == ["e1"]

        schedules = [TenantSchedule("acme", "pennylane"), TenantSchedule("bravo", "pennylane")]
        daemon = Daemon(store, schedules, lambda s, stop: {}, lambda s, e: None,
                        clock=SystemClock())  # fmt: skip
        assert daemon.take_back() == 1
        rows = store.cycle_rows()
        assert rows["acme"].lease_owner is None, "the dead one's tenant: free at once"
        assert rows["bravo"].lease_owner == elsewhere, "another machine's: its lease decides"
        again = store.claim_inbound("daemon@here:1/1", timedelta(minutes=2))
        assert [e.event_id for e in again] == ["e1"], "its claimed events come back too"
        daemon.stop()
