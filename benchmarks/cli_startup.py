"""How long the ``relance`` command takes to answer, from the shell's point of view: the
interpreter's start, the imports, the command's own work.

    python benchmarks/cli_startup.py                 # builds the demo in a temporary folder
    python benchmarks/cli_startup.py --demo /tmp/dm  # over a demo already built there

Each command runs ``--rounds`` times in its own process, in the demo's folder, after one
warm-up (the page cache); printed: median and worst wall time, and the modules Python
imported for it (``-X importtime`` of one more run, summed). A command imports what it uses
(the store, the planner, the letters' PDF engine, the OAuth client), so ``--help`` and the
light commands do not pay for the heavy ones. Nothing is asserted: the figures are for the
closing note and for comparing changes.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = (
    ("--help",),
    ("--version",),
    ("rates", "show"),
    ("users", "list"),
    ("status",),
    ("plan",),
    ("report",),
)


def _run(args: tuple[str, ...], folder: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *extra, "-m", "connector", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )


def _imported_ms(args: tuple[str, ...], folder: Path) -> float:
    """The imports' own time, summed over every module (``-X importtime``'s self column)."""
    done = _run(args, folder, "-X", "importtime")
    total = 0
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "self [us]" not in line:
            total += int(line.split(":", 1)[1].split("|")[0])
    return total / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo", type=Path, help="a folder `relance demo --dir` built")
    parser.add_argument("--rounds", type=int, default=7)
    options = parser.parse_args()
    folder = options.demo
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="relance-cli-")) / "demo"
        built = _run(("demo", "--dir", str(folder), "--json"), Path.cwd())
        if built.returncode != 0:
            sys.exit(f"relance demo failed: {built.stderr}")
    print(f"{'command':<16} {'median':>8} {'worst':>8} {'imports':>9}")
    for args in COMMANDS:
        _run(args, folder)  # warm-up
        times = []
        for _ in range(options.rounds):
            started = time.perf_counter()
            done = _run(args, folder)
            times.append((time.perf_counter() - started) * 1000)
            if done.returncode not in (0, 10):
                sys.exit(f"relance {' '.join(args)} failed ({done.returncode}): {done.stderr}")
        imports = _imported_ms(args, folder)
        print(
            f"{' '.join(args):<16} {statistics.median(times):>6.0f}ms {max(times):>6.0f}ms "
            f"{imports:>7.0f}ms"
        )


if __name__ == "__main__":
    main()
