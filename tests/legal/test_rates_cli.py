"""`relance rates import|update|show` as a person types them: the formats the help states,
the errors that name the line, nothing stored lost, and the exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from connector.cli import main
from connector.legal import RateTables
from tests.emulators.rate_sources import RateSources, serving

SHIPPED = Path(__file__).parents[2] / "connector" / "legal" / "tables"


@pytest.fixture
def rates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "rates"
    monkeypatch.setenv("RELANCE_RATES_DIR", str(folder))
    monkeypatch.chdir(tmp_path)
    return folder


@pytest.fixture
def sources(monkeypatch: pytest.MonkeyPatch) -> Iterator[RateSources]:
    with serving() as server:
        for key, url in server.base_urls().items():
            monkeypatch.setenv(f"RELANCE_RATE_SOURCES__{key.upper()}", url)
        yield server


def relance(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def stored(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*"))} if folder.exists() else {}


def test_the_help_states_both_formats(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = relance(capsys, "rates", "import", "--help")
    assert code == 0
    for words in ("date,rate,source", "rate_a", "YYYY-07-01", "valid_until", "line"):
        assert words in out, words


def test_a_csv_adds_the_next_half_year_as_a_new_version(
    rates: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "de_base_rate.csv"
    csv.write_text(
        "date,rate,source\n"
        "2026-07-01,1.27,https://www.bundesbank.de/basiszinssatz (Bekanntgabe 2026-06-30)\n",
        encoding="utf-8",
    )
    code, out, err = relance(capsys, "--json", "rates", "import", str(csv))
    assert code == 0, err
    done = json.loads(out)
    assert done["table"] == "de_base_rate" and done["to"] == "2026-12-31"
    tables = RateTables(rates)
    de = tables["de_base_rate"]
    assert de.at(date(2026, 9, 1))["value"] == Decimal("1.27")
    assert de.at(date(2026, 9, 1)).source.endswith("(Bekanntgabe 2026-06-30)")
    assert de.at(date(2026, 3, 1)).source.startswith("Bundesbank notice of 1 Jan 2026")  # kept
    code, out, _ = relance(
        capsys,
        "claim",
        "--principal", "1000", "--due", "2026-08-31", "--as-of", "2026-09-30",
        "--jurisdiction", "DE", "--currency", "EUR", "--json",
    )  # fmt: skip
    assert code == 0
    # BGB § 288(2): base rate 1.27 + 9 points, 1-30 September 2026: 30 days
    assert json.loads(out)["periods"][0]["rate"] == "10.27"


def test_the_french_legal_rate_takes_both_rates_and_ecb_changes_a_valid_until(
    rates: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fr = tmp_path / "fr.csv"
    fr.write_text(
        "date,rate_a,rate_b,source\n2026-07-01,6.50,2.50,arrêté (placeholder for a test)\n",
        encoding="utf-8",
    )
    code, _, err = relance(capsys, "rates", "import", str(fr), "--table", "fr_legal_rate")
    assert code == 0, err
    period = RateTables(rates)["fr_legal_rate"].at(date(2026, 8, 1))
    assert period.values == {"a": Decimal("6.50"), "b": Decimal("2.50")}
    ecb = tmp_path / "ecb_mro.csv"
    ecb.write_text("date,rate,source\n2025-06-11,2.15,ECB press release\n", encoding="utf-8")
    code, _, err = relance(capsys, "rates", "import", str(ecb), "--valid-until", "2026-07-15")
    assert code == 0, err
    table = RateTables(rates)["ecb_mro"]
    assert table.periods[-1].end == date(2026, 7, 15)
    assert table.at(date(2026, 7, 1))["value"] == Decimal("2.15")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("date,rate,source\n2026-07-01,1.27,x\n2026-13-01,1.5,x\n", "line 3, column 'date'"),
        ("date,rate,source\n2026-07-01,1,27,x\n", "line 2: 4 values"),
        ("date,rate\n2026-07-01,1.27\n", "line 1: the header line has no column source"),
        ("date,rate,source\n2026-08-01,1.27,x\n", "line 2, column 'date': 2026-08-01 is not"),
        ("date,rate,source\n2026-07-01,1.27%,x\n", "line 2, column 'rate': '1.27%'"),
        ("date,rate,source\n2026-07-01,127,x\n", "not a plausible rate"),
        ("date,rate,source\n2026-07-01,1.27,\n", "line 2, column 'source': no source"),
        ("date,rate,source\n2025-07-01,1.27,x\n2026-07-01,1.27,x\n", "line 3, column 'date'"),
        ("date,rate,source\n", "no value in the file"),
    ],
)
def test_a_bad_csv_names_the_line_and_stores_nothing(
    rates: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str,
    words: str,
) -> None:
    relance(capsys, "rates", "import", str(_good_csv(tmp_path)))  # something stored already
    before = stored(rates)
    bad = tmp_path / "de_base_rate.csv"
    bad.write_text(content, encoding="utf-8")
    code, out, err = relance(capsys, "rates", "import", str(bad))
    assert code == 5 and words in err, err
    assert "nothing" in err and out == ""
    assert stored(rates) == before


def _good_csv(tmp_path: Path) -> Path:
    good = tmp_path / "good" / "uk_reference_rate.csv"
    good.parent.mkdir(exist_ok=True)
    good.write_text("date,rate,source\n2026-01-01,3.75,Bank of England\n", encoding="utf-8")
    return good


def test_a_bad_toml_names_the_line_of_the_entry(
    rates: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (SHIPPED / "fr_legal_rate.toml").read_text(encoding="utf-8")
    broken = text.replace('version = "2026-H1"', 'version = "2026-H2"').replace(
        'start = "2013-01-01"', 'start = "2013-01-32"'
    )
    bad = tmp_path / "fr.toml"
    bad.write_text(broken, encoding="utf-8")
    line = 1 + broken.splitlines().index(next(x for x in broken.splitlines() if "2013-01-32" in x))
    code, _, err = relance(capsys, "rates", "import", str(bad))
    assert code == 5 and f"line {line}" in err and "2013-01-32" in err, err
    assert stored(rates) == {}


def test_an_import_is_never_written_over_and_an_older_version_is_refused(
    rates: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    newer = tmp_path / "ecb_mro.toml"
    text = (SHIPPED / "ecb_mro.toml").read_text(encoding="utf-8")
    newer.write_text(text.replace('version = "2026-02"', 'version = "2026-03"'), encoding="utf-8")
    assert relance(capsys, "rates", "import", str(newer))[0] == 0
    first = stored(rates)
    code, _, err = relance(capsys, "rates", "import", str(newer))
    assert code == 3 and "not newer than the 2026-03 in use" in err
    assert stored(rates) == first


def test_update_says_per_source_what_it_did(
    rates: Path, sources: RateSources, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = relance(capsys, "rates", "update")
    assert code == 0, err
    assert "updated ecb_mro (ECB Data Portal)" in out
    assert "not configured fr_legal_rate" in out and "webstat_api_key" in out
    assert "updated uk_reference_rate (Bank of England)" in out
    sources.fail("boe", 503)
    code, out, _ = relance(capsys, "--json", "rates", "update")
    report = json.loads(out)
    assert code == 0 and report["ok"] is True
    status = {s["table"]: s["status"] for s in report["sources"]}
    assert status == {
        "ecb_mro": "unchanged",
        "fr_legal_rate": "not configured",
        "de_base_rate": "unchanged",
        "uk_reference_rate": "failed",
    }


def test_update_with_nothing_reachable_fails_and_says_which(
    rates: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("ECB_URL", "BOE_URL", "BUNDESBANK_URL"):
        monkeypatch.setenv(f"RELANCE_RATE_SOURCES__{key}", "http://127.0.0.1:9")  # discard port
    monkeypatch.setenv("RELANCE_RATE_SOURCES__TIMEOUT_SECONDS", "2")
    code, out, err = relance(capsys, "rates", "update")
    assert code == 4
    assert "failed ecb_mro (ECB Data Portal)" in out and "unreachable" in out
    assert "no rate table could be updated (ecb_mro, fr_legal_rate, de_base_rate, " in err
    code, out, _ = relance(capsys, "rates", "update", "--json")
    assert code == 4 and json.loads(out)["ok"] is False
    assert stored(rates) == {}


def test_show_gives_each_tables_coverage(rates: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = relance(capsys, "--json", "rates", "show")
    assert code == 0
    coverage = {t["name"]: t["coverage"] for t in json.loads(out)}
    assert coverage["fr_legal_rate"]["first"] == "2012-01-01"
    assert coverage["fr_legal_rate"]["last"] == "2026-06-30"
    uk = coverage["uk_reference_rate"]
    assert (uk["first"], uk["last"], uk["gaps"]) == ("2012-01-01", "2026-12-31", [])
    de = coverage["de_base_rate"]
    assert de["last"] == "2026-06-30"
    assert de["gaps"] == [{"start": "2024-07-01", "end": "2024-12-31", "why": "unconfirmed"}]
    code, out, _ = relance(capsys, "rates", "show", "--coverage")
    assert "Rate tables: coverage" in out and "2026-H1" in out
