"""Which days the tables cover for a jurisdiction's notices, on fixed dates (the shipped
tables end on 30 June 2026; the German base rate of 2024-H2 is not confirmed)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from connector.legal import RateTables
from connector.legal.coverage import NEEDS, check_tenants, days_covered, gaps
from connector.legal.rate_files import import_csv


def test_a_gap_is_seen_a_week_before_the_first_notice_without_a_figure() -> None:
    tables = RateTables(None)
    assert gaps(tables, "FR", date(2026, 6, 20)) == []  # 20-27 June: covered
    found = gaps(tables, "FR", date(2026, 6, 25))
    assert [(g.table, g.first_day, g.covered_until) for g in found] == [
        ("ecb_mro", date(2026, 7, 1), date(2026, 6, 30)),
        ("fr_legal_rate", date(2026, 7, 1), date(2026, 6, 30)),
    ]
    assert "from 2026-07-01" in found[0].sentence()
    assert "relance rates update" in found[0].sentence()
    (de,) = gaps(tables, "de", date(2026, 6, 25))
    assert de.table == "de_base_rate"
    (unconfirmed,) = gaps(tables, "DE", date(2024, 8, 1))  # 2024-H2 is not confirmed
    assert unconfirmed.covered_until is None and unconfirmed.first_day == date(2024, 8, 1)
    assert "does not cover today" in unconfirmed.sentence()
    assert gaps(tables, "UK", date(2026, 3, 1)) == []  # 2026-H1: Bank Rate of 31 Dec 2025


def test_days_covered_reads_each_table_on_the_day_the_law_reads_it() -> None:
    tables = RateTables(None)
    ecb_read = dict(NEEDS["FR"])["ecb_mro"]
    assert days_covered(tables, "ecb_mro", ecb_read, date(2026, 6, 1)) == 30
    # the ECB rate of a half-year is the one in force on its first day: 1 July is not known
    assert days_covered(tables, "ecb_mro", ecb_read, date(2026, 7, 1)) == 0
    assert days_covered(tables, "uk_reference_rate", lambda d: d, date(2026, 12, 1)) == 31


def test_a_half_year_imported_closes_the_gap(tmp_path: Path) -> None:
    tables = RateTables(tmp_path / "rates")
    csv = tmp_path / "de.csv"
    csv.write_text("date,rate,source\n2026-07-01,1.27,test value\n", encoding="utf-8")
    table, text = import_csv(
        tables, csv, table_name="de_base_rate", version="2026-06-26", valid_until=date(2026, 6, 26)
    )
    tables.keep(table, text, csv)
    assert gaps(RateTables(tmp_path / "rates"), "DE", date(2026, 6, 25)) == []


def test_the_daily_check_of_several_tenants() -> None:
    check = check_tenants(
        RateTables(None),
        {
            "acme": ("FR", date(2026, 6, 28)),
            "berlin": ("DE", date(2026, 6, 1)),
            "x": ("BE", date(2026, 6, 1)),
        },
    )
    assert check.days == {"ecb_mro": 3, "fr_legal_rate": 3, "de_base_rate": 30}
    assert [(slug, g.table) for slug, g in check.gaps] == [
        ("acme", "ecb_mro"),
        ("acme", "fr_legal_rate"),
    ]
