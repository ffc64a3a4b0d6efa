"""A file snapshot that would close many open invoices at once is refused, whichever command
reads it: `relance import`, `relance sync`, `relance run` (the daemon's cycle)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from adapters.files import sample_dir
from adapters.files.guard import MASS_CLOSE_SHARE
from tests.cli.conftest import Run, as_json

from .fec_text import fec_file, sale


def _tenant(workdir: Path, relance: Run, files: str = "") -> None:
    code, _, err = relance("init", "--tenant", "lumen", "--name", "Atelier Lumen")
    assert code == 0, err
    if files:
        config = workdir / "tenants" / "lumen.toml"
        config.write_text(config.read_text(encoding="utf-8") + files, encoding="utf-8")


def _open_documents(relance: Run) -> int:
    code, out, err = relance("--json", "status", "--as-of", "2099-01-01")
    assert code == 0, err
    count = as_json(out)["open_documents"]
    assert isinstance(count, int)
    return count


def _cut(folder: Path, keep: int) -> int:
    """Keeps the first ``keep`` invoices of invoices.csv; returns how many open ones went."""
    text = (folder / "invoices.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    lines = text.splitlines(keepends=True)
    (folder / "invoices.csv").write_text("".join(lines[: keep + 1]), encoding="utf-8")
    (folder / "payments.csv").unlink()  # its payments name the invoices cut off
    return sum(1 for row in rows[keep:] if float(row["open"]) > 0)


def test_a_truncated_invoices_file_is_refused_saying_how_many_would_close(
    workdir: Path, relance: Run
) -> None:
    _tenant(workdir, relance)
    shutil.copytree(sample_dir(), workdir / "ledger")
    code, _, err = relance("import", "ledger")
    assert code == 0, err
    before = _open_documents(relance)
    shutil.copytree(workdir / "ledger", workdir / "cut")
    cut = _cut(workdir / "cut", 250)
    assert cut > MASS_CLOSE_SHARE * before  # the case in point: about a fifth of them

    code, _, err = relance("import", "cut")
    assert code == 5
    assert f"cut/invoices.csv: would close {cut} of the {before} open invoices" in err
    assert f"{cut} no longer in the file" in err and "--allow-mass-close" in err
    assert _open_documents(relance) == before  # nothing stored

    code, out, err = relance("--json", "import", "cut", "--allow-mass-close")
    assert code == 0, err
    assert as_json(out)["imported"]["closed"] == cut
    assert _open_documents(relance) == before - cut


def test_a_header_only_invoices_file_imports_nothing_and_says_so(
    workdir: Path, relance: Run
) -> None:
    _tenant(workdir, relance)
    shutil.copytree(sample_dir(), workdir / "ledger")
    assert relance("import", "ledger")[0] == 0
    before = _open_documents(relance)
    empty = workdir / "empty"
    shutil.copytree(workdir / "ledger", empty)
    header = (empty / "invoices.csv").read_text(encoding="utf-8").splitlines()[0]
    (empty / "invoices.csv").write_text(header + "\n", encoding="utf-8")
    (empty / "payments.csv").unlink()
    for allow in ((), ("--allow-mass-close",)):  # an empty file proves nothing, allowed or not
        code, _, err = relance("import", "empty", *allow)
        assert code == 5
        assert "empty/invoices.csv: holds no invoice at all" in err
        assert "an invoice that is paid stays in it, with open 0" in err
    assert _open_documents(relance) == before


def test_a_few_payments_at_once_are_imported_without_a_word(workdir: Path, relance: Run) -> None:
    _tenant(workdir, relance)
    shutil.copytree(sample_dir(), workdir / "ledger")
    assert relance("import", "ledger")[0] == 0
    before = _open_documents(relance)
    path = workdir / "ledger" / "invoices.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    paid = 0
    for row in rows:
        if float(row["open"]) > 0 and paid < 4:  # four customers paid since yesterday
            row["open"], paid = "0", paid + 1
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    code, _out, err = relance("--json", "import", "ledger")
    assert code == 0, err
    assert _open_documents(relance) == before - 4


def test_sync_and_run_refuse_it_too_until_allowed(workdir: Path, relance: Run) -> None:
    _tenant(workdir, relance, '\n[files]\ncsv_dir = "../ledger"\n')
    shutil.copytree(sample_dir(), workdir / "ledger")
    code, _, err = relance("sync")
    assert code == 0, err
    before = _open_documents(relance)
    cut = _cut(workdir / "ledger", 250)

    code, _, err = relance("sync")
    assert code == 5 and f"would close {cut} of the {before} open invoices" in err
    code, _, err = relance("run", "--as-of", "2026-11-23")  # the daemon's cycle, from cron
    assert code == 5 and f"would close {cut} of the {before} open invoices" in err
    assert not (workdir / "outbox").exists()  # no reminder planned on a half-read ledger
    assert _open_documents(relance) == before

    code, out, err = relance("--json", "sync", "--allow-mass-close")  # once, after checking
    assert code == 0, err
    assert as_json(out)["synced"]["closed"] == cut


def test_the_tenant_setting_allows_it_for_run(workdir: Path, relance: Run) -> None:
    _tenant(workdir, relance, '\n[files]\ncsv_dir = "../ledger"\nallow_mass_close = true\n')
    shutil.copytree(sample_dir(), workdir / "ledger")
    code, _, err = relance("sync")
    assert code == 0, err
    before = _open_documents(relance)
    cut = _cut(workdir / "ledger", 250)
    code, _, err = relance("run", "--as-of", "2026-11-23")
    assert code in (0, 10), err  # 10: something for a person (letters to post)
    assert _open_documents(relance) == before - cut


def test_a_fec_cut_short_between_entries_is_refused(workdir: Path, relance: Run) -> None:
    _tenant(workdir, relance)
    entries = [sale(n, f"C{n % 4}", f"F-{n:03}", "120,00") for n in range(1, 41)]
    fec_file(workdir / "FEC.txt", entries)
    code, _, err = relance("import", "FEC.txt")
    assert code == 0, err
    fec_file(workdir / "FEC.txt", entries[:30])  # cut where an entry ends: it balances
    code, _, err = relance("import", "FEC.txt")
    assert code == 5
    assert "FEC.txt: would close 10 of the 40 open invoices at once (F-031, F-032" in err
    assert _open_documents(relance) == 40
