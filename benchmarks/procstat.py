"""CPU accounting from /proc for the benchmarks that share this machine's cores with the
services they drive: per process (with reaped children) and for the whole machine."""

from __future__ import annotations

import os
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def process_stat(pid: str) -> tuple[str, int, float] | None:
    """(command, parent pid, CPU seconds of the process and its reaped children); None once
    the process is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    # fields[0] is the state (field 3); utime, stime, cutime, cstime are fields 14-17
    return comm, int(fields[1]), sum(int(v) for v in fields[11:15]) / TICK


def process_table() -> dict[str, tuple[str, int, float]]:
    """Every process now: pid -> (command, parent pid, CPU seconds)."""
    return {pid: s for pid in os.listdir("/proc") if pid.isdigit() and (s := process_stat(pid))}


def cmdline(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / TICK, sum(values[:8]) / TICK
