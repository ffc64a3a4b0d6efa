"""The official series, as their publishers send them, and the values the law reads in them.

Each parser takes the body of one response and returns its observations, (day, percent),
in date order, or raises :class:`FeedError` saying what is wrong with it. The formats:

* **ECB Data Portal** (``format=csvdata``): SDMX-CSV as the ECB writes it, a header line
  naming the columns (``KEY,FREQ,…,TIME_PERIOD,OBS_VALUE,…``), then one observation a
  line. Documented at https://data.ecb.europa.eu/help/api/data. The series
  ``FM.B.U2.EUR.4F.KR.MRR_FR.LEV`` holds the fixed rate of the main refinancing operations
  on the days it changed.
* **Bank of England IADB** (``_iadb-fromshowcolumns.asp?csv.x=yes&CSVF=TN``): a header
  ``DATE,IUDBEDR`` then ``02 Jan 2026,3.75``, one line per day the series has a value.
  Documented at https://www.bankofengland.co.uk/boeapps/database/Help.asp.
* **Bundesbank SDMX Web Service** (``/rest/data/BBK01/SU0115?format=sdmx_csv``): SDMX-CSV
  1.0 (https://github.com/sdmx-twg/sdmx-csv, v1.0 field guide), a header line whose
  columns include ``TIME_PERIOD`` and ``OBS_VALUE``; the Bundesbank also writes it with
  ``;`` between values, which is read too. Documented at
  https://www.bundesbank.de/en/statistics/time-series-databases/help-for-sdmx-web-service.
* **Banque de France Webstat** (``/catalog/datasets/observations/exports/json``): a JSON
  array of objects with ``series_key``, ``time_period_start`` and ``obs_value``.
  Documented at https://webstat.banque-france.fr/en/pages/guide-migration-api/.

Then what the law reads in a series, per half-year (``half_years``): the value in force on
a day of reference before the half-year (1 January / 1 July for the ECB rate and the
Basiszinssatz; 31 December / 30 June, the day before, for the UK reference rate).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from itertools import pairwise

from connector.legal.rates import RatePeriod, half_year_end, half_year_start

__all__ = [
    "FeedError",
    "Observation",
    "changes",
    "day_before",
    "half_years",
    "parse_boe_csv",
    "parse_ecb_csv",
    "parse_sdmx_csv",
    "parse_webstat_json",
    "set_for_half_year",
]

Observation = tuple[date, Decimal]


class FeedError(ValueError):
    """A response that is not what its publisher documents (an error page, a truncated body,
    a changed format): nothing of it is used."""


def _value(text: str, where: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise FeedError(f"{where}: {text.strip()[:20]!r} is not a number") from None
    if not value.is_finite() or abs(value) >= 100:
        raise FeedError(f"{where}: {text.strip()[:20]!r} is not a rate in percent")
    return tidy(value)


def tidy(value: Decimal) -> Decimal:
    """As rates are published: two decimals at least, no trailing zero beyond (3.7500 and
    3.75 are 3.75, 0.5 is 0.50, 3.125 stays)."""
    value = value.normalize()
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        value = value.quantize(Decimal("0.01"))
    return value


_SEMESTER = re.compile(r"^(\d{4})-S([12])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _period_start(text: str, where: str) -> date:
    """The first day of an SDMX time period: 2026-07-01, 2026-07, 2026-S2, 2026-Q3, 2026."""
    text = text.strip()
    try:
        if match := _SEMESTER.match(text):
            return date(int(match[1]), 1 if match[2] == "1" else 7, 1)
        if match := _QUARTER.match(text):
            return date(int(match[1]), 3 * int(match[2]) - 2, 1)
        if match := _MONTH.match(text):
            return date(int(match[1]), int(match[2]), 1)
        if text.isdigit() and len(text) == 4:
            return date(int(text), 1, 1)
        return date.fromisoformat(text[:10])
    except ValueError:
        raise FeedError(f"{where}: {text[:20]!r} is not a time period") from None


def _sorted(found: list[Observation], what: str) -> list[Observation]:
    if not found:
        raise FeedError(f"no observation in the {what} response")
    found.sort()
    for (a, _), (b, _) in pairwise(found):
        if a == b:
            raise FeedError(f"two observations for {a} in the {what} response")
    return found


def parse_sdmx_csv(body: str, what: str = "SDMX-CSV") -> list[Observation]:
    """SDMX-CSV by column name (wherever TIME_PERIOD and OBS_VALUE sit); ',' or ';'."""
    text = body.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        raise FeedError(f"the {what} response is empty")
    header = [h.strip().upper() for h in rows[0]]
    if "TIME_PERIOD" not in header or "OBS_VALUE" not in header:
        raise FeedError(
            f"the {what} response has no TIME_PERIOD and OBS_VALUE columns (it starts "
            f"{first[:40]!r})"
        )
    when, value = header.index("TIME_PERIOD"), header.index("OBS_VALUE")
    found: list[Observation] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(when, value):
            raise FeedError(f"{what} line {number}: {len(row)} columns, the header has more")
        if not row[value].strip() or row[value].strip().upper() == "NAN":
            continue  # a period without a value (a gap the publisher marks): not an observation
        where = f"{what} line {number}"
        found.append((_period_start(row[when], where), _value(row[value], where)))
    return _sorted(found, what)


def parse_ecb_csv(body: str) -> list[Observation]:
    return parse_sdmx_csv(body, "ECB")


_BOE_DAY = re.compile(r"^(\d{1,2}) ([A-Za-z]{3}) (\d{4})$")
_MONTHS = {
    m: n
    for n, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}


def parse_boe_csv(body: str) -> list[Observation]:
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    if not rows or [c.strip().upper() for c in rows[0][:2]] != ["DATE", "IUDBEDR"]:
        start = body.strip()[:40]
        raise FeedError(f"the Bank of England response is not the IADB CSV (it starts {start!r})")
    found: list[Observation] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"Bank of England line {number}"
        if len(row) < 2:
            raise FeedError(f"{where}: no value")
        match = _BOE_DAY.match(row[0].strip())
        month = _MONTHS.get(match[2].lower()) if match else None
        try:
            day = date(int(match[3]), month, int(match[1])) if match and month else None
        except ValueError:
            day = None
        if day is None:
            raise FeedError(f"{where}: {row[0].strip()[:20]!r} is not a date like 02 Jan 2026")
        if row[1].strip():
            found.append((day, _value(row[1], where)))
    return _sorted(found, "Bank of England")


def parse_webstat_json(body: str, series: str) -> list[Observation]:
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        raise FeedError("the Banque de France response is not JSON") from None
    if not isinstance(data, list):
        raise FeedError("the Banque de France response is not a list of observations")
    found: list[Observation] = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise FeedError(f"Banque de France observation {number} is not an object")
        if item.get("series_key") != series:
            continue
        where = f"Banque de France observation {number}"
        raw, start = item.get("obs_value"), item.get("time_period_start")
        if raw is None or start is None:
            raise FeedError(f"{where}: no obs_value or time_period_start")
        found.append((_period_start(str(start), where), _value(str(raw), where)))
    return _sorted(found, f"Banque de France {series}")


def in_force(
    observations: Sequence[Observation], day: date, max_age: timedelta | None = None
) -> Decimal | None:
    """The value of the last observation on or before ``day`` (None: none before it, or
    the last one is older than ``max_age``: a series that stopped is not read as current)."""
    found: Observation | None = None
    for observation in observations:
        if observation[0] > day:
            break
        found = observation
    if found is None or (max_age is not None and day - found[0] > max_age):
        return None
    return found[1]


def day_before(
    observations: Sequence[Observation], max_age: timedelta
) -> Callable[[date], Decimal | None]:
    """The UK rule: the value on the day before the half-year (31 December, 30 June), from
    the last observation on or before it, if not older than ``max_age``."""
    return lambda start: in_force(observations, start - timedelta(days=1), max_age)


def set_for_half_year(observations: Sequence[Observation]) -> Callable[[date], Decimal | None]:
    """A rate set on 1 January and 1 July for the half-year (BGB § 247): the value of the
    last observation dated within the half-year. A series that carries every period
    (monthly, half-yearly) has one, or the half-year is not published yet; a series of the
    days it changed has none in a half-year it stayed the same, and the value in force
    before is read."""
    starts = {half_year_start(day) for day, _ in observations}
    first, last = min(starts), max(starts)
    span, cursor = 0, first
    while cursor <= last:
        span += 1
        cursor = half_year_end(cursor) + timedelta(days=1)
    every_period = len(starts) == span

    def value(start: date) -> Decimal | None:
        within = [v for day, v in observations if start <= day <= half_year_end(start)]
        if within:
            return within[-1]
        return None if every_period else in_force(observations, start)

    return value


def half_years(
    value_for: Callable[[date], Decimal | None],
    *,
    known_until: date,
    source: str,
    retrieved: date,
    since: date = date(2012, 1, 1),
    reference: Callable[[date], date] = lambda start: start,
) -> list[RatePeriod]:
    """One period per half-year from ``since``, each with ``value_for(its first day)``, for
    every half-year whose day of reference is at most ``known_until`` (a later one is not
    known yet). Only the last unbroken run of half-years is returned (what comes before a
    gap stays as the table had it)."""
    found: list[RatePeriod] = []
    start = since
    while reference(start) <= known_until:
        value = value_for(start)
        if value is None:
            found = []
        else:
            found.append(
                RatePeriod(start, half_year_end(start), {"value": value}, source, True, retrieved)
            )
        start = half_year_end(start) + timedelta(days=1)
    return found


def changes(
    observations: Sequence[Observation], *, source: str, retrieved: date
) -> list[RatePeriod]:
    """The days a rate changed, each a period of one day (the merge gives the ends); the
    same value twice in a row is one change."""
    found: list[RatePeriod] = []
    for when, value in observations:
        if found and found[-1]["value"] == value:
            continue
        found.append(RatePeriod(when, when, {"value": value}, source, True, retrieved))
    return found
