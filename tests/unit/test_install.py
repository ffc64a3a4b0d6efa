"""The install CI tests is the one the README gives, pinned by constraints.txt."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]


def _readme_test_command() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = re.search(r"```sh\n(.*?)```", readme, re.DOTALL)
    assert quick_start is not None, "the README opens with a quick start block"
    (command,) = [line for line in quick_start.group(1).splitlines() if "pytest" in line]
    return command


def _pins() -> dict[str, Version]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, version = line.partition("==")
        assert version, f"constraints.txt: {line!r} is not an exact pin (NAME==VERSION)"
        pins[canonicalize_name(name)] = Version(version)
    return pins


def test_ci_runs_the_readme_test_command_verbatim_in_a_new_venv() -> None:
    command = _readme_test_command()
    assert command.startswith("pip install -c constraints.txt ")
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    lines = script.splitlines()
    assert any(line.startswith(command) for line in lines), f"{command!r} not in .ci/run"
    venv_made = next(n for n, line in enumerate(lines) if " -m venv " in line)
    activated = next(n for n, line in enumerate(lines) if line.startswith("source "))
    runs_tests = next(n for n, line in enumerate(lines) if line.startswith(command))
    assert venv_made < activated < runs_tests


def test_every_dependency_is_pinned_within_its_bounds() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = _pins()
    for text in [*project["dependencies"], *project["optional-dependencies"]["dev"]]:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is a dependency but constraints.txt does not pin it"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {name}=={pins[name]}, outside pyproject's {requirement}"
        )
