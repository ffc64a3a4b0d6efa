"""How many log lines an idle ``relance daemon`` writes, per logger, at its default polls.

    python benchmarks/daemon_log_volume.py                 # 60 s
    python benchmarks/daemon_log_volume.py --seconds 300

A folder with one file tenant and no cycle due (its slot is tomorrow) and the daemon with
its default ``--poll-seconds`` (10) and ``--inbox-seconds`` (15): what it logs then is only
its own upkeep. Prints the lines each logger wrote after start-up, and the same as lines a
day at that rate.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "tenants").mkdir()
        (work / "relance.toml").write_text(
            'store_url = "sqlite:///r.sqlite"\ntenants_dir = "tenants"\n', encoding="utf-8"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("RELANCE_")}
        env["PYTHONPATH"] = str(ROOT)
        relance = [sys.executable, "-m", "connector"]
        subprocess.run([*relance, "init", "--tenant", "acme"], cwd=work, env=env, check=True,
                       capture_output=True)  # fmt: skip
        log = work / "daemon.log"
        with log.open("wb") as out:
            daemon = subprocess.Popen(
                [*relance, "daemon", "--port", "0"], cwd=work, env=env,
                stdout=subprocess.DEVNULL, stderr=out,
            )  # fmt: skip
            while b"daemon started" not in log.read_bytes():
                if daemon.poll() is not None:
                    sys.exit(log.read_text(encoding="utf-8"))
                time.sleep(0.1)
            started = len(log.read_bytes().splitlines())
            time.sleep(args.seconds)
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=60)
        lines = log.read_text(encoding="utf-8").splitlines()[started:]
    counts = Counter(
        (entry["logger"], entry["level"])
        for entry in (json.loads(line) for line in lines if line.startswith("{"))
        if "daemon stopped" not in entry["message"] and "shut down" not in entry["message"]
    )
    total = sum(counts.values())
    print(f"idle daemon, {args.seconds:.0f} s at the default polls: {total} line(s)")
    for (logger, level), n in counts.most_common():
        print(f"  {logger:40} {level:8} {n:6}  ~{n * 86400 / args.seconds:,.0f} a day")


if __name__ == "__main__":
    main()
