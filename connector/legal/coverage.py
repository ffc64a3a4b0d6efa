"""Which tables a jurisdiction's notices read, and whether they cover a day.

A notice written on day D reads, for its interest: the ECB rate in force on the first day of
D's half-year (FR, BE, ES, EU), the French legal rate on D (FR: consumers, the contract-rate
floor), the Basiszinssatz of D's half-year (DE), the UK reference rate of the half-year the
interest started in (UK; for a debt falling due now, D's). A table covers D when a confirmed
value applies on the day it is read for D. ``gaps`` looks a few days ahead, so the daemon
warns before the first notice goes out without a figure, not after.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from connector.legal.rates import MissingRate, RateTables, half_year_start

__all__ = ["NEEDS", "Gap", "RateCheck", "check_tenants", "days_covered", "gaps"]


def _same_day(day: date) -> date:
    return day


NEEDS: dict[str, tuple[tuple[str, Callable[[date], date]], ...]] = {
    "FR": (("ecb_mro", half_year_start), ("fr_legal_rate", _same_day)),
    "EU": (("ecb_mro", half_year_start),),
    "BE": (("ecb_mro", half_year_start),),
    "ES": (("ecb_mro", half_year_start),),
    "DE": (("de_base_rate", half_year_start),),
    "UK": (("uk_reference_rate", _same_day),),
}


@dataclass(frozen=True, slots=True)
class Gap:
    table: str
    first_day: date  # the first day a notice would be written without that table's figure
    version: str
    covered_until: date | None  # the last day covered before it (None: not even today)

    def sentence(self) -> str:
        until = (
            f"covers notices until {self.covered_until}"
            if self.covered_until
            else "does not cover today"
        )
        return (
            f"rate table {self.table} (version {self.version}) {until}: a notice written from "
            f"{self.first_day} has no interest figure and waits for a person; run `relance "
            "rates update` (or `relance rates import FILE`)"
        )


def days_covered(tables: RateTables, table: str, read: Callable[[date], date], today: date) -> int:
    """How many days from ``today`` on (today included) notices find the table's value."""
    days, day = 0, today
    try:
        found = tables[table]
    except MissingRate:
        return 0
    while days < 400 and found.covers(read(day)):
        days += 1
        day += timedelta(days=1)
    return days


def gaps(tables: RateTables, jurisdiction: str, today: date, *, ahead: int = 7) -> list[Gap]:
    """The tables a jurisdiction's notices need that leave a day from ``today`` to
    ``today + ahead`` without a figure."""
    found: list[Gap] = []
    for name, read in NEEDS.get(jurisdiction.upper(), ()):
        covered = days_covered(tables, name, read, today)
        if covered > ahead:
            continue
        version = tables[name].version if tables.get(name) else "none"
        first = today + timedelta(days=covered)
        last = first - timedelta(days=1) if covered else None
        found.append(Gap(name, first, version, last))
    return found


@dataclass(frozen=True, slots=True)
class RateCheck:
    days: dict[str, int]  # table -> days covered from the earliest tenant's today
    gaps: list[tuple[str, Gap]]  # (tenant, gap)


def check_tenants(
    tables: RateTables, tenants: Mapping[str, tuple[str, date]], *, ahead: int = 7
) -> RateCheck:
    """The daemon's daily check: for each tenant (slug -> (jurisdiction, its today)), the
    tables its notices read that leave a day of the next ``ahead`` without a figure."""
    days: dict[str, int] = {}
    found: list[tuple[str, Gap]] = []
    for slug, (jurisdiction, today) in sorted(tenants.items()):
        for name, read in NEEDS.get(jurisdiction.upper(), ()):
            covered = days_covered(tables, name, read, today)
            days[name] = min(days.get(name, covered), covered)
        found.extend((slug, gap) for gap in gaps(tables, jurisdiction, today, ahead=ahead))
    return RateCheck(days, found)
