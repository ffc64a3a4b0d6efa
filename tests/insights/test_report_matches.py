"""`relance report` and the dashboard show the same numbers: the figures of `report
--dashboard --json` are those of :func:`connector.insights.dashboard` on the same store, and
each month's point is what `relance report --as-of` that day says through its own code."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from connector.cli import main
from connector.insights import dashboard
from connector.insights.export import dashboard_json
from connector.policy import default_policy
from connector.store import Store
from tests.cli.conftest import workdir  # noqa: F401 - the fixture
from tests.cli.test_commands import _setup

DAY = "2026-11-23"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_report_json_shows_the_dashboards_figures(
    workdir: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    _setup(workdir, lambda *a: (main(list(a)), *capsys.readouterr()))
    report = json.loads(_run(capsys, "--json", "report", "--as-of", DAY, "--dashboard"))
    figures = report["dashboard"]
    store = Store.open(f"sqlite:///{workdir / 'relance.sqlite'}")
    try:
        expected = dashboard(store, "lumen", date.fromisoformat(DAY), policy=default_policy())
    finally:
        store.close()
    assert figures == dashboard_json(expected)
    last = figures["aged_balance"][-1]
    for name in ("invoices", "credit_notes", "unapplied_payments", "currencies"):
        assert last[name] == report[name]
    assert figures["dso"]["points"][-1]["days"] == report["dso_days"]
    for point, dso in zip(figures["aged_balance"][:-1], figures["dso"]["points"], strict=False):
        if not point["currencies"]:
            continue
        past = json.loads(_run(capsys, "--json", "report", "--as-of", point["as_of"]))
        assert point["currencies"] == past["currencies"], point["as_of"]
        assert point["invoices"] == past["invoices"]
        assert dso["days"] == past["dso_days"]
    text = _run(capsys, "report", "--as-of", DAY, "--dashboard")
    assert "paid after each step" in text and "promises to pay" in text
