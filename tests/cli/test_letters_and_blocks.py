"""From a user's seat: letters to post and their posting, customers nothing reaches."""

from __future__ import annotations

from pathlib import Path

from .conftest import Run, as_json
from .test_commands import _setup

C028 = "Studio Photo Lumière Noire"  # no e-mail address in the sample ledger


def test_a_letter_is_prepared_then_its_posting_recorded(workdir: Path, relance: Run) -> None:
    _setup(workdir, relance)
    code, out, _ = relance("--json", "run", "--as-of", "2026-11-23")
    (summary,) = as_json(out)
    assert code == 10, "a letter waits for a person"
    (letter,) = [a for a in summary["actions"] if a["status"] == "prepared"]
    assert letter["channel"] == "letter" and letter["key"].endswith("|letter")
    assert letter["reference"].endswith(".pdf")

    code, out, _ = relance("--json", "status")
    status = as_json(out)
    assert [x["key"] for x in status["letters_to_post"]] == [letter["key"]]
    assert status["letters_to_post"][0]["registered"] is False
    code, out, _ = relance("status")
    assert "letter to post" in out and "relance action letter KEY" in out

    code, out, _ = relance("--json", "plan", "--as-of", "2026-11-30")
    plan = as_json(out)
    blocked = [b for b in plan["blocked"] if b["customer_name"] == C028]
    assert blocked == [
        {
            "customer": "C028",
            "customer_name": C028,
            "kind": "letter_to_post",
            "step": "reminder_1",
            "reason": blocked[0]["reason"],
            "action": letter["key"],
        }
    ]
    assert not [a for a in plan["actions"] if a["customer_name"] == C028]

    # a registered letter needs its number; the dates must hold
    code, _, err = relance("action", "letter", letter["key"], "--registered")
    assert code != 0 and "tracking number" in err
    code, _, err = relance(
        "action", "letter", letter["key"], "--posted-on", "2026-11-20"
    )  # before it was made
    assert code != 0 and "cannot be posted on 2026-11-20" in err
    code, out, err = relance(
        "--json", "action", "letter", letter["key"], "--posted-on", "2026-11-24"
    )
    assert code == 0, err
    posted = as_json(out)
    assert posted["status"] == "posted" and posted["posted_on"] == "2026-11-24"
    code, out, _ = relance("--json", "status")
    assert as_json(out)["letters_to_post"] == []
    code, out, _ = relance("--json", "history", "C028")
    kinds = [e["kind"] for e in as_json(out)]
    assert kinds[-2:] == ["letter_prepared", "letter_posted"]


def test_plan_and_status_say_who_is_blocked_and_why(workdir: Path, relance: Run) -> None:
    _setup(workdir, relance)
    customers = workdir / "ledger" / "customers.csv"
    lines = customers.read_text(encoding="utf-8").splitlines()
    lines = [
        "C028,Studio Photo Lumière Noire,b2b,,,Service comptabilité,,,,FR,fr,605 772 803,30"
        if line.startswith("C028,")
        else line
        for line in lines
    ]
    customers.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = relance("import", "ledger")
    assert code == 0, err

    code, out, _ = relance("--json", "plan", "--as-of", "2026-11-23")
    (blocked,) = [b for b in as_json(out)["blocked"] if b["customer"] == "C028"]
    assert blocked["kind"] == "unreachable" and blocked["step"] == "reminder_1"
    assert blocked["reason"] == (
        "e-mail: no e-mail address; letter: no postal address; phone task: no phone number"
    )
    code, out, _ = relance("plan", "--as-of", "2026-11-23")
    assert "blocked" in out and C028 in out

    relance("run", "--as-of", "2026-11-23")
    code, out, _ = relance("--json", "status")
    (row,) = [b for b in as_json(out)["blocked"] if b["customer"] == "C028"]
    assert row["reason"] == blocked["reason"]
    code, out, _ = relance("status")
    assert "Customers blocked: 1" in out and "no postal address" in out
