"""The demo, built once per test session by ``relance demo --dir … --json`` in a process of
its own (no ``RELANCE_*`` variable of the test run reaching it), for every test that needs
a demo: each one works on its own copy (:func:`copy_demo`), never on the built one, which the
tests of the command itself read as ``relance demo`` left it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class BuiltDemo:
    folder: Path
    printed: str  # what the command printed: one JSON document
    result: dict[str, Any]


def build(folder: Path) -> BuiltDemo:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELANCE_")}
    done = subprocess.run(
        [sys.executable, "-m", "connector", "demo", "--dir", str(folder), "--json"],
        capture_output=True, text=True, env=env, check=False, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return BuiltDemo(folder, done.stdout, json.loads(done.stdout))


def copy_demo(template: Path, target: Path) -> Path:
    """The demo folder copied, its settings pointing at the copy."""
    shutil.copytree(template, target)
    settings = target / "relance.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace(str(template), str(target)))
    return target
