"""The `relance` command from a user's seat: a CSV ledger from init to history."""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import timedelta
from pathlib import Path

from adapters.files import sample_dir
from connector.store import Store
from tests.demo_built import BuiltDemo

from .conftest import Run, as_json

CREDITOR = """
[creditor]
name = "Atelier Lumen"
email = "relances@lumen.example.fr"
iban = "FR76 1027 8073 0000 0201 2345 678"
[creditor.address]
lines = ["14 rue Burdeau"]
postal_code = "69001"
city = "Lyon"
"""


def _setup(workdir: Path, relance: Run) -> None:
    code, out, _ = relance("init", "--tenant", "lumen", "--name", "Atelier Lumen")
    assert code == 0, out
    config = workdir / "tenants" / "lumen.toml"
    text = config.read_text(encoding="utf-8").split("[creditor]")[0]
    config.write_text(text + CREDITOR, encoding="utf-8")
    shutil.copytree(sample_dir(), workdir / "ledger")
    code, out, err = relance("--json", "import", "ledger")
    assert code == 0, err
    assert as_json(out)["imported"]["receivables"] > 300


def test_plan_is_a_dry_run_and_run_sends_once(workdir: Path, relance: Run) -> None:
    _setup(workdir, relance)
    code, out, _ = relance("--json", "plan", "--as-of", "2026-11-23")
    planned = as_json(out)["actions"]
    assert code == 0 and planned
    assert not (workdir / "outbox").exists()

    code, out, _ = relance("--json", "run", "--as-of", "2026-11-23")
    (summary,) = as_json(out)
    assert code in (0, 10)  # 10: something needs a person (a letter to post)
    done = [a for a in summary["actions"] if a["status"] in ("written", "prepared")]
    assert len(done) == len(planned), "no relay: e-mails written, letters prepared, none sent"
    files = sorted((workdir / "outbox").rglob("*.*"))

    code, out, _ = relance("--json", "run", "--as-of", "2026-11-23")
    (again,) = as_json(out)
    assert again["actions"] == []
    assert sorted((workdir / "outbox").rglob("*.*")) == files

    code, out, _ = relance("--json", "status")
    by_status = as_json(out)["actions"]
    assert by_status.get("written", 0) + by_status.get("prepared", 0) == len(done)
    sent = done

    customer = sent[0]["customer"].rsplit(":", 1)[1]
    code, out, _ = relance("--json", "dossier", customer, "--as-of", "2026-11-23")
    dossier = as_json(out)
    assert code == 0 and dossier["reminders"] >= 1
    with zipfile.ZipFile(dossier["path"]) as archive:
        assert archive.namelist()[:3] == ["00-bordereau.pdf", "01-decompte.pdf", "02-decompte.csv"]
        decompte = archive.read("02-decompte.csv").decode("utf-8-sig")
    assert "Total dû au 23/11/2026" in decompte
    assert Path(dossier["path"]).name == f"dossier-{customer}-2026-11-23.zip"


def test_side_states_and_history(workdir: Path, relance: Run) -> None:
    _setup(workdir, relance)
    code, out, err = relance(
        "--json",
        "promise",
        "add",
        "Garage Perrin",
        "--amount",
        "100",
        "--by",
        "2026-12-01",
        "--on",
        "2026-11-20",
    )
    assert code == 0, err
    assert as_json(out)["by"] == "2026-12-01"
    code, out, err = relance(
        "customer", "pause", "Boulangerie Delorme", "--until", "2026-12-31", "--on", "2026-11-20"
    )
    assert code == 0 and "paused" in out
    code, out, err = relance("--json", "history", "Garage Perrin")
    kinds = [e["kind"] for e in as_json(out)]
    assert "promise_recorded" in kinds
    code, out, _ = relance("--json", "report", "--as-of", "2026-11-23")
    report = as_json(out)
    assert report["currencies"]["EUR"]["90+"] != "0.00"
    assert report["dso_days"]["EUR"] is not None


def test_errors_say_what_and_where_with_their_exit_code(workdir: Path, relance: Run) -> None:
    code, _, err = relance("--config", "missing.toml", "status")
    assert code == 3 and "missing.toml" in err and "not found" in err
    _setup(workdir, relance)
    bad = workdir / "bad"
    shutil.copytree(workdir / "ledger", bad)
    lines = (bad / "invoices.csv").read_text(encoding="utf-8").splitlines()
    cells = lines[5].split(",")
    cells[3] = "31/12/2025"  # issued_on, not ISO
    lines[5] = ",".join(cells)
    (bad / "invoices.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = relance("import", "bad")
    assert code == 5
    assert "invoices.csv, line 6, column 'issued_on'" in err
    code, _, err = relance("customer", "pause", "Nobody At All")
    assert code == 3 and "no customer matches" in err


def test_the_demo_builds_everything_from_nothing(demo_built: BuiltDemo) -> None:
    """The session's demo (``relance demo --dir … --json`` into an empty folder, run once
    for every test that needs it), as the command left it."""
    result = demo_built.result
    assert result["customers"] == 40
    steps = {a["step"] for a in result["done"]}
    assert {"courtesy", "reminder_1", "phone_call", "reminder_2", "formal_notice"} <= steps
    assert "sent" not in {a["status"] for a in result["done"]}, "no relay in the demo"
    c028 = [a for a in result["done"] if a["customer"] == "Studio Photo Lumière Noire"]
    assert {a["channel"] for a in c028 if a["step"].startswith("reminder")} == {"letter"}
    assert "escalation" in {a["step"] for a in c028}, "no e-mail address, never stuck"
    assert list((demo_built.folder / "outbox" / "letters").rglob("*.pdf"))
    assert list((demo_built.folder / "outbox").rglob("*.eml"))
    with zipfile.ZipFile(result["dossier"]) as dossier:
        names = dossier.namelist()
        notice = next(n for n in names if n.endswith("formal_notice.pdf"))
        journal = next(n for n in names if n.endswith("-journal.json"))
        assert "00-bordereau.pdf" in names and "01-decompte.pdf" in names
        assert dossier.read(notice).startswith(b"%PDF")
        trail = json.loads(dossier.read(journal))
        assert {"action_written", "letter_posted"} <= {event["kind"] for event in trail}
        assert "action_sent" not in {event["kind"] for event in trail}


def test_a_wrong_option_is_a_usage_error_not_a_traceback(relance: Run) -> None:
    code, out, err = relance("claim", "--principal", "1", "--nonsense")
    assert code == 2
    assert "No such option" in err and "Traceback" not in err + out


def test_tenants_lists_each_connection_state(workdir: Path, relance: Run) -> None:
    relance("init", "--tenant", "lumen")
    relance("init", "--tenant", "acme", "--platform", "pennylane")
    code, out, _ = relance("--json", "tenants")
    rows = {r["tenant"]: r["connection"] for r in as_json(out)}
    assert code == 0
    assert rows["lumen"] == "files (no connection)"
    assert rows["acme"] == "not connected: relance connect pennylane --tenant acme"


def test_connect_with_an_api_token_stores_it_encrypted(workdir: Path, relance: Run) -> None:
    import os
    import subprocess
    import sys

    from cryptography.fernet import Fernet

    relance("init", "--tenant", "acme", "--platform", "pennylane")
    env = {**os.environ, "RELANCE_SECRET_KEY": Fernet.generate_key().decode()}
    done = subprocess.run(
        [sys.executable, "-m", "connector", "connect", "pennylane", "--tenant", "acme", "--token"],
        input="plt_secret_token_1234\n",
        capture_output=True,
        text=True,
        cwd=workdir,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "plt_secret_token_1234" not in done.stdout + done.stderr
    assert b"plt_secret_token_1234" not in (workdir / "relance.sqlite").read_bytes()
    code, out, _ = relance("--json", "tenants")
    assert as_json(out)[0]["connection"].startswith("connected")
    # without the key, nothing is stored and the error says what to do
    env.pop("RELANCE_SECRET_KEY")
    refused = subprocess.run(
        [sys.executable, "-m", "connector", "connect", "pennylane", "--tenant", "acme", "--token"],
        input="x\n",
        capture_output=True,
        text=True,
        cwd=workdir,
        env=env,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 3 and "RELANCE_SECRET_KEY" in refused.stderr
    # OAuth needs the app's credentials: the error names the variables
    code, _, err = relance("connect", "pennylane", "--tenant", "acme", "--no-browser")
    assert code == 3 and "RELANCE_PENNYLANE__CLIENT_ID" in err


def test_run_leaves_a_tenant_whose_cycle_a_daemon_is_running(workdir: Path, relance: Run) -> None:
    _setup(workdir, relance)
    with Store.open(f"sqlite:///{workdir / 'relance.sqlite'}") as store:
        assert store.claim_cycle("lumen", "daemon-on-host-b:4242", timedelta(minutes=5))
    code, out, _ = relance("--json", "run", "--as-of", "2026-11-23")
    assert code == 10, "a person should know it did not run"
    assert as_json(out) == [{"tenant": "lumen", "skipped": "running on daemon-on-host-b:4242"}]
    assert not (workdir / "outbox").exists(), "nothing sent beside the daemon"
    code, out, _ = relance("--json", "status")
    assert as_json(out)["cycle"]["running_on"] == "daemon-on-host-b:4242"
    assert as_json(out)["webhook_events_waiting"] == 0
    with Store.open(f"sqlite:///{workdir / 'relance.sqlite'}") as store:
        store.release_cycle("lumen", "daemon-on-host-b:4242")
    code, out, _ = relance("--json", "run", "--as-of", "2026-11-23")
    assert code in (0, 10) and as_json(out)[0]["actions"]
    with Store.open(f"sqlite:///{workdir / 'relance.sqlite'}") as store:
        row = store.cycle_rows()["lumen"]
    assert row.lease_owner is None and row.finished_at is not None, "its lease given back"
    code, out, _ = relance("status")
    assert "Scheduled cycle: last finished 20" in out and "running now" not in out
