from __future__ import annotations

import json
from pathlib import Path

import pytest

from connector.cli import main


def test_claim_prints_every_period_and_the_total(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELANCE_RATES_DIR", str(tmp_path / "rates"))
    code = main(
        ["--json", "claim", "--principal", "10000", "--due", "2024-01-15", "--as-of", "2024-09-30"]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [p["amount"] for p in out["periods"]] == ["663.42", "359.18"]
    assert out["interest"] == "1022.60" and out["total_claimable"] == "1062.60"
    assert out["day_count"] == "actual/365"


def test_rates_show_and_a_missing_half_year(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELANCE_RATES_DIR", str(tmp_path / "rates"))
    assert main(["--json", "rates", "show", "fr_legal_rate"]) == 0
    (table,) = json.loads(capsys.readouterr().out)
    first = table["periods"][0]
    assert (first["start"], first["a"], first["source"][:4]) == ("2012-01-01", "0.71", "http")
    code = main(["claim", "--principal", "100", "--due", "2026-06-01", "--as-of", "2026-08-01"])
    assert code == 3
    assert "relance rates import" in capsys.readouterr().err
