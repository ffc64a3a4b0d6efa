"""From a user's seat: what waits for approval, its preview, and a person's decisions."""

from __future__ import annotations

from pathlib import Path

from tests.policies import ROOT

from .conftest import Run, as_json
from .test_commands import _setup

DAY = "2026-11-23"


def _reminders_wait(workdir: Path) -> None:
    """The tenant's policy: the default one, its reminders waiting for approval."""
    text = (ROOT / "config" / "policy.fr.toml").read_text(encoding="utf-8")
    old = 'approval = ["notice", "escalation"]'
    assert old in text
    (workdir / "tenants" / "policy.toml").write_text(
        text.replace(old, 'approval = ["reminder"]'), encoding="utf-8"
    )
    config = workdir / "tenants" / "lumen.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            '# policy = "policy.toml"', 'policy = "policy.toml"'
        ),
        encoding="utf-8",
    )


def test_approve_skip_edit_and_preview_from_the_command_line(workdir: Path, relance: Run) -> None:
    _setup(workdir, relance)
    _reminders_wait(workdir)
    code, out, _ = relance("--json", "run", "--as-of", DAY)
    (summary,) = as_json(out)
    assert code == 10, "actions wait for a person"
    waiting = [a for a in summary["actions"] if a["status"] == "awaiting_approval"]
    assert len(waiting) >= 3 and summary["awaiting_approval"] == len(waiting)
    emails = [a for a in waiting if a["channel"] == "email"]
    assert len(emails) >= 2
    assert not list((workdir / "outbox").rglob("*.eml")), "nothing went out"

    code, out, _ = relance("--json", "status")
    listed = as_json(out)["awaiting_approval"]
    assert sorted(x["key"] for x in listed) == sorted(a["key"] for a in waiting)
    code, out, _ = relance("status")
    said = " ".join(out.split())  # the console wraps long lines
    assert "to approve" in said and "relance action approve KEY" in said

    first, second = emails[0]["key"], emails[1]["key"]
    code, out, err = relance("--json", "action", "preview", first)
    assert code == 0, err
    shown = as_json(out)
    assert shown["status"] == "awaiting_approval" and shown["subject"] and shown["html"]

    new_text = workdir / "text.txt"
    new_text.write_text("Bonjour,\n\nUn mot de notre part.\n", encoding="utf-8")
    code, out, err = relance(
        "--json", "action", "edit", first, "--text-file", str(new_text), "--by", "Claire"
    )
    assert code == 0, err
    assert as_json(out)["edit"]["by"] == "Claire"
    code, out, err = relance("--json", "action", "approve", first, "--by", "Paul")
    assert code == 0, err
    assert as_json(out)["status"] == "planned" and as_json(out)["approved_by"] == "Paul"
    code, out, err = relance(
        "--json", "action", "skip", second, "--reason", "called them", "--by", "Claire"
    )
    assert code == 0, err
    assert as_json(out)["status"] == "skipped"

    code, out, _ = relance("--json", "run", "--as-of", DAY)
    (again,) = as_json(out)
    assert [(a["key"], a["status"]) for a in again["actions"]] == [(first, "written")]
    (eml,) = (workdir / "outbox").rglob("*.eml")
    assert b"Un mot de notre part." in eml.read_bytes()
    code, out, _ = relance("--json", "history", emails[0]["customer"].split(":")[-1])
    kinds = [e["kind"] for e in as_json(out)]
    assert "message_edited" in kinds and "action_approved" in kinds

    code, _, err = relance("action", "approve", second, "--by", "Paul")
    assert code != 0 and "only an action awaiting approval" in err
