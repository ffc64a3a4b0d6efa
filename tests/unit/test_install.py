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


def _runtime_imports() -> dict[str, str]:
    """Every top-level module the shipped code imports (not the tests, not the Odoo add-on,
    which runs inside Odoo), with one file that imports it."""
    import ast
    import sys

    found: dict[str, str] = {}
    for package in ("connector", "adapters"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "addon" in path.relative_to(ROOT).parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            typing_only = {  # ``if TYPE_CHECKING:`` imports are never run
                id(inner)
                for node in ast.walk(tree)
                if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
                for inner in ast.walk(node)
            }
            for node in ast.walk(tree):
                if id(node) in typing_only:
                    continue
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    names = [node.module]
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in ("connector", "adapters"):
                        found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def test_what_the_shipped_code_imports_is_a_runtime_dependency() -> None:
    """`pip install relance` alone must be enough: a module the code imports that comes only
    with the dev extras (tomli-w did) works in CI and fails for every user."""
    from importlib.metadata import packages_distributions, requires

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {canonicalize_name(Requirement(t).name) for t in project["dependencies"]}
    extras = {
        canonicalize_name(Requirement(t).name) for t in project["optional-dependencies"]["postgres"]
    }
    # what the declared ones bring with them (uvicorn[standard] -> websockets …)
    brought = set(declared)
    for name in declared:
        for text in requires(name) or ():
            brought.add(canonicalize_name(Requirement(text.split(";")[0]).name))
    owners = packages_distributions()
    missing = []
    for module, where in sorted(_runtime_imports().items()):
        distributions = {canonicalize_name(d) for d in owners.get(module, ())}
        assert distributions, f"{where} imports {module}, which no installed package provides"
        if not distributions & (declared | extras | brought):
            missing.append(f"{module} ({', '.join(sorted(distributions))}), imported by {where}")
    assert not missing, "not a runtime dependency: " + "; ".join(missing)
