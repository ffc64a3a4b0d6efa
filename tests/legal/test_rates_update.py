"""`relance rates update` against the four official series served on loopback, from bodies
built by hand in each publisher's documented format (tests/fixtures/rates/README.md).

Real connections to a real server; what each source answers (a body, a status, nothing at
all) is the only thing a test changes.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from pydantic import SecretStr

from connector.clock import FrozenClock
from connector.legal import InvoiceDebt, MissingRate, RateTables, assess
from connector.legal.rate_feeds import (
    FeedError,
    parse_boe_csv,
    parse_sdmx_csv,
    parse_webstat_json,
    tidy,
)
from connector.legal.rate_update import UpdateReport, update_tables
from connector.money import Money
from connector.settings import RateSourcesConfig
from tests.emulators.rate_sources import FIXTURES, WEBSTAT_KEY, RateSources, serving

TODAY = date(2026, 12, 2)


@pytest.fixture
def sources() -> Iterator[RateSources]:
    with serving() as server:
        yield server


def config(server: RateSources, **overrides: object) -> RateSourcesConfig:
    values: dict[str, object] = {
        **server.base_urls(),
        "webstat_api_key": SecretStr(WEBSTAT_KEY),
        "fr_legal_series_a": "TEST.LEGAL.PRIVATE",
        "fr_legal_series_b": "TEST.LEGAL.OTHER",
        "timeout_seconds": 5.0,
        **overrides,
    }
    return RateSourcesConfig.model_validate(values)


def closed_port() -> str:
    """An address where nothing listens: the connection is refused, as offline."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def run(folder: Path, cfg: RateSourcesConfig, only: str | None = None) -> UpdateReport:
    return update_tables(RateTables(folder), cfg, clock=FrozenClock.on(TODAY), only=only)


def by_table(report: UpdateReport) -> dict[str, str]:
    return {o.table: o.status for o in report.outcomes}


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*"))}


def cents(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )


def test_every_source_is_fetched_and_kept_as_a_new_version_beside_what_was_there(
    sources: RateSources, tmp_path: Path
) -> None:
    folder = tmp_path / "rates"
    folder.mkdir()
    mine = folder / "de_base_rate.toml"  # a table the user imported earlier: kept as it is
    mine.write_text(
        (Path(__file__).parents[2] / "connector/legal/tables/de_base_rate.toml")
        .read_text(encoding="utf-8")
        .replace('version = "2026-H1"', 'version = "2026-03"'),
        encoding="utf-8",
    )
    before = mine.read_bytes()
    report = run(folder, config(sources))
    assert by_table(report) == dict.fromkeys(
        ("ecb_mro", "fr_legal_rate", "de_base_rate", "uk_reference_rate"), "updated"
    )
    assert mine.read_bytes() == before
    assert len(list(folder.glob("*.toml"))) == 5  # the user's file and one new version each

    tables = RateTables(folder)
    version = "2026-12-02T09:00:00+00:00"  # 10:00 in Paris
    assert {t.name: t.version for t in tables.all()} == dict.fromkeys(
        ("de_base_rate", "ecb_mro", "fr_legal_rate", "uk_reference_rate"), version
    )
    # ECB: the changes up to the day of retrieval; the rate in force on 1 July 2026 is read
    ecb = tables["ecb_mro"]
    assert ecb.at(date(2026, 7, 1))["value"] == Decimal("2.15")
    assert ecb.periods[-1].end == TODAY
    assert ecb.at(date(2026, 7, 1)).retrieved == TODAY
    assert ecb.at(date(2026, 7, 1)).source.startswith(f"{sources.origin}/ecb/service/data/FM/")
    # UK: the Bank Rate on 31 December 2025 (3.75 since 18 December) for January-June 2026
    assert tables["uk_reference_rate"].at(date(2026, 3, 1))["value"] == Decimal("3.75")
    assert tables["uk_reference_rate"].at(date(2024, 9, 1))["value"] == Decimal("5.25")
    assert tables["uk_reference_rate"].at(date(2024, 9, 1)).confirmed
    # DE: the value set for each half-year; what the source did not give stays
    de = tables["de_base_rate"]
    assert de.at(date(2023, 8, 1))["value"] == Decimal("3.12") and de.at(date(2023, 8, 1)).confirmed
    assert de.periods[-1].end == date(2026, 12, 31)
    # FR: both rates of each half-year the series give; 2012-2024 stay with their arrêtés
    fr = tables["fr_legal_rate"]
    assert fr.at(date(2026, 2, 1)).values == {"a": Decimal("6.67"), "b": Decimal("2.62")}
    assert fr.at(date(2026, 2, 1)).source.startswith(sources.origin)
    assert fr.at(date(2020, 2, 1)).source.startswith("arrêté du 23 décembre 2019")


def test_a_notice_dated_today_finds_its_rate_once_the_tables_are_updated(
    sources: RateSources, tmp_path: Path
) -> None:
    debt = InvoiceDebt("F-1", Money.of("1000", "EUR"), date(2026, 10, 1))
    with pytest.raises(MissingRate, match="covers 2011-12-14 to 2026-06-30"):
        assess([debt], as_of=TODAY, tables=RateTables(tmp_path / "rates"))
    run(tmp_path / "rates", config(sources))
    (claim,) = assess([debt], as_of=TODAY, tables=RateTables(tmp_path / "rates")).invoices
    # L441-10: ECB rate in force on 1 July 2026 (2.15) + 10 points, 2 Oct to 2 Dec: 62 days
    assert [p.rate for p in claim.periods] == [Decimal("12.15")]
    assert claim.interest == Money.of(
        cents(Fraction(1000) * Fraction("0.1215") * Fraction(62, 365)), "EUR"
    )


def test_a_second_update_with_nothing_new_writes_nothing(
    sources: RateSources, tmp_path: Path
) -> None:
    folder = tmp_path / "rates"
    run(folder, config(sources))
    written = files(folder)
    again = run(folder, config(sources))
    assert set(by_table(again).values()) == {"unchanged"}
    assert files(folder) == written


def test_an_offline_source_is_reported_and_its_table_kept(
    sources: RateSources, tmp_path: Path
) -> None:
    report = run(tmp_path / "rates", config(sources, ecb_url=closed_port()))
    assert by_table(report) == {
        "ecb_mro": "failed",
        "fr_legal_rate": "updated",
        "de_base_rate": "updated",
        "uk_reference_rate": "updated",
    }
    (ecb,) = [o for o in report.outcomes if o.table == "ecb_mro"]
    assert "unreachable" in ecb.message and "kept as it was" in ecb.message
    assert report.any_ok
    assert RateTables(tmp_path / "rates")["ecb_mro"].version == "2026-02"  # the shipped one


@pytest.mark.parametrize(
    ("publisher", "table", "status", "body", "words"),
    [
        ("ecb", "ecb_mro", 404, b"<html>No results found</html>", "HTTP 404"),
        ("boe", "uk_reference_rate", 503, b"<html>Service unavailable</html>", "HTTP 503"),
        ("bundesbank", "de_base_rate", 200, b"<html><body>Wartung</body></html>", "format"),
        ("ecb", "ecb_mro", 200, b"KEY,TIME_PERIOD,OBS_VALUE\nFM.B,2024-01-01,abc\n", "abc"),
        ("boe", "uk_reference_rate", 200, b"DATE,IUDBEDR\n2024-01-02,5.25\n", "02 Jan 2026"),
        ("webstat", "fr_legal_rate", 200, b'{"error": "quota"}', "not a list"),
    ],
)
def test_a_source_that_refuses_or_sends_something_else_changes_nothing(
    sources: RateSources,
    tmp_path: Path,
    publisher: str,
    table: str,
    status: int,
    body: bytes,
    words: str,
) -> None:
    sources.fail(publisher, status, body)
    report = run(tmp_path / "rates", config(sources), only=table)
    (outcome,) = report.outcomes
    assert outcome.status == "failed" and words in outcome.message, outcome.message
    assert not report.any_ok
    assert not (tmp_path / "rates").exists()  # nothing written


def test_webstat_without_its_key_is_refused_and_the_key_never_shows(
    sources: RateSources, tmp_path: Path
) -> None:
    report = run(tmp_path / "rates", config(sources, webstat_api_key=SecretStr("wrong-key")))
    (fr,) = [o for o in report.outcomes if o.table == "fr_legal_rate"]
    assert fr.status == "failed" and "HTTP 401" in fr.message
    assert "wrong-key" not in repr(report)
    asked = [headers for path, _, headers in sources.seen if path.startswith("/webstat/")]
    assert asked and asked[0]["Authorization"] == "Apikey wrong-key"  # in a header, not the URL
    unset = run(tmp_path / "other", config(sources, webstat_api_key=None), only="fr_legal_rate")
    assert by_table(unset) == {"fr_legal_rate": "not configured"}


def test_the_requests_ask_for_the_documented_formats(sources: RateSources, tmp_path: Path) -> None:
    run(tmp_path / "rates", config(sources))
    asked = {path.split("/")[1]: (query, headers) for path, query, headers in sources.seen}
    assert asked["ecb"][0]["format"] == ["csvdata"]
    assert asked["boe"][0]["SeriesCodes"] == ["IUDBEDR"] and asked["boe"][0]["CSVF"] == ["TN"]
    assert asked["bbk"][1]["Accept"].startswith("application/vnd.sdmx.data+csv")
    assert asked["webstat"][0]["where"] == [
        'series_key IN ("TEST.LEGAL.PRIVATE", "TEST.LEGAL.OTHER")'
    ]


def test_a_monthly_series_without_the_new_half_year_does_not_lend_it_the_last_value(
    sources: RateSources, tmp_path: Path
) -> None:
    lines = (FIXTURES / "bundesbank_su0115.csv").read_text(encoding="utf-8").splitlines()
    body = "\n".join(line for line in lines if line.split(",")[2] <= "2026-06")  # header: T…
    sources.fail("bundesbank", 200, body.encode())
    run(tmp_path / "rates", config(sources), only="de_base_rate")
    de = RateTables(tmp_path / "rates")["de_base_rate"]
    assert de.periods[-1].end == date(2026, 6, 30)  # 2026-H2 is not published in that body
    with pytest.raises(MissingRate):
        de.at(date(2026, 7, 1))


def test_a_series_of_change_days_carries_the_rate_over_half_years_without_a_change(
    sources: RateSources, tmp_path: Path
) -> None:
    body = (
        "DATAFLOW;BBK_STD_TSID;TIME_PERIOD;OBS_VALUE\n"
        "BBK:BBK01(1.0);SU0115;2015-01-01;-0.83\n"
        "BBK:BBK01(1.0);SU0115;2016-07-01;-0.88\n"
        "BBK:BBK01(1.0);SU0115;2023-01-01;1.62\n"
        "BBK:BBK01(1.0);SU0115;2023-07-01;3.12\n"
        "BBK:BBK01(1.0);SU0115;2024-01-01;3.62\n"
        "BBK:BBK01(1.0);SU0115;2024-07-01;3.37\n"
        "BBK:BBK01(1.0);SU0115;2025-01-01;2.27\n"
        "BBK:BBK01(1.0);SU0115;2025-07-01;1.27\n"
    )
    sources.fail("bundesbank", 200, body.encode())
    run(tmp_path / "rates", config(sources), only="de_base_rate")
    de = RateTables(tmp_path / "rates")["de_base_rate"]
    # unchanged on 1 January and 1 July 2026: no new day, the 1.27 of July 2025 holds
    assert de.at(date(2026, 8, 1))["value"] == Decimal("1.27")
    assert de.at(date(2019, 8, 1))["value"] == Decimal("-0.88")
    # the fetched values from 2015 on; the shipped ones of 2012-2014 before them
    assert de.coverage().first == date(2012, 1, 1)
    assert de.at(date(2015, 2, 1)).retrieved is not None
    assert de.at(date(2014, 2, 1)).retrieved is None


def test_a_series_that_may_lag_is_not_extended_and_says_so(
    sources: RateSources, tmp_path: Path
) -> None:
    """One value a half-year, every half-year: a half-yearly series not yet at 2026, or one
    of change days. Nothing says which, so 2026 is left to a person (never guessed)."""
    body = "TIME_PERIOD,OBS_VALUE\n2025-01-01,2.27\n2025-07-01,1.27\n"
    sources.fail("bundesbank", 200, body.encode())
    report = run(tmp_path / "rates", config(sources), only="de_base_rate")
    assert report.outcomes[0].status == "failed"
    assert "no value the law reads" in report.outcomes[0].message


def test_the_uk_half_year_waits_for_its_day_of_reference(
    sources: RateSources, tmp_path: Path
) -> None:
    lines = (FIXTURES / "boe_iudbedr.csv").read_text(encoding="utf-8").splitlines()
    cut = lines.index("29 Jun 2026,3.7500")  # a Monday; 30 June is not in the body yet
    sources.fail("boe", 200, "\n".join(lines[: cut + 1]).encode())
    run(tmp_path / "rates", config(sources), only="uk_reference_rate")
    uk = RateTables(tmp_path / "rates")["uk_reference_rate"]
    assert uk.at(date(2026, 1, 10))["value"] == Decimal("3.75")
    assert uk.at(date(2026, 1, 10)).retrieved is not None  # read from the series
    # July-December needs 30 June's rate: the fetch does not make it up, the shipped value
    # (from the decision of 18 June 2026) stays
    assert uk.at(date(2026, 8, 1)).retrieved is None


def test_the_parsers_read_columns_by_name_and_refuse_what_they_cannot_read() -> None:
    full = (
        'OBS_VALUE,KEY,TITLE,TIME_PERIOD\n2.15,FM.B,"Main refinancing operations, fixed",'
        "2025-06-11\n,FM.B,gap,2025-07-01\n"
    )
    assert parse_sdmx_csv(full) == [(date(2025, 6, 11), Decimal("2.15"))]
    assert parse_sdmx_csv("TIME_PERIOD;OBS_VALUE\n2026-S2;1,27\n".replace("1,27", "1.27")) == [
        (date(2026, 7, 1), Decimal("1.27"))
    ]
    with pytest.raises(FeedError, match="two observations for 2025-06-11"):
        parse_sdmx_csv("TIME_PERIOD,OBS_VALUE\n2025-06-11,2.15\n2025-06-11,2.40\n")
    with pytest.raises(FeedError, match="no observation"):
        parse_sdmx_csv("TIME_PERIOD,OBS_VALUE\n")
    with pytest.raises(FeedError, match="not a rate in percent"):
        parse_sdmx_csv("TIME_PERIOD,OBS_VALUE\n2025-06-11,215\n")
    assert parse_boe_csv("DATE,IUDBEDR\n18 Dec 2025,3.7500\n") == [
        (date(2025, 12, 18), Decimal("3.75"))
    ]
    with pytest.raises(FeedError, match="not the IADB CSV"):
        parse_boe_csv("<!DOCTYPE html><title>Error</title>")
    with pytest.raises(FeedError, match="not JSON"):
        parse_webstat_json("<html>", "X")
    assert [str(tidy(Decimal(v))) for v in ("3.7500", "0.5", "-0.88", "3.125", "0")] == [
        "3.75",
        "0.50",
        "-0.88",
        "3.125",
        "0.00",
    ]


def test_versions_of_a_day_sort_after_the_half_year_versions_shipped() -> None:
    from connector.legal.rates import version_key

    assert version_key("2026-12-02T09:00:00+00:00") > version_key("2026-H2")
    assert version_key("2026-H2") > version_key("2026-06") > version_key("2026-H1")
    assert version_key("2099-01") > version_key("2026-12-02")
    assert version_key("draft") < version_key("2012-01")
