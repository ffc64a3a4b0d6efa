"""Files at rest are their owner's alone, whatever the umask: relance run in processes with
umask 000 makes the SQLite store, its WAL and shared-memory files and every file it writes
``0600``, and the folders it creates for them ``0700``."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from connector.store import Store
from tests.cli.test_commands import CREDITOR

OPEN_STORE = """
import json, os, sys
from pathlib import Path
from connector.model import Platform
from connector.store import Store
from tests.cli.test_commands import CREDITOR
path = Path(sys.argv[1])
with Store.open(f"sqlite:///{path}") as store:
    store.ensure_tenant("acme", platform=Platform.FILES)  # a write: the WAL in use
    modes = {p.name: oct(p.stat().st_mode & 0o777) for p in path.parent.iterdir()}
    modes["(folder)"] = oct(path.parent.stat().st_mode & 0o777)
print(json.dumps(modes))
"""


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("RELANCE_")}


def _store_modes(path: Path) -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, "-c", OPEN_STORE, str(path)],
        env=_env(), umask=0, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    modes: dict[str, str] = json.loads(done.stdout)
    return modes


def _modes(root: Path) -> dict[str, set[str]]:
    """Every file's and folder's mode under ``root`` (``root`` itself left out)."""
    found: dict[str, set[str]] = {"files": set(), "folders": set()}
    for path in root.rglob("*"):
        kind = "folders" if path.is_dir() else "files"
        found[kind].add(oct(stat.S_IMODE(path.stat().st_mode)))
    return found


def test_a_new_store_and_its_wal_are_the_owner_s_alone(tmp_path: Path) -> None:
    modes = _store_modes(tmp_path / "data" / "relance" / "relance.sqlite")
    assert modes == {
        "relance.sqlite": "0o600",
        "relance.sqlite-wal": "0o600",
        "relance.sqlite-shm": "0o600",
        "(folder)": "0o700",
    }
    assert oct(stat.S_IMODE((tmp_path / "data").stat().st_mode)) == "0o700"


def test_a_store_readable_by_others_is_narrowed_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "relance.sqlite"
    Store.open(f"sqlite:///{path}").close()
    path.chmod(0o644)  # made by an earlier version, under the usual umask
    modes = _store_modes(path)
    assert {name: modes[name] for name in modes if name.startswith("relance")} == {
        "relance.sqlite": "0o600",
        "relance.sqlite-wal": "0o600",
        "relance.sqlite-shm": "0o600",
    }


def test_the_outbox_and_a_dossier_are_the_owner_s_alone(tmp_path: Path) -> None:
    """A run with no relay: e-mails as .eml files, a letter as a PDF, a to-do; a dossier."""
    ledger = tmp_path / "ledger"
    ledger.mkdir()
    (ledger / "customers.csv").write_text(
        "id,name,email,contact_name,phone,address,postal_code,city\n"
        "C1,Client Un,ap1@un.example,AP,,,,\n"
        "C2,Client Deux,,Compta,,2 rue Neuve,69002,Lyon\n"
        "C3,Client Trois,,Standard,+33 4 00 00 00 03,,,\n",
        encoding="utf-8",
    )
    (ledger / "invoices.csv").write_text(
        "id,number,customer_id,issued_on,due_on,total,open\n"
        + "".join(f"F{n},F-{n},C{n},2026-02-03,2026-03-05,500.00,500.00\n" for n in (1, 2, 3)),
        encoding="utf-8",
    )
    (tmp_path / "tenants").mkdir()
    (tmp_path / "relance.toml").write_text(
        'store_url = "sqlite:///data/relance.sqlite"\noutbox_dir = "outbox"\n'
        'tenants_dir = "tenants"\n',
        encoding="utf-8",
    )
    (tmp_path / "tenants" / "acme.toml").write_text(
        f'slug = "acme"\nplatform = "files"\n[files]\ncsv_dir = "{ledger}"\n' + CREDITOR,
        encoding="utf-8",
    )

    def relance(*args: str) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "connector", *args],
            cwd=tmp_path, env=_env(), umask=0, capture_output=True, timeout=300,
        )  # fmt: skip
        assert done.returncode in (0, 10), done.stderr.decode()

    relance("init", "--tenant", "acme")
    relance("run", "--as-of", "2026-03-10")
    kinds = {path.suffix for path in (tmp_path / "outbox").rglob("*") if path.is_file()}
    assert kinds >= {".eml", ".md", ".pdf"}, "an e-mail, a to-do, a letter"
    assert _modes(tmp_path / "outbox") == {"files": {"0o600"}, "folders": {"0o700"}}
    assert _modes(tmp_path / "data") == {"files": {"0o600"}, "folders": set()}
    assert oct(stat.S_IMODE((tmp_path / "data").stat().st_mode)) == "0o700"

    relance("dossier", "C2", "--as-of", "2026-03-10", "--out", "dossiers/2026/c2.zip")
    assert (tmp_path / "dossiers" / "2026" / "c2.zip").is_file()
    assert _modes(tmp_path / "dossiers") == {"files": {"0o600"}, "folders": {"0o700"}}
