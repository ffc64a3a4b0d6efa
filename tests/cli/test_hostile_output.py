"""Ledger data reaches the terminal as text: Rich markup in a customer's name is printed, not
obeyed (it crashed `history`, `dossier` and `customer pause` after their change was made), and
no control sequence in it reaches the terminal."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from rich.console import Console

from adapters.files import sample_dir
from connector.cli._output import SafeConsole, printable, shown

from .conftest import Run, as_json

HOSTILE = "[link=https://evil.example]Cliquez[/link] [/] [bold]Garage"
ESCAPES = "\x1b[31mROUGE\x1b[0m\x07\r"


def _ledger_with_a_hostile_name(workdir: Path, relance: Run) -> str:
    code, out, _ = relance("init", "--tenant", "lumen", "--name", "Atelier Lumen")
    assert code == 0, out
    shutil.copytree(sample_dir(), workdir / "ledger")
    path = workdir / "ledger" / "customers.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    name_column = next(c for c in rows[0] if "name" in c.lower())
    rows[0][name_column] = HOSTILE
    with path.open("w", encoding="utf-8", newline="") as out_file:
        writer = csv.DictWriter(out_file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    code, out, err = relance("--json", "import", "ledger")
    assert code == 0, err
    id_column = next(c for c in rows[0] if c.lower() in ("id", "customer", "customer_id", "code"))
    return str(rows[0][id_column])


def test_markup_in_a_name_is_printed_not_obeyed(workdir: Path, relance: Run) -> None:
    customer = _ledger_with_a_hostile_name(workdir, relance)
    for args in (
        ("plan", "--as-of", "2026-11-24"),
        ("status",),
        ("history", customer),
        ("customer", "pause", customer, "--reason", "litige [/] en cours"),
        ("dossier", customer),
    ):
        code, out, err = relance(*args)
        assert code == 0, f"{args}: {err}"
        assert "MarkupError" not in out + err
    code, out, _ = relance("history", customer)
    assert "[link=https://evil.example]Cliquez[/link]" in " ".join(out.split()), out
    code, out, _ = relance("--json", "history", customer)
    reasons = [e["payload"].get("reason") for e in as_json(out) if "reason" in e["payload"]]
    assert "litige [/] en cours" in reasons, "the data itself is kept as it is"


def test_no_control_sequence_reaches_the_terminal() -> None:
    console = SafeConsole(file=io.StringIO(), width=200, color_system=None)
    console.print(f"{HOSTILE} {ESCAPES}")
    written = console.file.getvalue()  # type: ignore[attr-defined]
    assert "\x1b" not in written and "\x07" not in written and "\r" not in written
    assert "ROUGE" in written and "[/]" in written
    assert printable("a\tb\nc\x1b[2Jd\x9bx") == "a\tb\nc[2Jdx"


def test_a_styled_message_escapes_its_values() -> None:
    console = SafeConsole(file=io.StringIO(), width=200, color_system=None)
    console.print(f"[bold]blocked[/] {shown(HOSTILE + ESCAPES)}", markup=True)
    written = console.file.getvalue()  # type: ignore[attr-defined]
    assert HOSTILE in written and "\x1b" not in written
    plain = Console(file=io.StringIO(), width=200)
    assert plain.is_terminal is False  # what the CLI tests see: no terminal, no colours


def test_a_tenant_name_cannot_leave_the_tenants_folder(workdir: Path, relance: Run) -> None:
    for slug in ("../../etc", "Acme", "a/b", "", "-x"):
        code, out, err = relance("init", "--tenant", slug)
        assert code != 0, slug
        assert "is not a tenant name" in out + err, (slug, out, err)
    assert not list(workdir.parent.glob("*.toml")), "nothing written outside"
    assert not (workdir / "tenants").exists() or not list((workdir / "tenants").iterdir())


def test_a_business_name_cannot_write_settings_of_its_own(workdir: Path, relance: Run) -> None:
    import tomllib

    name = 'Evil"\n[smtp]\nhost = "attacker.example"\n# \\'
    code, _out, err = relance("init", "--tenant", "evil", "--name", name)
    assert code == 0, err
    config = tomllib.loads((workdir / "tenants" / "evil.toml").read_text(encoding="utf-8"))
    assert config["creditor"]["name"] == name
    assert "smtp" not in config and config["slug"] == "evil"
