"""`--as-of` from a user's seat: report, status, plan and history see only that day.

The sample ledger is imported as it stands on 23 November; asked about 1 October, each
command answers with the documents of 1 October, open by what was paid after it.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

from .conftest import Run, as_json
from .test_commands import _setup

OCTOBER = date(2026, 10, 1)


def _open_on(ledger: Path, day: date) -> dict[str, tuple[str, str, Decimal]]:
    """Each document issued by ``day`` and open on it: number -> (kind, currency, open),
    from the CSV files (open now, plus what payments received after the day settled)."""
    later: dict[str, Decimal] = {}
    with (ledger / "payments.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if date.fromisoformat(row["received_on"]) <= day:
                continue
            for item in filter(None, row["invoices"].split(";")):
                number, _, amount = item.partition(":")
                later[number] = later.get(number, Decimal(0)) + Decimal(amount)
    found = {}
    with (ledger / "invoices.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if date.fromisoformat(row["issued_on"]) > day:
                continue
            back = later.get(row["number"], Decimal(0))
            open_ = min(Decimal(row["total"]), Decimal(row["open"]) + back)
            if open_ > 0:
                found[row["number"]] = (row["kind"], row["currency"], open_)
    return found


def test_report_and_status_as_of_a_past_day(workdir: Path, relance: Run) -> None:
    _setup(workdir, relance)
    expected = _open_on(workdir / "ledger", OCTOBER)
    invoices = {n: (c, v) for n, (k, c, v) in expected.items() if k == "invoice"}
    credits = {n: (c, v) for n, (k, c, v) in expected.items() if k == "credit_note"}
    assert len(expected) != len(_open_on(workdir / "ledger", date(2026, 11, 23))), (
        "the sample's payments of October and November change what is open"
    )
    code, out, _ = relance("--json", "report", "--as-of", OCTOBER.isoformat())
    report = as_json(out)
    assert code == 0
    assert report["invoices"] == len(invoices) and report["credit_notes"] == len(credits)
    total = sum((v for c, v in invoices.values() if c == "EUR"), Decimal(0))
    total -= sum((v for c, v in credits.values() if c == "EUR"), Decimal(0))
    assert Decimal(report["currencies"]["EUR"]["total"]) == total
    code, out, _ = relance("--json", "status", "--as-of", OCTOBER.isoformat())
    status = as_json(out)
    assert code == 0 and status["open_documents"] == len(invoices) + len(credits)
    assert status["open_totals"]["EUR"] == report["currencies"]["EUR"]["total"]


def test_plan_and_history_as_of_a_past_day(workdir: Path, relance: Run) -> None:
    _setup(workdir, relance)
    expected = _open_on(workdir / "ledger", OCTOBER)
    code, out, _ = relance("--json", "plan", "--as-of", OCTOBER.isoformat())
    planned = as_json(out)["actions"]
    assert code == 0 and planned
    for action in planned:
        assert set(action["invoices"]) <= set(expected), action
    # Menuiserie Girard paid 267.77 too much on 19 November: nothing deducted on 1 October
    (girard,) = [a for a in planned if a["customer"] == "C009"]
    claimed = sum((expected[n][2] for n in girard["invoices"]), Decimal(0))
    assert Decimal(girard["totals"]["EUR"]) == claimed
    code, out, _ = relance("--json", "history", "C009")
    assert code == 0 and as_json(out), "the import is in the trail"
    code, out, _ = relance("--json", "history", "C009", "--as-of", "2000-01-01")
    assert code == 0 and as_json(out) == []  # nothing was recorded by then
