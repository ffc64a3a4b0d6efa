"""``relance rates update``: each table's official series fetched, read, and kept as a new
version of the table in the user's rates folder.

One source per table, each on its own: a source that cannot be reached, refuses (4xx, 5xx)
or sends something that is not its documented format is reported, and its table stays as
it was; the others go on. The values a source gives replace those of the same half-years
(or the same change days) in the version in use, every other value stays with its own
source, and the result is kept as a new version (a file of its own, the version being the
retrieval's time): nothing is written over. A source whose values are already those in use
writes nothing. Every value fetched carries the address it was read from and the day.

What the law reads in each series (see ``connector.legal.rate_feeds`` for the formats):

* ``ecb_mro`` — the ECB Data Portal series FM.B.U2.EUR.4F.KR.MRR_FR.LEV, the MRO fixed rate
  on each day it changed; the table is valid until the day of retrieval (the rate in force
  on 1 January / 1 July is then read from it: FR, BE, ES, EU).
* ``de_base_rate`` — the Bundesbank series BBK01.SU0115 (Basiszinssatz, BGB § 247): the
  value set for each half-year begun by the day of retrieval (see ``set_for_half_year``: a
  series that carries every period and has nothing yet for the current half-year leaves it
  out, rather than reading the last half-year's value as this one's).
* ``uk_reference_rate`` — the Bank of England series IUDBEDR (Bank Rate, daily): the rate on
  31 December for January to June, on 30 June for July to December (SI 2002/1675 art. 4),
  for each half-year whose day of reference the series has reached.
* ``fr_legal_rate`` — the two Banque de France Webstat series of the taux de l'intérêt légal
  (particuliers, autres cas), half-yearly, when an API key and the series keys are set;
  otherwise it is reported as not configured (the arrêté's figures can be imported with
  ``relance rates import``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from connector.clock import Clock, SystemClock
from connector.errors import RelanceError
from connector.http import HttpClient, HttpPolicy
from connector.legal.rate_feeds import (
    FeedError,
    Observation,
    changes,
    day_before,
    half_years,
    parse_boe_csv,
    parse_ecb_csv,
    parse_sdmx_csv,
    parse_webstat_json,
    set_for_half_year,
)
from connector.legal.rate_files import (
    merge_changes,
    merge_periods,
    read_back,
    retrieval_version,
    table_toml,
)
from connector.legal.rates import (
    RatePeriod,
    RateTable,
    RateTables,
    half_year_end,
    half_year_start,
)
from connector.settings import RateSourcesConfig

__all__ = ["SourceOutcome", "UpdateReport", "update_tables"]

log = logging.getLogger(__name__)

ECB_SERIES = "FM/B.U2.EUR.4F.KR.MRR_FR.LEV"
BBK_SERIES = "BBK01/SU0115"
BOE_SERIES = "IUDBEDR"


@dataclass(frozen=True, slots=True)
class SourceOutcome:
    table: str
    source: str  # who publishes it
    status: str  # updated, unchanged, failed, not configured
    message: str
    url: str = ""
    version: str | None = None
    file: str | None = None
    first: date | None = None  # the values the source gave: first and last day
    last: date | None = None
    changes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status in ("updated", "unchanged")


@dataclass
class UpdateReport:
    outcomes: list[SourceOutcome] = field(default_factory=list)

    @property
    def any_ok(self) -> bool:
        return any(o.ok for o in self.outcomes)


@dataclass(frozen=True, slots=True)
class _Fetched:
    url: str
    periods: list[RatePeriod]
    valid_until: date | None = None  # a table of changes: the day it is known to hold until


def _client(name: str, base: str, config: RateSourcesConfig, clock: Clock) -> HttpClient:
    policy = HttpPolicy(
        platform=name,
        rate=2.0,
        burst=2,
        connect_timeout=min(10.0, config.timeout_seconds),
        read_timeout=config.timeout_seconds,
        max_attempts=2,
        max_elapsed=config.timeout_seconds * 3,
        backoff_initial=0.5,
        backoff_max=2.0,
    )
    return HttpClient(policy, base_url=base, tenant="rates", clock=clock)


def _get(
    name: str, base: str, path: str, config: RateSourcesConfig, clock: Clock, **headers: str
) -> tuple[str, str]:
    client = _client(name, base, config, clock)
    try:
        response = client.request("GET", path, headers=headers)
        response.encoding = response.encoding or "utf-8"
        return f"{base.rstrip('/')}/{path.lstrip('/')}", response.text
    finally:
        client.close()


def _ecb(config: RateSourcesConfig, clock: Clock, today: date) -> _Fetched:
    path = f"data/{ECB_SERIES}?" + urlencode(
        {"format": "csvdata", "startPeriod": "2009-01-01", "detail": "dataonly"}
    )
    url, body = _get("ecb", config.ecb_url, path, config, clock)
    observed = parse_ecb_csv(body)
    fresh = changes(observed, source=url, retrieved=today)
    return _Fetched(url, fresh, max(today, fresh[-1].start))


def _boe(config: RateSourcesConfig, clock: Clock, today: date) -> _Fetched:
    query = {
        "csv.x": "yes",
        "Datefrom": "01/Dec/2011",
        "Dateto": "now",
        "SeriesCodes": BOE_SERIES,
        "CSVF": "TN",
        "UsingCodes": "Y",
        "VPD": "Y",
        "VFD": "N",
    }
    path = "_iadb-fromshowcolumns.asp?" + urlencode(query)
    url, body = _get("bank-of-england", config.boe_url, path, config, clock)
    observed = parse_boe_csv(body)
    fresh = half_years(
        # weekends and bank holidays are not a series that stopped: 10 days at most
        day_before(observed, timedelta(days=10)),
        reference=lambda start: start - timedelta(days=1),  # 31 Dec / 30 Jun before it
        known_until=min(today, observed[-1][0]),
        source=url,
        retrieved=today,
    )
    return _Fetched(url, fresh)


def _bundesbank(config: RateSourcesConfig, clock: Clock, today: date) -> _Fetched:
    path = f"data/{BBK_SERIES}?" + urlencode({"format": "sdmx_csv", "lang": "en"})
    url, body = _get(
        "bundesbank",
        config.bundesbank_url,
        path,
        config,
        clock,
        Accept="application/vnd.sdmx.data+csv;version=1.0.0",
    )
    observed = parse_sdmx_csv(body, "Bundesbank")
    fresh = half_years(set_for_half_year(observed), known_until=today, source=url, retrieved=today)
    return _Fetched(url, fresh)


def _webstat(config: RateSourcesConfig, clock: Clock, today: date) -> _Fetched:
    key, a, b = config.webstat_api_key, config.fr_legal_series_a, config.fr_legal_series_b
    assert key is not None and a and b  # checked by the caller
    where = f'series_key IN ("{a}", "{b}")'
    path = "catalog/datasets/observations/exports/json?" + urlencode(
        {"where": where, "order_by": "time_period_start"}
    )
    url, body = _get(
        "banque-de-france",
        config.webstat_url,
        path,
        config,
        clock,
        Authorization=f"Apikey {key.get_secret_value()}",
    )
    private, other = parse_webstat_json(body, a), parse_webstat_json(body, b)
    by_start: dict[date, dict[str, Observation]] = {}
    for letter, series in (("a", private), ("b", other)):
        for observation in series:
            by_start.setdefault(observation[0], {})[letter] = observation
    fresh: list[RatePeriod] = []
    for start in sorted(by_start):
        both = by_start[start]
        if (start.month, start.day) not in ((1, 1), (7, 1)) or len(both) != 2:
            raise FeedError(f"Banque de France: {start} is not a half-year given in both series")
        if fresh and start != fresh[-1].end + timedelta(days=1):
            fresh = []  # only the last unbroken run
        values = {letter: both[letter][1] for letter in ("a", "b")}
        fresh.append(RatePeriod(start, half_year_end(start), values, url, True, today))
    if not fresh:
        raise FeedError("no observation in the Banque de France response")
    return _Fetched(url, fresh)


_Fetch = Callable[[RateSourcesConfig, Clock, date], _Fetched]
SOURCES: tuple[tuple[str, str, _Fetch], ...] = (
    ("ecb_mro", "ECB Data Portal", _ecb),
    ("fr_legal_rate", "Banque de France Webstat", _webstat),
    ("de_base_rate", "Deutsche Bundesbank", _bundesbank),
    ("uk_reference_rate", "Bank of England", _boe),
)


def _describe(current: RateTable, merged: RateTable, fresh: list[RatePeriod]) -> list[str]:
    """What the new version changes, value by value, in words."""
    said: list[str] = []
    for period in fresh:
        before = next((p for p in current.periods if p.start <= period.start <= p.end), None)
        shown = " / ".join(f"{k}={v}" if k != "value" else str(v) for k, v in period.values.items())
        when = str(period.start)
        if before is None:
            said.append(f"{when}: {shown} (new)")
        elif before.values != period.values:
            old = " / ".join(
                f"{k}={v}" if k != "value" else str(v) for k, v in before.values.items()
            )
            said.append(f"{when}: {old} -> {shown}")
        elif not before.confirmed:
            said.append(f"{when}: {shown} confirmed")
    cited = sum(
        1
        for period in fresh
        for before in current.periods
        if before.start <= period.start <= before.end
        and before.values == period.values
        and before.source != period.source
    )
    if cited:
        said.append(f"{cited} value(s) unchanged, now citing {fresh[-1].source}")
    if merged.periods[-1].end != current.periods[-1].end:
        said.append(f"covered until {merged.periods[-1].end} (was {current.periods[-1].end})")
    return said


def _nothing_new(current: RateTable, merged: RateTable) -> bool:
    """The same values, and no half-year newly covered (a table of changes known a few days
    longer is not worth a version: the law reads it on 1 January and 1 July only)."""

    def shape(t: RateTable) -> list[tuple[object, ...]]:
        return [(p.start, p.values, p.confirmed, p.source) for p in t.periods]

    if shape(current) != shape(merged):
        return False
    old_end, new_end = current.periods[-1].end, merged.periods[-1].end
    return new_end <= old_end or half_year_start(new_end) <= old_end


def _failure(table: str, source: str, exc: Exception) -> SourceOutcome:
    if isinstance(exc, FeedError):
        message = f"the response is not in its documented format: {exc}"
    elif isinstance(exc, RelanceError):
        message = exc.message
        if getattr(exc, "status", None) is None and "unreachable" in message:
            message += ": offline, or the name does not resolve"
    else:
        message = f"{type(exc).__name__}"
    return SourceOutcome(table, source, "failed", message + "; the table is kept as it was")


def update_tables(
    tables: RateTables,
    config: RateSourcesConfig,
    *,
    clock: Clock | None = None,
    only: str | None = None,
) -> UpdateReport:
    """Fetch each table's source (or ``only`` that table's) and keep what is new."""
    clock = clock or SystemClock()
    now: datetime = clock.now()
    today, version = now.date(), retrieval_version(now)
    report = UpdateReport()
    for table_name, source, fetch in SOURCES:
        if only is not None and table_name != only:
            continue
        current = tables[table_name]
        if table_name == "fr_legal_rate" and not (
            config.webstat_api_key and config.fr_legal_series_a and config.fr_legal_series_b
        ):
            report.outcomes.append(
                SourceOutcome(
                    table_name,
                    source,
                    "not configured",
                    "Webstat needs an API key and the two series keys "
                    "(rate_sources.webstat_api_key, fr_legal_series_a, fr_legal_series_b); "
                    "or import the arrêté's figures with `relance rates import FILE --table "
                    "fr_legal_rate`",
                )
            )
            continue
        try:
            fetched = fetch(config, clock, today)
            if not fetched.periods:
                raise FeedError("no value the law reads could be derived from it")
        except (RelanceError, FeedError) as exc:
            outcome = _failure(table_name, source, exc)
            log.warning("rates update: %s (%s): %s", table_name, source, outcome.message)
            report.outcomes.append(outcome)
            continue
        if fetched.valid_until is not None:
            merged = merge_changes(current, fetched.periods, version, fetched.valid_until)
        else:
            merged = merge_periods(current, fetched.periods, version)
        first, last = fetched.periods[0].start, fetched.periods[-1].end
        if fetched.valid_until is not None:
            last = fetched.valid_until
        said = _describe(current, merged, fetched.periods)
        if _nothing_new(current, merged):
            report.outcomes.append(
                SourceOutcome(
                    table_name,
                    source,
                    "unchanged",
                    f"the values in use (version {current.version}) are the source's",
                    fetched.url,
                    current.version,
                    current.origin,
                    first,
                    last,
                )
            )
            continue
        text = table_toml(
            merged,
            valid_until=fetched.valid_until,
            header=(
                f"{table_name} version {version}: fetched by `relance rates update` from",
                f"{fetched.url}",
                f"on {today}, merged into version {current.version} ({current.origin}).",
            ),
        )
        kept = tables.keep(read_back(merged, text, fetched.url), text, fetched.url)
        report.outcomes.append(
            SourceOutcome(
                table_name,
                source,
                "updated",
                f"version {version} kept",
                fetched.url,
                version,
                kept.origin,
                first,
                last,
                tuple(said),
            )
        )
        log.info("rates update: %s version %s kept in %s", table_name, version, kept.origin)
    return report
